"""Extraction from a department's business database (PostgreSQL, MySQL, SQLite, … through
SQLAlchemy Core; SQLite through its ADBC driver) into Arrow tables whose columns are the catalog's
data item identifiers, typed as the catalog says.

Two modes:
- full: the whole table, in key order, compared with the digests of what the platform already
  holds (`Shadow`); only new and changed rows travel, and keys gone from the table become
  deletions. Key order keeps the shadow's writes sequential and makes a rerun after a crash
  produce the same batches.
- incremental: rows whose increasing column is beyond the saved cursor, in that column's order.
  Deletions are not seen in this mode (there is no row left to read).
"""

import datetime
import decimal
import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from hashlib import blake2b
from pathlib import Path

import adbc_driver_manager
import adbc_driver_sqlite.dbapi
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from .config import PushJob
from .protocol import DELETED_COLUMN, ResourceSchema, arrow_type, record_key


class SourceError(Exception):
    """The business database cannot be read as the configuration says."""


@dataclass
class Batch:
    """Rows ready to push: the upserts as a typed table, then deletions (keys only)."""

    table: pa.Table
    key_items: tuple[str, ...]
    deleted_keys: list[tuple] = field(default_factory=list)
    # What the batch replaces, so identical content pushed at two different moments (a value
    # changing A -> B -> A) gets two different batch ids: the previous digests, or the cursor.
    base: list[bytes] = field(default_factory=list)
    digests: list[tuple[str, bytes | None]] = field(default_factory=list)
    cursor_after: object = None

    def __len__(self):
        return self.table.num_rows + len(self.deleted_keys)

    def to_arrow(self) -> pa.Table:
        """The batch as the platform takes it: upserts, then deletions carrying only their key
        items, each row marked in `DELETED_COLUMN`."""
        deleted = len(self.deleted_keys)
        columns = []
        for column in self.table.schema:
            if column.name in self.key_items:
                position = self.key_items.index(column.name)
                columns.append(_key_column([k[position] for k in self.deleted_keys],
                                           column.type))
            else:
                columns.append(pa.nulls(deleted, column.type))
        deletions = pa.Table.from_arrays(columns, schema=self.table.schema)
        table = pa.concat_tables([self.table, deletions])
        marks = pa.array([False] * self.table.num_rows + [True] * deleted, pa.bool_())
        return table.append_column(DELETED_COLUMN, marks).combine_chunks()

    def batch_id(self, resource: str, ipc: bytes) -> str:
        digest = hashlib.sha256()
        for part in (resource.encode(), b"".join(self.base), ipc):
            digest.update(len(part).to_bytes(8, "big"))
            digest.update(part)
        return digest.hexdigest()


def _key_column(texts: list[str], type_: pa.DataType) -> pa.Array:
    """Deleted keys, kept as text by the shadow, in their column's type (Arrow parses them)."""
    return pa.array(texts, pa.string()).cast(type_)


def row_digests(table: pa.Table) -> list[bytes]:
    """What the shadow keeps of each row: a 16-byte BLAKE2b of the row's values as text, each
    with its length ("-" for NULL) so that no two different rows read alike. Arrow builds the
    texts column by column; only the hashing is per row."""
    parts = []
    for column in table.columns:
        if not pa.types.is_binary(column.type):
            column = pc.cast(column, pa.string()).cast(pa.binary())
        parts.append(column)
        parts.append(pc.fill_null(pc.cast(pc.binary_length(column), pa.string()), "-")
                     .cast(pa.binary()))
    texts = pc.binary_join_element_wise(*parts, b"\x1f", null_handling="replace",
                                        null_replacement=b"")
    return [blake2b(text, digest_size=16).digest() for text in texts.to_pylist()]


def key_texts(table: pa.Table, key_items: tuple[str, ...]) -> list[str]:
    """Each row's `record_key`, read from its key items."""
    columns = [table.column(item).to_pylist() for item in key_items]
    if len(columns) == 1:
        (values,) = columns
        if pa.types.is_string(table.schema.field(key_items[0]).type):
            return values
        return [str(v) for v in values]
    return [record_key(values) for values in zip(*columns, strict=True)]


def encode_cursor(value):
    """A cursor value as JSON for the state file, keeping its type for the next query."""
    if isinstance(value, datetime.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"date": value.isoformat()}
    if isinstance(value, decimal.Decimal):
        return {"decimal": str(value)}
    return value


def decode_cursor(value):
    if isinstance(value, dict):
        (kind, text), = value.items()
        return {"datetime": datetime.datetime.fromisoformat, "date": datetime.date.fromisoformat,
                "decimal": decimal.Decimal}[kind](text)
    return value


