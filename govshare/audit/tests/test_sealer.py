"""Data accesses are recorded durably without the chain head's lock and chained by the sealer,
in order, with nothing lost, doubled or left behind unnoticed (R17, R18)."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import DatabaseError, OperationalError, connection, transaction

from govshare.audit import sealer
from govshare.audit.models import AuditHead, AuditPending, AuditRecord
from govshare.audit.sealer import pend, seal
from govshare.audit.services import audit_access, audit_record
from govshare.audit.verify import verify_log
from govshare.core import clock

from .conftest import raw


@pytest.fixture
def deferred(settings):
    settings.GOVSHARE_AUDIT_SEAL_SECONDS = 3600
    settings.GOVSHARE_AUDIT_PENDING_MAX_SECONDS = 60


def _access(n):
    """What audit_access inserts (it refuses to run inside the test's transaction)."""
    with transaction.atomic():
        return pend(("system", "", "system", None), ("resource", "R-1", "R-1"),
                    "resource.access", {"n": n}, "ok")


def test_r18_an_access_waits_pending_without_touching_the_chain_head(db, deferred):
    audit_record(None, "test.event")
    _access(1)
    assert AuditRecord.objects.count() == 1
    assert AuditHead.objects.get().last_id == 1
    assert AuditPending.objects.count() == 1


def test_r18_sealing_chains_pending_accesses_in_order_and_empties_the_table(db, deferred):
    audit_record(None, "test.event")
    pending = [_access(n) for n in range(1, 6)]
    audit_record(None, "test.event")
    assert seal() == 5
    assert AuditPending.objects.count() == 0
    sealed = list(AuditRecord.objects.filter(action="resource.access").order_by("id"))
    assert [r.pending_id for r in sealed] == [p.pk for p in pending]
    assert [r.summary for r in sealed] == [{"n": n} for n in range(1, 6)]
    assert [r.time for r in sealed] == [p.time for p in pending]
    assert sealed[0].id == 3
    report = verify_log()
    assert report.ok, report.problems
    assert report.records == 7
    assert seal() == 0


def test_r18_verify_reports_accesses_left_pending_too_long(db, deferred):
    _access(1)
    assert verify_log().ok
    with time_machine.travel(clock.now() + timedelta(seconds=61)):
        report = verify_log()
    assert [p.kind for p in report.problems] == ["pending"]
    seal()
    with time_machine.travel(clock.now() + timedelta(seconds=61)):
        assert verify_log().ok


def test_r18_database_refuses_to_drop_or_change_a_pending_access(db, deferred):
    row = _access(1)
    for sql in ("DELETE FROM audit_auditpending WHERE id = %s",
                "UPDATE audit_auditpending SET outcome = 'denied' WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            raw(sql, [row.pk])
    assert AuditPending.objects.get().outcome == "ok"
    with pytest.raises(TypeError):
        AuditPending.objects.all().delete()


def test_r18_verify_reports_a_sealed_access_put_back_in_the_pending_table(db, deferred):
    row = _access(1)
    seal()
    raw("INSERT INTO audit_auditpending (id, time, actor_type, actor_id, actor_name, action, "
        "object_type, object_id, object_repr, summary, outcome, source_address) VALUES "
        "(%s, %s, 'system', '', 'system', 'resource.access', 'resource', 'R-1', 'R-1', '{}', "
        "'ok', '')", [row.pk, row.time])
    assert [p.kind for p in verify_log().problems] == ["inserted"]


def _sealed_within_ten_seconds(pending) -> bool:
    """Whether the pending row reaches the chain, watched from another connection."""
    sealed = threading.Event()

    def wait():
        try:
            for _ in range(200):
                try:
                    if AuditRecord.objects.filter(pending_id=pending.pk).exists():
                        sealed.set()
                        return
                except OperationalError:
                    pass  # SQLite's shared test database: the sealer is writing the table
                threading.Event().wait(0.05)
        finally:
            connection.close()

    waiter = threading.Thread(target=wait)
    waiter.start()
    waiter.join()
    return sealed.is_set()


@pytest.mark.django_db(transaction=True)
def test_r18_access_is_durable_before_return_and_sealed_later_by_the_timer(settings,
                                                                           signing_key):
    settings.GOVSHARE_AUDIT_SEAL_SECONDS = 0.05
    pending = audit_access(None, "R-1", {"rows": 3})
    assert AuditPending.objects.filter(pk=pending.pk).exists()
    assert _sealed_within_ten_seconds(pending)
    assert not AuditPending.objects.exists()
    assert verify_log().ok


@pytest.mark.django_db(transaction=True)
def test_r18_a_failed_timed_seal_is_tried_again(settings, signing_key, monkeypatch):
    settings.GOVSHARE_AUDIT_SEAL_SECONDS = 0.05
    real_seal, attempts = sealer.seal, []

    def busy_once():
        attempts.append(1)
        if len(attempts) == 1:
            raise OperationalError("database is locked")
        return real_seal()

    monkeypatch.setattr(sealer, "seal", busy_once)
    pending = audit_access(None, "R-1", {"rows": 1})
    assert _sealed_within_ten_seconds(pending)
    assert len(attempts) >= 2
    assert verify_log().ok


def test_r18_a_process_sealing_in_another_leaves_its_accesses_pending(
        db, deferred, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(sealer._timer, "enabled", True)
    sealer.seal_in_another_process()
    with django_capture_on_commit_callbacks(execute=True):
        _access(1)
    assert sealer._timer._armed is None
    assert AuditPending.objects.count() == 1


def test_r18_following_is_refused_when_every_access_is_sealed_at_once(db, settings):
    settings.GOVSHARE_AUDIT_SEAL_SECONDS = 0
    with pytest.raises(CommandError, match="GOVSHARE_AUDIT_SEAL_SECONDS"):
        call_command("audit", "seal", "--follow")
