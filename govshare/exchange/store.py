"""The record store's bulk paths: writing a batch's rows in one statement per database, and
reading a resource's records as a stream (never loaded whole).

The JSON payloads are built by the database from typed columns (`jsonb_build_object`,
`json_object`), not row by row in Python. PostgreSQL takes the batch as CSV (written by Arrow)
through COPY into a temporary table (`stage_rows`, before the resource's lock is taken, so that
the next batch is staged while one is merged) and merges it with one `INSERT … ON CONFLICT`;
SQLite takes an `executemany` of the same upsert (it has no round trips to save, and one writer).
"""

from collections.abc import Iterator

import pyarrow as pa
import pyarrow.csv as pa_csv
from django.db import connection

from .batches import Rows
from .models import Record

_TABLE = Record._meta.db_table
# Functions take at most 100 arguments: build the payload from groups of 40 items.
_GROUP = 40
_CONFLICT = ("ON CONFLICT (resource_id, key) DO UPDATE SET payload = excluded.payload, "
             "seq = excluded.seq, deleted = excluded.deleted")


def _pg_type(type_: pa.DataType) -> str:
    if pa.types.is_integer(type_):
        return "bigint"
    if pa.types.is_floating(type_):
        return "double precision"
    if pa.types.is_boolean(type_):
        return "boolean"
    return "text"


def _groups(names):
    return [names[i:i + _GROUP] for i in range(0, len(names), _GROUP)] or [[]]


def stage_rows(rows: Rows) -> None:
    """PostgreSQL: the batch COPYed into this transaction's staging table, each row with its
    position, which `write_rows` turns into its sequence. Nothing to do on SQLite."""
    if connection.vendor != "postgresql":
        return
    names = list(rows.columns)
    columns = [f"c{i}" for i in range(len(names))]
    staging = ", ".join(f"{c} {_pg_type(rows.columns[n].type)}"
                        for c, n in zip(columns, names, strict=True))
    table = pa.table({
        "key": rows.keys,
        "position": pa.array(range(len(rows)), pa.int64()),
        "deleted": rows.deleted,
        **dict(zip(columns, rows.columns.values(), strict=True)),
    })
    # Arrow's CSV writer garbles a table whose columns are chunked differently when a chunk is
    # empty (a stream with an empty record batch): one chunk per column.
    table = table.combine_chunks()
    csv = pa.BufferOutputStream()
    pa_csv.write_csv(table, csv, pa_csv.WriteOptions(include_header=False))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS exchange_batch_in")
        cursor.execute("CREATE TEMPORARY TABLE exchange_batch_in (key text, position bigint, "
                       f"deleted boolean{', ' if staging else ''}{staging}) ON COMMIT DROP")
        with cursor.cursor.copy("COPY exchange_batch_in FROM STDIN WITH (FORMAT csv)") as copy:
            copy.write(csv.getvalue().to_pybytes())


def _write_postgresql(cursor, resource_id: int, rows: Rows, first_seq: int) -> None:
    names = list(rows.columns)
    index = {n: f"c{i}" for i, n in enumerate(names)}
    payload = " || ".join(
        "jsonb_build_object(" + ", ".join(f"%s::text, {index[n]}" for n in group) + ")"
        for group in _groups(names))
    cursor.execute(
        f"INSERT INTO {_TABLE} (resource_id, key, payload, seq, deleted) "  # noqa: S608
        f"SELECT %s, key, {payload}, %s + position, deleted FROM exchange_batch_in "
        f"{_CONFLICT}", [resource_id, *names, first_seq])


def _write_sqlite(cursor, resource_id: int, rows: Rows, first_seq: int) -> None:
    names = list(rows.columns)

    def placeholder(name):
        # SQLite stores booleans as 0/1; json('true') makes them JSON booleans again.
        return "json(?)" if pa.types.is_boolean(rows.columns[name].type) else "?"

    payload = "json_patch(" * (len(_groups(names)) - 1) + ", ".join(
        "json_object(" + ", ".join(f"?, {placeholder(n)}" for n in group) + ")"
        + (")" if position else "")
        for position, group in enumerate(_groups(names)))
    values = []
    for name in names:
        column = rows.columns[name]
        if pa.types.is_boolean(column.type):
            values.append([None if v is None else ("true" if v else "false")
                           for v in column.to_pylist()])
        else:
            values.append(column.to_pylist())
    deleted = rows.deleted.to_pylist()
    params = []
    for position, (key, *row) in enumerate(zip(rows.keys.to_pylist(), *values, strict=True)):
        named = [part for pair in zip(names, row, strict=True) for part in pair]
        params.append((resource_id, key, *named, first_seq + position, deleted[position]))
    cursor.executemany(
        f"INSERT INTO {_TABLE} (resource_id, key, payload, seq, deleted) "  # noqa: S608
        f"VALUES (%s, %s, {payload.replace('?', '%s')}, %s, %s) {_CONFLICT}", params)


def write_rows(resource_id: int, rows: Rows, first_seq: int) -> None:
    """Upsert the batch's rows with sequences from `first_seq`, in the caller's transaction
    (on PostgreSQL, the one that staged them)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _write_postgresql(cursor, resource_id, rows, first_seq)
        else:
            _write_sqlite(cursor, resource_id, rows, first_seq)


def stream(queryset, fields: list[str], chunk_size: int = 5000) -> Iterator[tuple]:
    """Rows of a Record queryset, fetched in chunks (a server-side cursor on PostgreSQL)."""
    return queryset.values_list(*fields).iterator(chunk_size=chunk_size)