class Source:
    """The rows of one configured table or query, with columns renamed to data items and typed
    as the resource's schema says."""

    def __init__(self, job: PushJob, schema: ResourceSchema):
        self.job = job
        self.engine = sa.create_engine(job.source)
        self.types = {i.identifier: arrow_type(i.arrow_type) for i in schema.items}
        self.key_items = tuple(job.item_for(c) for c in job.key)

    def _quote(self, name: str) -> str:
        preparer = self.engine.dialect.identifier_preparer
        return ".".join(preparer.quote(part) for part in name.split("."))

    def _sql(self) -> str:
        """The configured table or query as a derived table, so both read the same way. The SQL
        is the operator's own configuration (a quoted table name or their query), not input."""
        inner = (f"SELECT * FROM {self._quote(self.job.table)}"  # noqa: S608
                 if self.job.table else self.job.query)
        return f"SELECT * FROM ({inner}) AS src"  # noqa: S608

    def _select(self, order_by: list[str], after=None):
        where, params = "", {}
        if after is not None:
            where = f" WHERE {self._quote(self.job.increasing_column)} > :after"
            params["after"] = after
        order = ", ".join(self._quote(c) for c in order_by)
        return sa.text(f"{self._sql()}{where} ORDER BY {order}").bindparams(**params)

    def column_names(self) -> list[str]:
        try:
            with self.engine.connect() as connection:
                return list(connection.execute(sa.text(f"{self._sql()} WHERE 1 = 0")).keys())
        except sa.exc.SQLAlchemyError as error:
            raise self._refused(error) from error

    def _refused(self, error: Exception) -> SourceError:
        """A database error as the operator reads it: which resource, what the database said."""
        what = f"table {self.job.table}" if self.job.table else "query"
        return SourceError(f"[[push]] {self.job.resource}: the business database could not read "
                           f"the {what}: {error}")

    def read(self, order_by: list[str], batch_rows: int, after=None) -> Iterator[pa.Table]:
        """The rows in partitions of `batch_rows`, as Arrow tables with the business column
        names and the database's own types, streamed."""
        try:
            if self.engine.dialect.name == "sqlite":
                yield from self._read_sqlite(order_by, batch_rows, after)
            else:
                yield from self._read_sqlalchemy(order_by, batch_rows, after)
        except (sa.exc.SQLAlchemyError, adbc_driver_manager.Error) as error:
            raise self._refused(error) from error

    def _read_sqlalchemy(self, order_by, batch_rows, after):
        with self.engine.connect() as connection:
            result = connection.execution_options(stream_results=True, yield_per=batch_rows)\
                .execute(self._select(order_by, after))
            names = self._checked(list(result.keys()), order_by)
            for partition in result.partitions(batch_rows):
                columns = zip(*partition, strict=True)
                arrays = [self._inferred(name, list(values))
                          for name, values in zip(names, columns, strict=True)]
                yield pa.Table.from_arrays(arrays, names=names)

    def _read_sqlite(self, order_by, batch_rows, after):
        """ADBC's SQLite driver hands Arrow columns straight from the database, without a
        Python object per value: reading a million rows takes a third of the time `sqlite3`
        takes. Same SQL; a column of mixed types comes as text, as `sqlite3` would give it."""
        statement = str(self._select(order_by, after))
        with adbc_driver_sqlite.dbapi.connect(self.engine.url.database or ":memory:") as db, \
                db.cursor() as cursor:
            cursor.adbc_statement.set_options(
                **{adbc_driver_sqlite.StatementOptions.BATCH_ROWS.value: str(batch_rows)})
            cursor.execute(statement, (after,) if after is not None else None)
            reader = cursor.fetch_record_batch()
            self._checked(reader.schema.names, order_by)
            for record_batch in reader:
                yield pa.Table.from_batches([record_batch])

    @staticmethod
    def _inferred(name: str, values: list) -> pa.Array:
        try:
            return pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as error:
            raise SourceError(f"column {name}: {error}") from error

    @staticmethod
    def _checked(names: list[str], order_by: list[str]) -> list[str]:
        missing = [c for c in order_by if c not in names]
        if missing:
            raise SourceError(f"columns {missing} not in the source's result ({names})")
        return names

    def conform(self, raw: pa.Table) -> pa.Table:
        """Columns renamed to data items and cast to the schema's types. A column the schema
        does not know keeps its type: the platform refuses it by name."""
        names, arrays = [], []
        for name, column in zip(raw.column_names, raw.columns, strict=True):
            item = self.job.item_for(name)
            type_ = self.types.get(item)
            if type_ is not None and column.type != type_:
                try:
                    column = pc.cast(column, type_)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
                    raise SourceError(f"column {name} (data item {item}) cannot be read as "
                                      f"{type_}: {error}") from error
            names.append(item)
            arrays.append(column)
        return pa.Table.from_arrays(arrays, names=names)

    def empty(self) -> pa.Table:
        """No rows, with the columns and types a batch of this source has."""
        items = [self.job.item_for(n) for n in self.column_names()]
        return pa.Table.from_arrays([pa.array([], self.types.get(i, pa.null())) for i in items],
                                    names=items)

    def incremental(self, batch_rows: int, cursor) -> Iterator[Batch]:
        """Batches of rows past `cursor`; a run of equal cursor values never straddles two
        batches, or saving the cursor after the first would skip the rest of the run. The
        cursor keeps the database's own value, the one the next query compares with."""
        column = self.job.increasing_column
        pending: list[pa.Table] = []
        values: list = []
        base = [repr(cursor).encode()]
        for raw in self.read([column], batch_rows, after=decode_cursor(cursor)):
            pending.append(self.conform(raw))
            values.extend(raw.column(column).to_pylist())
            cut = len(values)
            while cut > 0 and values[cut - 1] == values[-1]:
                cut -= 1
            if cut == 0:
                continue
            rows = _concat(pending)
            batch = Batch(rows.slice(0, cut), self.key_items, base=base,
                          cursor_after=encode_cursor(values[cut - 1]))
            pending, values = [rows.slice(cut)], values[cut:]
            base = [repr(batch.cursor_after).encode()]
            yield batch
        if values:
            yield Batch(_concat(pending), self.key_items, base=base,
                        cursor_after=encode_cursor(values[-1]))


