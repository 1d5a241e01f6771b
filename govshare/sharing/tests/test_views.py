"""The web pages: each party's box, the forms that call the services, and what stays hidden."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from govshare.sharing import services
from govshare.sharing.models import Grant, ShareRequest
from govshare.sharing.parties import PLATFORM

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def clock():
    with time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=TZ), tick=False) as traveller:
        yield traveller


def _file(person, application, resource, **extra):
    return services.share_request_file(
        person("mzt_officer"), application=application, resource=resource,
        items=["id_number", "name"], purpose="核验", duty="救助审核",
        requested_until=date(2027, 1, 1), **extra)


def test_r13_request_form_files_a_request_with_evidence(clock, login, population, relief_app,
                                                        settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = login("mzt_officer")
    picker = client.get("/sharing/requests/new/?q=人口").content.decode()
    assert f"/sharing/resources/{population.code}/request/" in picker
    url = f"/sharing/resources/{population.code}/request/"
    page = client.get(url).content.decode()
    assert "公民身份号码" in page and "社会救助系统" in page
    response = client.post(url, {
        "application": relief_app.pk, "items": ["id_number", "name"], "purpose": "低保核验",
        "duty": "最低生活保障审核", "requested_until": "2027-03-01", "expected_volume": "100",
        "row_filter": '{"item": "region_code", "op": "prefix", "value": "13"}',
        "attachments": [SimpleUploadedFile("依据.pdf", b"%PDF basis")],
    })
    share_request = ShareRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/sharing/requests/{share_request.pk}/"
    assert share_request.row_filter == {"item": "region_code", "op": "prefix", "value": "13"}
    attachment = share_request.timeline.get().attachments.get()
    assert client.get(f"/sharing/attachments/{attachment.pk}/").getvalue() == b"%PDF basis"
    # Another department's people neither see the request nor its files.
    other = login("sjz_gaj_admin")  # a city department, neither consumer nor provider
    assert other.get(f"/sharing/requests/{share_request.pk}/").status_code == 404
    assert other.get(f"/sharing/attachments/{attachment.pk}/").status_code == 404


def test_r13_form_shows_the_services_field_errors(clock, login, population, relief_app):
    client = login("mzt_officer")
    response = client.post(f"/sharing/resources/{population.code}/request/", {
        "application": relief_app.pk, "items": ["id_number"], "purpose": "核验", "duty": "审核",
        "requested_until": "2026-01-01", "row_filter": "{not json",
    })
    page = response.content.decode()
    assert response.status_code == 200
    assert "数据范围须为合法的 JSON" in page
    assert not ShareRequest.objects.exists()
    response = client.post(f"/sharing/resources/{population.code}/request/", {
        "application": relief_app.pk, "items": ["id_number"], "purpose": "核验", "duty": "审核",
        "requested_until": "2026-01-01"})
    assert "使用期限须晚于今天" in response.content.decode()


def test_r13_provider_agrees_and_operator_activates_through_the_pages(clock, login, person,
                                                                     population, relief_app):
    share_request = _file(person, relief_app, population)
    provider = login("gat_officer")
    inbox = provider.get("/sharing/requests/?box=provider").content.decode()
    assert share_request.number in inbox and "2026-03-12" in inbox
    detail = provider.get(f"/sharing/requests/{share_request.pk}/").content.decode()
    assert 'data-action="agree"' in detail and 'data-action="refuse"' in detail
    # The consumer sees no answer forms on its own request.
    mine = login("mzt_officer").get(f"/sharing/requests/{share_request.pk}/").content.decode()
    assert 'data-action="agree"' not in mine and 'data-action="withdraw"' in mine
    refused = provider.post(f"/sharing/requests/{share_request.pk}/refuse/", {
        "refuse-reasons": "敏感", "refuse-statutory_ground": ""})
    assert refused.status_code == 200 and "这个字段是必填项" in refused.content.decode()
    share_request.refresh_from_db()
    assert share_request.state == "consulting"
    response = provider.post(f"/sharing/requests/{share_request.pk}/agree/", {
        "agree-items": ["id_number"], "agree-valid_until": "2026-12-31",
        "agree-daily_quota": "1000", "agree-comment": "同意"})
    assert response.status_code == 302
    grant = Grant.objects.get()
    assert (grant.items, grant.daily_quota) == (["id_number"], 1000)
    queue = login("operator").get("/sharing/requests/?box=operator").content.decode()
    assert share_request.number in queue
    response = login("operator").post(f"/sharing/grants/{grant.pk}/activate/",
                                      {"grant-activate-comment": ""})
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.state == "active"
    grants = login("mzt_officer").get("/sharing/grants/").content.decode()
    assert grant.number in grants and "有效" in grants


def test_r13_coordination_queue_marks_overdue_steps(clock, login, person, population,
                                                    relief_app):
    share_request = _file(person, relief_app, population)
    services.share_request_refuse(person("gat_officer"), share_request, reasons="x",
                                  statutory_ground="y")
    services.share_request_appeal(person("mzt_officer"), share_request, comment="确需")
    queue = login("hb_reviewer").get("/sharing/requests/?box=authority").content.decode()
    assert share_request.number in queue and "已逾期" not in queue
    early = login("hb_reviewer").get(f"/sharing/requests/{share_request.pk}/").content.decode()
    assert 'data-action="proceed"' not in early
    clock.move_to(datetime(2026, 3, 18, 9, 0, tzinfo=TZ))
    services.share_request_sweep(PLATFORM)
    queue = login("hb_reviewer").get("/sharing/requests/?box=authority").content.decode()
    assert 'data-due="2026-03-17"' in queue and "已逾期" in queue
    detail = login("hb_reviewer").get(f"/sharing/requests/{share_request.pk}/").content.decode()
    assert 'data-action="proceed"' in detail and 'data-action="overdue"' in detail
    # The city reviewer does not coordinate a provincial dispute.
    city = login("sjz_reviewer").get("/sharing/requests/?box=authority").content.decode()
    assert share_request.number not in city
    assert login("sjz_reviewer").get(
        f"/sharing/requests/{share_request.pk}/").status_code == 404


def test_r16_objection_pages(clock, login, person, population, relief_app):
    share_request = _file(person, relief_app, population)
    services.grant_activate(person("operator"),
                            services.share_request_agree(person("gat_officer"), share_request))
    client = login("mzt_officer")
    response = client.post(f"/sharing/resources/{population.code}/objection/", {
        "kind": "accuracy", "record_key": "130102199001011234", "items": ["name"],
        "description": "姓名有误"})
    assert response.status_code == 302
    provider = login("gat_officer")
    listing = provider.get("/sharing/objections/").content.decode()
    assert "姓名有误" not in listing and "准确性" in listing
    detail_url = response["Location"]
    assert 'data-action="accept"' in provider.get(detail_url).content.decode()
    assert provider.post(detail_url + "accept/", {"accept-correction": "已更正"}).status_code == 302
    assert 'data-action="confirm"' in client.get(detail_url).content.decode()


def test_r6_calendar_page_is_the_operators(clock, login):
    assert login("gat_officer").get("/sharing/calendar/").status_code == 404
    client = login("operator")
    page = client.get("/sharing/calendar/").content.decode()
    assert 'data-missing-year="2027"' in page
    response = client.post("/sharing/calendar/", {"date": "2027-01-01", "kind": "holiday",
                                                  "note": "元旦"})
    assert response.status_code == 302
    assert 'data-date="2027-01-01"' in client.get("/sharing/calendar/").content.decode()


@pytest.mark.parametrize("url", ["/sharing/requests/?box=mine", "/sharing/requests/?box=all",
                                 "/sharing/grants/", "/sharing/objections/",
                                 "/sharing/requests/new/", "/notifications/"])
def test_r13_pages_render_for_every_role(clock, login, url):
    for username in ["mzt_officer", "gat_officer", "hb_reviewer", "operator", "supervisor"]:
        assert login(username).get(url).status_code == 200, (username, url)
