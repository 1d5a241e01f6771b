"""The database's own refusal to change audit rows: triggers, and the one way past them.

Migration 0002 puts BEFORE UPDATE and BEFORE DELETE triggers on the audit record and checkpoint
tables, so even raw SQL from the application's connection is refused:

- PostgreSQL: a PL/pgSQL function raises. TRUNCATE fires no row trigger; Django's `flush` (used
  between transactional tests) relies on that. In production, revoke TRUNCATE (and UPDATE,
  DELETE) on these tables from the platform's role; a truncated log is caught anyway by
  `govshare audit verify` against any checkpoint.
- SQLite: the triggers abort unless `govshare_audit_sealed()` returns 0. Django's connections
  get that function from `register_sqlite_function` below, answering 1 unless the connection is
  inside `flush_allowed()`; any other connection (the sqlite3 shell, a script) does not have
  the function at all, so its UPDATE or DELETE fails with "no such function" (closed by
  default). `flush_allowed()` exists because SQLite's flush deletes row by row; only the `flush`
  command uses it.

The tamper tests drop the triggers inside their own test transaction, which rolls back with the
test, triggers included (DDL is transactional on both databases).

Migration 0003 guards the pending access rows the same way, except that a pending row may be
deleted once the log holds the record that seals it (`sealer.py`).

A later migration that alters these tables on SQLite rebuilds them (new table, copy, drop the
old one), and the triggers go with the old table: such a migration must create them again.
`tests/test_guard.py` fails if it does not.
"""

from contextlib import contextmanager

SEALED_FUNCTION = "govshare_audit_sealed"
TABLES = ("audit_auditrecord", "audit_auditcheckpoint", "audit_auditpending")


def register_sqlite_function(sender, connection, **kwargs):
    """Give each new SQLite connection the function the triggers consult."""
    if connection.vendor != "sqlite":
        return
    connection.connection.create_function(
        SEALED_FUNCTION, 0, lambda: 0 if getattr(connection, "audit_flush_allowed", False) else 1,
    )


@contextmanager
def flush_allowed(connection):
    """Let SQLite's row-by-row flush empty the audit tables (PostgreSQL truncates instead)."""
    connection.audit_flush_allowed = True
    try:
        yield
    finally:
        connection.audit_flush_allowed = False


def trigger_names(table: str) -> tuple[str, str]:
    """The (update, delete) trigger names migration 0002 gave `table`."""
    return f"{table}_no_update", f"{table}_no_delete"


def drop_triggers_sql(vendor: str) -> list[str]:
    """What a tamper test runs, inside its own transaction, to get past the triggers."""
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {name} ON {table}"
                for table in TABLES for name in trigger_names(table)]
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name}"
                for table in TABLES for name in trigger_names(table)]
    return []