def _concat(tables: list[pa.Table]) -> pa.Table:
    # "permissive": a partition whose column was all NULL (type null) joins one with values.
    return pa.concat_tables(tables, promote_options="permissive")


class Shadow:
    """Digests of the rows the platform holds for one full-mode resource, keyed by record key,
    in a SQLite file beside the state file. Updated only after the platform acknowledged a
    batch, in one transaction, so it never claims a row the platform does not have."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        # The push commits from its sender threads, one batch at a time (the lock).
        self.db = sqlite3.connect(path, check_same_thread=False)
        self.lock = threading.Lock()
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        # `shadow` held digests of another form (of the driver's Python values); they match
        # nothing now, so dropping them costs one full push, which the platform takes as upserts.
        self.db.execute("DROP TABLE IF EXISTS shadow")
        self.db.execute("CREATE TABLE IF NOT EXISTS digests (key TEXT PRIMARY KEY, digest BLOB) "
                        "WITHOUT ROWID")

    def load(self) -> dict[str, bytes]:
        return dict(self.db.execute("SELECT key, digest FROM digests"))

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM digests").fetchone()[0]

    def commit(self, batch: Batch) -> None:
        with self.lock, self.db:
            self.db.executemany(
                "INSERT INTO digests (key, digest) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET digest = excluded.digest",
                [(k, d) for k, d in batch.digests if d is not None],
            )
            self.db.executemany("DELETE FROM digests WHERE key = ?",
                                [(k,) for k, d in batch.digests if d is None])

    def close(self):
        self.db.close()

    def diff(self, source: Source, batch_rows: int) -> Iterator[Batch]:
        """Batches of the rows that differ from the shadow, then the deletions."""
        known = self.load()
        batch = None
        for raw in source.read(list(source.job.key), batch_rows):
            table = source.conform(raw)
            changed = []
            if batch is None:
                batch = Batch(table.slice(0, 0), source.key_items)
            for key, digest in zip(key_texts(table, source.key_items), row_digests(table),
                                   strict=True):
                previous = known.pop(key, None)
                differs = previous != digest
                changed.append(differs)
                if differs:
                    batch.digests.append((key, digest))
                    batch.base.append(previous or b"-")
            batch.table = _concat([batch.table, table.filter(pa.array(changed, pa.bool_()))])
            while batch.table.num_rows >= batch_rows:
                full, rest = _split(batch, batch_rows)
                yield full
                batch = rest
        if batch is None:
            batch = Batch(source.empty(), source.key_items)
        for key in sorted(known):
            batch.deleted_keys.append(_key_values(key, len(source.key_items)))
            batch.digests.append((key, None))
            batch.base.append(known[key])
            if len(batch) >= batch_rows:
                yield batch
                batch = Batch(batch.table.slice(0, 0), source.key_items)
        if len(batch):
            yield batch


def _split(batch: Batch, rows: int) -> tuple[Batch, Batch]:
    """The first `rows` upserts of a batch, and the rest (a batch holds no deletion yet)."""
    head = Batch(batch.table.slice(0, rows), batch.key_items, base=batch.base[:rows],
                 digests=batch.digests[:rows])
    rest = Batch(batch.table.slice(rows), batch.key_items, base=batch.base[rows:],
                 digests=batch.digests[rows:])
    return head, rest


def _key_values(key: str, width: int) -> tuple:
    return (key,) if width == 1 else tuple(json.loads(key))
