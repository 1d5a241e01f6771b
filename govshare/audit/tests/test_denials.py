"""A refused actor leaves a `denied` record that outlives the failed service's rollback (R18)."""

import logging

import pytest

from govshare.audit.models import AuditRecord
from govshare.audit.verify import verify_log
from govshare.core.exceptions import PermissionDenied
from govshare.core.permissions import can, denials_recorded
from govshare.orgs import services
from govshare.orgs.models import Organization, User

PASSWORD = "A-long-enough-pass-42"


def _denied():
    return AuditRecord.objects.filter(outcome="denied")


def test_r18_api_denial_is_recorded_and_the_change_is_not(login, person):
    other = Organization.objects.get(name="河北省民政厅")
    response = login("gat_admin").post("/api/v1/users", {
        "organization_id": other.pk, "username": "intruder", "password": PASSWORD,
    }, content_type="application/json", REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 403
    assert not User.objects.filter(username="intruder").exists()
    record = _denied().get()
    admin = person("gat_admin")
    assert (record.action, record.actor_id, record.organization_id) == (
        "user.create", str(admin.pk), admin.organization_id)
    assert (record.object_id, record.source_address) == (str(other.pk), "10.1.2.3")
    assert verify_log().ok


def test_r18_web_denial_is_recorded(login):
    other = Organization.objects.get(name="河北省民政厅")
    response = login("gat_staff").post(f"/organizations/{other.pk}/applications/",
                                       {"name": "偷偷建的系统"})
    assert response.status_code == 403
    assert _denied().get().action == "application.create"


def test_r18_denial_after_an_earlier_write_in_the_same_service_is_recorded_alone(login, person):
    """credential_rotate revokes, then issues; the whole service rolls back on denial, the
    denial stays."""
    officer = person("gat_officer")
    application = services.application_create(officer, organization=officer.organization,
                                              name="测试系统")
    credential, _token = services.credential_issue(officer, application)
    response = login("mzt_admin").post(f"/api/v1/credentials/{credential.pk}/rotate")
    assert response.status_code == 404  # another department's credential is invisible
    assert not _denied().exists()
    staff = login("gat_staff")
    assert staff.post(f"/api/v1/credentials/{credential.pk}/rotate").status_code == 403
    assert _denied().get().action == "credential.revoke"
    credential.refresh_from_db()
    assert credential.revoked_at is None


def test_r18_asking_is_not_a_denial(person):
    assert not can(person("gat_staff"), "user.create", person("gat_staff").organization)
    assert not _denied().exists()


def test_r18_unauthenticated_calls_are_not_recorded_as_denials(client, db):
    assert client.post("/api/v1/applications", {}, content_type="application/json"
                       ).status_code in (401, 422)
    assert not _denied().exists()


def test_r18_tasks_and_commands_record_denials_with_a_block_around_them(person):
    with denials_recorded(), pytest.raises(PermissionDenied):
        services.user_create(person("gat_staff"), organization=person("gat_staff").organization,
                             username="x", password=PASSWORD)
    assert _denied().get().action == "user.create"


def test_r18_denial_inside_a_bare_transaction_is_logged_not_lost_silently(person, caplog):
    with caplog.at_level(logging.WARNING), pytest.raises(PermissionDenied):
        services.user_create(person("gat_staff"), organization=person("gat_staff").organization,
                             username="x", password=PASSWORD)
    assert "not audited: user.create" in caplog.text
    assert not _denied().exists()
