"""`govshare audit verify` finds each kind of tampering at the right record (R18).

Each test writes a chain of eight records, gets past the triggers inside its own transaction,
edits the table with raw SQL as an intruder with database access would, and runs the command.
"""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from govshare.audit.chain import expected_hash
from govshare.audit.models import AuditHead, AuditRecord

from .conftest import raw, triggers_dropped


def verify(*args):
    """(exit code, stdout, stderr) of `govshare audit verify`."""
    out, err = StringIO(), StringIO()
    try:
        call_command("audit", "verify", *args, stdout=out, stderr=err)
    except CommandError as error:
        return error.returncode, out.getvalue(), err.getvalue() + str(error)
    return 0, out.getvalue(), err.getvalue()


def test_r18_untouched_log_verifies(chain):
    code, out, _err = verify()
    assert code == 0
    assert "OK: 8 records, head #8" in out


def test_r18_empty_log_verifies(db):
    code, out, _err = verify()
    assert (code, "OK: 0 records" in out) == (0, True)


def test_r18_modified_record_is_found(chain):
    with triggers_dropped():
        raw("UPDATE audit_auditrecord SET actor_name = %s WHERE id = 5", ["someone else"])
    code, _out, err = verify()
    assert code == 1
    assert "FAILED [modified] (position 5): record #5 was modified" in err


def test_r18_modified_summary_is_found(chain):
    """The JSON column too, whichever way the database stores it."""
    record = AuditRecord.objects.get(id=3)
    with triggers_dropped():
        raw("UPDATE audit_auditrecord SET summary = %s WHERE id = 3",
            [json.dumps({**record.summary, "n": 99})])
    code, _out, err = verify()
    assert code == 1 and "[modified] (position 3)" in err


def test_r18_modified_record_with_recomputed_hash_is_found(chain):
    """An intruder who also fixes the record's own hash breaks its successor's link."""
    record = AuditRecord.objects.get(id=4)
    record.actor_name = "someone else"
    with triggers_dropped():
        raw("UPDATE audit_auditrecord SET actor_name = %s, hash = %s WHERE id = 4",
            [record.actor_name, expected_hash(record)])
    code, _out, err = verify()
    assert code == 1
    assert "[modified] (position 4): record #4 was modified and its hash recomputed" in err


def test_r18_deleted_record_is_found(chain):
    with triggers_dropped():
        raw("DELETE FROM audit_auditrecord WHERE id = 5")
    code, _out, err = verify()
    assert code == 1
    assert "FAILED [deleted] (position 5): record #5 was deleted" in err


def test_r18_deleted_first_and_last_records_are_found(chain):
    with triggers_dropped():
        raw("DELETE FROM audit_auditrecord WHERE id = 1")
    assert "[deleted] (position 1): record #1 was deleted" in verify()[2]


def test_r18_deleted_tail_is_found_by_the_head(chain):
    with triggers_dropped():
        raw("DELETE FROM audit_auditrecord WHERE id >= 7")
    code, _out, err = verify()
    assert code == 1
    assert "[deleted] (position 7): record #7–#8 was deleted from the end" in err


def _shift_ids_from(first):
    """Make room at `first` as an intruder must (ids are unique): negate, then move up."""
    raw("UPDATE audit_auditrecord SET id = -id WHERE id >= %s", [first])
    raw("UPDATE audit_auditrecord SET id = 1 - id WHERE id < 0")


def test_r18_inserted_record_is_found(chain):
    """The forged record is made like a real one, properly linked to its predecessor."""
    before = AuditRecord.objects.get(id=4)
    forged = AuditRecord(
        id=5, time=before.time, actor_type="user", actor_id="1", actor_name="forger",
        action="user.create", summary={}, prev_hash=before.hash,
    )
    forged.hash = expected_hash(forged)
    with triggers_dropped():
        _shift_ids_from(5)
        forged.save(force_insert=True)
    code, _out, err = verify()
    assert code == 1
    assert "FAILED [inserted] (position 5): record #5 was inserted" in err


def test_r18_inserted_record_with_a_bad_hash_is_found(chain):
    with triggers_dropped():
        _shift_ids_from(3)
        AuditRecord(id=3, time=chain[0].time, actor_type="user", action="x", summary={},
                    prev_hash="f" * 64, hash="e" * 64).save(force_insert=True)
    assert "[inserted] (position 3): record #3 was inserted" in verify()[2]


def test_r18_appended_record_is_found_by_the_head(chain):
    forged = AuditRecord(id=9, time=chain[-1].time, actor_type="user", action="x",
                         summary={}, prev_hash=chain[-1].hash)
    forged.hash = expected_hash(forged)
    forged.save(force_insert=True)  # appending needs no trigger dropped: only the head knows
    code, _out, err = verify()
    assert code == 1 and "[inserted] (position 9): record #9 was inserted after the head" in err


def test_r18_reordered_records_are_found(chain):
    with triggers_dropped():
        raw("UPDATE audit_auditrecord SET id = -1 WHERE id = 4")
        raw("UPDATE audit_auditrecord SET id = 4 WHERE id = 5")
        raw("UPDATE audit_auditrecord SET id = 5 WHERE id = -1")
    code, _out, err = verify()
    assert code == 1
    assert "FAILED [reordered] (position 4): record #4 was moved" in err


def test_r18_rewritten_chain_is_caught_by_a_checkpoint(chain):
    """An intruder who rewrites a record and recomputes every later hash and the head leaves a
    consistent chain; the checkpoint signed before the rewrite is what catches it."""
    call_command("audit", "checkpoint", stdout=StringIO())
    prev_hash = AuditRecord.objects.get(id=2).hash
    with triggers_dropped():
        for record in AuditRecord.objects.filter(id__gte=3).order_by("id"):
            if record.id == 3:
                record.actor_name = "someone else"
            record.prev_hash = prev_hash
            record.hash = expected_hash(record)
            raw("UPDATE audit_auditrecord SET actor_name = %s, prev_hash = %s, hash = %s "
                "WHERE id = %s", [record.actor_name, record.prev_hash, record.hash, record.id])
            prev_hash = record.hash
        AuditHead.objects.filter(pk=1).update(last_hash=prev_hash)
    code, _out, err = verify()
    assert code == 1
    assert "[modified] (position 8): record #8 differs from the checkpoint" in err


@pytest.mark.parametrize("field", ["hash", "prev_hash"])
def test_r18_chain_fields_themselves_are_covered(chain, field):
    with triggers_dropped():
        raw(f"UPDATE audit_auditrecord SET {field} = %s WHERE id = 6", ["a" * 64])  # noqa: S608
    assert verify()[0] == 1
