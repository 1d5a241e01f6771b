"""The sharing API (/api/v1/sharing/...): the same workflow as the pages, as JSON."""

import base64
import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from govshare.orgs import services as org_services
from govshare.sharing.models import Grant

TZ = ZoneInfo("Asia/Shanghai")
API = "/api/v1/sharing"


@pytest.fixture
def clock():
    with time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=TZ), tick=False) as traveller:
        yield traveller


def _post(client, url, body):
    return client.post(url, body, content_type="application/json")


def _file(client, application, resource, **extra):
    body = {"application_id": application.pk, "resource": resource.code,
            "items": ["id_number", "name"], "purpose": "核验", "duty": "救助审核",
            "requested_until": "2027-03-01", **extra}
    return _post(client, f"{API}/requests", body)


def test_r13_the_whole_consultation_over_the_api(clock, login, population, relief_app,
                                                 settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    consumer, provider = login("mzt_officer"), login("gat_officer")
    authority, operator = login("hb_reviewer"), login("operator")
    evidence = base64.b64encode(b"appeal letter").decode()
    created = _file(consumer, relief_app, population)
    assert created.status_code == 201, created.content
    body = created.json()
    request_id = body["id"]
    assert body["state"] == "consulting" and body["deadline"]["due_date"] == "2026-03-12"
    assert body["actions"] == ["withdraw"]
    assert provider.get(f"{API}/requests/{request_id}").json()["actions"] == ["agree", "refuse"]
    assert [r["id"] for r in provider.get(f"{API}/requests?box=provider").json()] == [request_id]

    refused = _post(provider, f"{API}/requests/{request_id}/refuse",
                    {"reasons": "敏感", "statutory_ground": ""})
    assert refused.status_code == 400
    assert list(refused.json()["errors"]) == ["statutory_ground"]
    assert _post(provider, f"{API}/requests/{request_id}/refuse",
                 {"reasons": "敏感", "statutory_ground": "《个人信息保护法》第三十四条"}
                 ).json()["state"] == "refused"
    appealed = _post(consumer, f"{API}/requests/{request_id}/appeal", {
        "comment": "确需", "attachments": [{"name": "申请书.pdf", "content_base64": evidence}]})
    assert appealed.json()["state"] == "explaining"
    attachment = appealed.json()["timeline"][-1]["attachments"][0]
    assert attachment["sha256"] == hashlib.sha256(b"appeal letter").hexdigest()
    assert consumer.get(attachment["url"]).getvalue() == b"appeal letter"
    assert _post(provider, f"{API}/requests/{request_id}/explain",
                 {"explanation": "书面说明"}).json()["state"] == "coordinating"
    assert _post(authority, f"{API}/requests/{request_id}/escalate",
                 {"comment": "协调未果"}).json()["state"] == "joint_consultation"
    decided = _post(authority, f"{API}/requests/{request_id}/joint-decide", {
        "grant": True, "establishment": "省委编办", "secrecy": "省保密局",
        "items": ["id_number"], "daily_quota": 500})
    assert decided.json()["state"] == "agreed", decided.content
    grant_id = decided.json()["grant_id"]
    assert [r["id"] for r in operator.get(f"{API}/requests?box=operator").json()] == [request_id]
    assert _post(consumer, f"{API}/grants/{grant_id}/activate", {}).status_code == 403
    activated = _post(operator, f"{API}/grants/{grant_id}/activate", {})
    assert activated.json()["state"] == "active" and activated.json()["daily_quota"] == 500
    mine = consumer.get(f"{API}/grants").json()
    assert [(g["id"], g["state"], g["items"]) for g in mine] == [(grant_id, "active",
                                                                  ["id_number"])]
    timeline = consumer.get(f"{API}/requests/{request_id}").json()["timeline"]
    assert [e["action"] for e in timeline] == ["file", "refuse", "appeal", "explain", "escalate",
                                               "joint_grant", "activate"]
    assert timeline[-2]["data"]["participants"]["secrecy"] == "省保密局"


def test_r13_api_names_the_wrong_fields(clock, login, population, relief_app):
    client = login("mzt_officer")
    response = _file(client, relief_app, population, items=["salary"])
    assert response.status_code == 400
    assert "salary" in response.json()["errors"]["items"][0]
    response = _post(client, f"{API}/requests", {"application_id": relief_app.pk})
    assert response.status_code == 422 and "resource" in response.json()["errors"]
    bad = _file(client, relief_app, population,
                attachments=[{"name": "x.pdf", "content_base64": "not base64!"}])
    assert bad.status_code == 400 and "attachments" in bad.json()["errors"]


def test_r13_requests_of_others_are_invisible(clock, login, person, population, relief_app):
    request_id = _file(login("mzt_officer"), relief_app, population).json()["id"]
    outsider = login("sjz_gaj_admin")
    assert outsider.get(f"{API}/requests/{request_id}").status_code == 404
    assert _post(outsider, f"{API}/requests/{request_id}/agree", {}).status_code == 404
    assert outsider.get(f"{API}/requests").json() == []


def test_r14_application_asks_whether_it_may_read(clock, login, person, population, relief_app,
                                                  bearer):
    _credential, token = org_services.credential_issue(person("mzt_admin"), relief_app)
    app = bearer(token)
    denied = app.get(f"{API}/access?resource={population.code}&items=name").json()
    assert denied == {"allowed": False, "reason": "no_grant",
                      "detail": denied["detail"], "grant": None}
    request_id = _file(login("mzt_officer"), relief_app, population).json()["id"]
    grant = _post(login("gat_officer"), f"{API}/requests/{request_id}/agree", {}).json()
    _post(login("operator"), f"{API}/grants/{grant['id']}/activate", {})
    allowed = app.get(f"{API}/access?resource={population.code}&items=name,id_number").json()
    assert allowed["allowed"] is True and allowed["grant"]["id"] == grant["id"]
    assert app.get(f"{API}/grants").json()[0]["id"] == grant["id"]
    _post(login("gat_officer"), f"{API}/grants/{grant['id']}/revoke", {"reason": "超范围使用"})
    revoked = app.get(f"{API}/access?resource={population.code}&items=name").json()
    assert (revoked["allowed"], revoked["reason"]) == (False, "revoked")
    assert Grant.objects.get().state == "revoked"


def test_r16_objection_over_the_api(clock, login, person, population, relief_app):
    request_id = _file(login("mzt_officer"), relief_app, population).json()["id"]
    grant = _post(login("gat_officer"), f"{API}/requests/{request_id}/agree", {}).json()
    _post(login("operator"), f"{API}/grants/{grant['id']}/activate", {})
    consumer, provider = login("mzt_officer"), login("gat_officer")
    created = _post(consumer, f"{API}/objections", {
        "resource": population.code, "kind": "timeliness", "description": "迁出未更新",
        "record_key": "130102199001011234", "items": ["address"]})
    assert created.status_code == 201
    objection = created.json()
    assert objection["deadline"]["duration"] == "10wd" and objection["actions"] == []
    url = f"{API}/objections/{objection['id']}"
    assert provider.get(url).json()["actions"] == ["accept", "reject"]
    assert _post(provider, f"{url}/reject", {"reasons": "已核实"}).json()["state"] == "rejected"
    assert _post(consumer, f"{url}/reopen", {"comment": "附证明"}).json()["state"] == "open"
    assert _post(provider, f"{url}/accept", {"correction": "已更正"}).json()["state"] == "corrected"
    closed = _post(consumer, f"{url}/confirm", {})
    assert closed.json()["state"] == "closed"
    assert [e["action"] for e in closed.json()["timeline"]] == [
        "raise", "reject", "reopen", "accept", "confirm"]


def test_r13_calendar_api_counts_days_and_warns(clock, login):
    client = login("gat_officer")
    due = client.get(f"{API}/calendar/due?start=2026-09-28&duration=10wd").json()
    assert due["due_date"] == "2026-10-16" and due["missing_years"] == []
    year_end = client.get(f"{API}/calendar/due?start=2026-12-24&duration=10wd").json()
    assert year_end["due_date"] == "2027-01-07" and year_end["missing_years"] == [2027]
    assert "2027" in year_end["warning"]
    assert client.get(f"{API}/calendar/due?start=2026-12-24&duration=ten").status_code == 400
    assert _post(client, f"{API}/calendar/overrides",
                 {"date": "2027-01-01", "kind": "holiday"}).status_code == 403
    operator = login("operator")
    assert _post(operator, f"{API}/calendar/overrides",
                 {"date": "2027-01-01", "kind": "holiday", "note": "元旦"}).status_code == 201
    assert client.get(f"{API}/calendar/due?start=2026-12-24&duration=10wd"
                      ).json()["due_date"] == "2027-01-08"
    assert operator.delete(f"{API}/calendar/overrides/2027-01-01").status_code == 204
    assert operator.post(f"{API}/sweep").json() == {"overdue": 0, "lapsed": 0, "expired": 0}
    assert client.post(f"{API}/sweep").status_code == 403
