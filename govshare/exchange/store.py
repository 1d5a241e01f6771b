"""The record store's bulk paths: writing a batch's rows in one statement per database, and
reading a resource's records as a stream (never loaded whole).

PostgreSQL takes the rows by COPY into a temporary table and merges them with one
`INSERT … ON CONFLICT`; SQLite takes an `executemany` of the same upsert (no round trips there).
"""

from collections.abc import Iterator

from django.db import connection

from .models import Record

_TABLE = Record._meta.db_table

# The table name is the model's own constant; every value is a bound parameter.
_UPSERT = (
    f"INSERT INTO {_TABLE} (resource_id, key, payload, seq, deleted) "  # noqa: S608
    "VALUES (%s, %s, %s, %s, %s) "
    "ON CONFLICT (resource_id, key) DO UPDATE SET payload = excluded.payload, "
    "seq = excluded.seq, deleted = excluded.deleted"
)

_PG_STAGE = ("CREATE TEMPORARY TABLE IF NOT EXISTS exchange_record_in "
             "(key text, payload jsonb, seq bigint, deleted boolean) ON COMMIT DELETE ROWS")
_PG_MERGE = (
    f"INSERT INTO {_TABLE} (resource_id, key, payload, seq, deleted) "  # noqa: S608
    "SELECT %s, key, payload, seq, deleted FROM exchange_record_in "
    "ON CONFLICT (resource_id, key) DO UPDATE SET payload = excluded.payload, "
    "seq = excluded.seq, deleted = excluded.deleted"
)


def write_rows(resource_id: int, rows: list[tuple[str, str, bool]], first_seq: int) -> None:
    """Upsert (key, payload JSON, deleted) rows with sequences from `first_seq`, in the caller's
    transaction."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_PG_STAGE)
            # Emptied at commit, but two batches may share one transaction (a savepoint).
            cursor.execute("TRUNCATE exchange_record_in")
            with cursor.cursor.copy(
                "COPY exchange_record_in (key, payload, seq, deleted) FROM STDIN"
            ) as copy:
                for seq, (key, payload, deleted) in enumerate(rows, start=first_seq):
                    copy.write_row((key, payload, seq, deleted))
            cursor.execute(_PG_MERGE, [resource_id])
        else:
            cursor.executemany(_UPSERT, [
                (resource_id, key, payload, seq, deleted)
                for seq, (key, payload, deleted) in enumerate(rows, start=first_seq)
            ])


def stream(queryset, fields: list[str], chunk_size: int = 5000) -> Iterator[tuple]:
    """Rows of a Record queryset, fetched in chunks (a server-side cursor on PostgreSQL)."""
    return queryset.values_list(*fields).iterator(chunk_size=chunk_size)
