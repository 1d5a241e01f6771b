"""Nothing in the application can change an audit row, not even raw SQL (R18)."""

import sqlite3

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from govshare.audit.checkpoints import make_checkpoint
from govshare.audit.models import AuditCheckpoint, AuditRecord
from govshare.audit.services import audit_record

from .conftest import raw


def _refused(sql, params=()):
    """Run `sql` in a savepoint (a failed statement aborts a PostgreSQL transaction)."""
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw(sql, params)


def test_r18_database_refuses_update_and_delete_of_records(chain):
    _refused("UPDATE audit_auditrecord SET actor_name = %s WHERE id = 3", ["someone else"])
    _refused("UPDATE audit_auditrecord SET outcome = 'denied'")
    _refused("DELETE FROM audit_auditrecord WHERE id = 3")
    _refused("DELETE FROM audit_auditrecord")
    assert AuditRecord.objects.count() == 8
    assert AuditRecord.objects.get(id=3).actor_name == "system"


def test_r18_database_refuses_update_and_delete_of_checkpoints(chain):
    make_checkpoint()
    _refused("UPDATE audit_auditcheckpoint SET head_id = 1")
    _refused("DELETE FROM audit_auditcheckpoint")
    assert AuditCheckpoint.objects.get().head_id == 8


def test_r18_orm_refuses_update_and_delete(chain):
    record = chain[2]
    with pytest.raises(TypeError):
        record.save()
    with pytest.raises(TypeError):
        record.delete()
    with pytest.raises(TypeError):
        AuditRecord.objects.filter(id=3).update(outcome="denied")
    with pytest.raises(TypeError):
        AuditRecord.objects.all().delete()


def test_r18_sqlite_connections_without_the_guard_function_are_refused(chain):
    """A connection Django did not open (the sqlite3 shell) lacks the function the triggers
    consult, so its UPDATE or DELETE fails instead of slipping through."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    # Another connection to the test database; the statement fails as it is compiled, before
    # it waits for the lock the test's transaction holds.
    other = sqlite3.connect(connection.settings_dict["NAME"], uri=True, timeout=0)
    with pytest.raises(sqlite3.OperationalError, match="govshare_audit_sealed"):
        other.execute("DELETE FROM audit_auditrecord")
    with pytest.raises(sqlite3.OperationalError, match="govshare_audit_sealed"):
        other.execute("UPDATE audit_auditrecord SET outcome = 'x'")
    other.close()


@pytest.mark.django_db(transaction=True)
def test_r18_flush_still_empties_the_audit_tables(signing_key):
    """Django's flush (the test runner's reset between transactional tests) gets through: on
    PostgreSQL it truncates, on SQLite the flush command allows it."""
    audit_record(None, "test.event")
    make_checkpoint()
    call_command("flush", interactive=False, verbosity=0)
    assert (AuditRecord.objects.count(), AuditCheckpoint.objects.count()) == (0, 0)
    if connection.vendor == "sqlite":
        audit_record(None, "test.event")
        with pytest.raises(DatabaseError, match="append-only"):
            raw("DELETE FROM audit_auditrecord")
