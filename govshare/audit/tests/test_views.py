"""Who reads which audit records, in the page and the API; the published key (R17, R18)."""

import re
from datetime import UTC, datetime

import pytest
import time_machine

from govshare.audit import keys
from govshare.audit.models import AuditRecord
from govshare.audit.services import audit_record
from govshare.orgs.models import Organization


def _record_as(person, username, action="test.event"):
    return audit_record(person(username), action, None, {"by": username})


@pytest.fixture
def chain_of_one(person):
    return _record_as(person, "gat_admin")


def _shown(response):
    return {int(n) for n in re.findall(r'data-record="(\d+)"', response.content.decode())}


def _records(person):
    """One record by an actor of each level: province departments, a city and a county."""
    return {name: _record_as(person, name).pk
            for name in ("gat_admin", "mzt_admin", "sjz_gaj_admin", "zd_reviewer", "operator")}


def test_r18_operator_sees_every_record(login, person):
    ids = _records(person)
    assert _shown(login("operator").get("/audit/")) == set(ids.values())


def test_r18_authority_reviewer_sees_the_records_of_their_region(login, person):
    ids = _records(person)
    # Shijiazhuang's reviewer: the city's organisations and the counties below, not the province.
    assert _shown(login("sjz_reviewer").get("/audit/")) == {ids["sjz_gaj_admin"],
                                                            ids["zd_reviewer"]}
    assert _shown(login("zd_reviewer").get("/audit/")) == {ids["zd_reviewer"]}
    assert _shown(login("hb_reviewer").get("/audit/")) == set(ids.values())


def test_r18_department_admin_sees_only_their_organisation(login, person):
    ids = _records(person)
    assert _shown(login("gat_admin").get("/audit/")) == {ids["gat_admin"]}


def test_r18_staff_may_not_browse_and_the_refusal_is_recorded(login, person):
    _records(person)
    response = login("gat_staff").get("/audit/")
    assert response.status_code == 403
    assert AuditRecord.objects.filter(action="audit.view", outcome="denied").count() == 1


def test_r18_anonymous_visitors_are_sent_to_log_in(client, db):
    assert client.get("/audit/").status_code == 302


def test_r18_filters_by_action_actor_organisation_and_time(login, person):
    with time_machine.travel(datetime(2026, 1, 10, 4, tzinfo=UTC), tick=False):
        early = _record_as(person, "gat_admin", "user.create").pk
    with time_machine.travel(datetime(2026, 2, 10, 4, tzinfo=UTC), tick=False):
        late = _record_as(person, "mzt_admin", "role.assign").pk
    operator = login("operator")
    assert _shown(operator.get("/audit/?action=user.")) == {early}
    assert _shown(operator.get("/audit/", {"actor": "民政厅"})) == {late}
    mzt = Organization.objects.get(name="河北省民政厅").pk
    assert _shown(operator.get("/audit/", {"organization": mzt})) == {late}
    assert _shown(operator.get("/audit/?since=2026-02-01")) == {late}
    assert _shown(operator.get("/audit/?until=2026-01-31")) == {early}
    # A filter naming an organisation the reader cannot see is ignored, not an error.
    assert login("gat_admin").get("/audit/", {"organization": mzt}).status_code == 200


def test_r18_page_is_read_only(login, person):
    _records(person)
    login("operator").post("/audit/", {"action": "x"})
    assert AuditRecord.objects.count() == 5


def test_r18_api_lists_records_through_the_same_restriction(login, person):
    ids = _records(person)
    listed = login("gat_admin").get("/api/v1/audit/records").json()
    assert [r["id"] for r in listed] == [ids["gat_admin"]]
    assert {"hash", "prev_hash", "summary", "algorithm"} <= set(listed[0])
    assert login("gat_staff").get("/api/v1/audit/records").status_code == 403
    after = login("operator").get("/api/v1/audit/records", {"after_id": 3, "limit": 1}).json()
    assert [r["id"] for r in after] == [4]


def test_r18_public_key_is_published_without_login(client, db):
    key = keys.current_public_key()
    assert client.get("/api/v1/audit/public-key").json() == {
        "algorithm": keys.signature_algorithm(), "key_id": key.key_id, "public_key": key.pem}
    page = client.get("/audit/key/").content.decode()
    assert key.key_id in page and "BEGIN PUBLIC KEY" in page
    assert client.get("/audit/public-key.pem").content.decode() == key.pem


def test_r18_admin_shows_audit_rows_read_only(login, chain_of_one):
    operator = login("operator")
    assert operator.get("/admin/audit/auditrecord/").status_code == 200
    assert operator.get("/admin/audit/auditcheckpoint/").status_code == 200
    assert operator.get(f"/admin/audit/auditrecord/{chain_of_one.pk}/change/").status_code == 200
    assert operator.post(f"/admin/audit/auditrecord/{chain_of_one.pk}/delete/").status_code == 403
    assert AuditRecord.objects.filter(pk=chain_of_one.pk).exists()
