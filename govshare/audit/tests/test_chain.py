"""The chain reads back exactly as written on SQLite and PostgreSQL, and stays one chain when
two processes append at once (R18)."""

import subprocess
import sys
import threading
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection, transaction

from govshare.audit.chain import GENESIS, canonical_summary, expected_hash
from govshare.audit.models import AuditRecord
from govshare.audit.services import audit_access, audit_record
from govshare.audit.verify import verify_log
from govshare.core import crypto

AWKWARD_SUMMARY = {
    "z": 1, "a": {"y": [3, 2, 1], "b": None}, "中文": "河北省公安厅", "float": 0.1,
    "integral float": 2.0, "huge float": 1e20, "tiny": 1.5e-07, "big int": 2**70,
    "decimal": Decimal("3.14"), "when": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    "nan": float("nan"), "tuple": (1, "x"), 7: "int key", "nul": "a\x00b", "bool": True,
    "emoji": "🙂", "quote": '"\\',
}


def test_r18_summary_and_time_read_back_unchanged(db):
    with time_machine.travel(datetime(2026, 3, 1, 8, 0, 0, 123456, tzinfo=UTC), tick=False):
        written = audit_record(None, "test.event", None, AWKWARD_SUMMARY)
    read = AuditRecord.objects.get(pk=written.pk)
    assert read.summary == written.summary
    assert read.time == written.time and read.time.microsecond == 123456
    assert read.hash == expected_hash(read)
    assert verify_log().ok


def test_r18_whole_second_times_hash_like_any_other(db):
    with time_machine.travel(datetime(2026, 3, 1, 8, 0, 0, tzinfo=UTC), tick=False):
        record = audit_record(None, "test.event")
    assert AuditRecord.objects.get(pk=record.pk).hash == expected_hash(record)


def test_r18_canonical_summary_survives_jsonb():
    summary = canonical_summary(AWKWARD_SUMMARY)
    assert summary["huge float"] == 10**20 and isinstance(summary["huge float"], int)
    assert summary["integral float"] == 2 and summary["nan"] == "nan"
    assert summary["nul"] == "a\ufffdb" and summary["7"] == "int key"
    assert summary["tuple"] == [1, "x"] and summary["decimal"] == "3.14"


def test_r18_records_name_their_digest_and_a_new_profile_changes_only_new_records(
        db, settings, monkeypatch):
    settings.GOVSHARE_CRYPTO_PROFILE = "international"
    old = audit_record(None, "test.event")
    monkeypatch.setitem(crypto.PROFILES, "sm3-trial", crypto.Profile("sm3", "ed25519"))
    settings.GOVSHARE_CRYPTO_PROFILE = "sm3-trial"
    new = audit_record(None, "test.event")
    assert (old.algorithm, new.algorithm) == ("sha256", "sm3")
    assert new.prev_hash == old.hash
    assert verify_log().ok


def test_r18_sm3_matches_the_standards_test_vector():
    # GB/T 32905-2016, example 1: SM3("abc").
    assert crypto.digest("sm3", b"abc") == (
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")


def test_r18_chain_links_records_in_id_order(db):
    first = audit_record(None, "test.event")
    second = audit_record(None, "test.event")
    assert (first.id, first.prev_hash, second.id, second.prev_hash) == (1, GENESIS, 2, first.hash)


def test_r18_data_access_is_recorded_as_an_access_to_the_resource(db):
    record = audit_access(None, "130000-GAT-0001", {"rows": 12})
    assert (record.action, record.object_type, record.object_id) == (
        "resource.access", "resource", "130000-GAT-0001")


@pytest.mark.django_db(transaction=True)
def test_r18_data_access_refuses_to_run_inside_a_transaction():
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_access(None, "130000-GAT-0001")


@pytest.mark.django_db(transaction=True)
def test_r18_concurrent_appends_on_postgresql_stay_one_chain():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite serialises writers at BEGIN IMMEDIATE")
    per_thread = 40
    start = threading.Barrier(2)
    errors = []

    def append(name):
        try:
            start.wait()
            for n in range(per_thread):
                audit_record(None, f"test.{name}", None, {"n": n})
        except Exception as error:  # noqa: BLE001 (re-raised by the test below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=append, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    ids = list(AuditRecord.objects.values_list("id", flat=True))
    assert ids == list(range(1, 2 * per_thread + 1))
    actions = AuditRecord.objects.values_list("action", flat=True)
    assert {"test.a", "test.b"} == set(actions)
    report = verify_log()
    assert report.ok, report.problems
    assert report.records == 2 * per_thread


@pytest.mark.django_db(transaction=True)
def test_r18_data_access_is_committed_before_it_returns(signing_key):
    """Another connection (another thread) sees the record as soon as audit_access returns."""
    pending = audit_access(None, "130000-GAT-0001", {"rows": 1})
    seen = []

    def look():
        try:
            seen.append(AuditRecord.objects.filter(pending_id=pending.pk).exists())
        finally:
            connection.close()

    thread = threading.Thread(target=look)
    thread.start()
    thread.join()
    assert seen == [True]


def test_r18_crypto_module_stands_without_django():
    """The exchange node and offline verifiers use it: importing it must not need Django."""
    program = ("import sys, govshare.core.crypto as c; "
               "assert not any(m.startswith('django') for m in sys.modules), 'django imported'; "
               "print(c.digest('sha256', b'abc'))")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,  # noqa: S603
                          check=True, env={"PATH": "/usr/bin"})
    assert done.stdout.strip().startswith("ba7816bf")
