"""Audit test fixtures: a signing key per test, a short chain, and a way past the triggers."""

from contextlib import contextmanager

import pytest
from django.db import connection

from govshare.audit import keys
from govshare.audit.guard import drop_triggers_sql
from govshare.audit.services import audit_record


@pytest.fixture(autouse=True)
def signing_key(settings, tmp_path):
    """Each test signs with its own key, made on first use under its own directory."""
    settings.GOVSHARE_AUDIT_KEY_FILE = tmp_path / "keys" / "audit-signing-key.pem"
    return keys.key_path()


@pytest.fixture
def chain(db):
    """Eight records #1–#8."""
    return [audit_record(None, "test.event", None, {"n": n}) for n in range(1, 9)]


@contextmanager
def triggers_dropped():
    """Drop the append-only triggers inside the test's own transaction: the rollback at the end
    of the test restores them (DDL is transactional on SQLite and PostgreSQL)."""
    assert connection.in_atomic_block, "tamper only inside the test transaction"
    with connection.cursor() as cursor:
        for statement in drop_triggers_sql(connection.vendor):
            cursor.execute(statement)
    yield


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
