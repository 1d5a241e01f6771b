"""Applying a grant's change feed to a table in the consumer's own database.

Each page of the feed is applied in one transaction together with the new cursor, which is kept
in the same database (table `govshare_cursor`). A SIGKILL at any instant therefore leaves either
the page and its cursor, or neither; the rerun asks again from the cursor that was committed.
Rows are written by key (delete, then insert) so applying a page twice changes nothing either.
"""

import json

import pyarrow as pa
import sqlalchemy as sa

from .protocol import DELETED_COLUMN, SEQUENCE_COLUMN

CURSOR_TABLE = "govshare_cursor"
KEY_METADATA = b"govshare.key"


class SinkError(Exception):
    """The consumer table cannot take the feed (e.g. it lacks a granted column)."""


def _sql_type(type_: pa.DataType, is_key: bool):
    if pa.types.is_string(type_) or pa.types.is_large_string(type_):
        # MySQL cannot index TEXT without a prefix length; keys get a bounded VARCHAR.
        return sa.String(255) if is_key else sa.Text()
    if pa.types.is_integer(type_):
        return sa.BigInteger()
    if pa.types.is_floating(type_):
        return sa.Float()
    if pa.types.is_boolean(type_):
        return sa.Boolean()
    if pa.types.is_date(type_):
        return sa.Date()
    if pa.types.is_timestamp(type_):
        return sa.DateTime()
    if pa.types.is_binary(type_):
        return sa.LargeBinary()
    raise SinkError(f"no SQL type for Arrow type {type_}")


def feed_key(schema: pa.Schema) -> list[str]:
    """The key columns the platform names in the feed's schema metadata."""
    metadata = schema.metadata or {}
    if KEY_METADATA not in metadata:
        raise SinkError("the change feed names no key columns")
    return json.loads(metadata[KEY_METADATA])


class Sink:
    """One consumer table and its cursor, in a database SQLAlchemy can reach."""

    def __init__(self, url: str, table: str, resource: str):
        self.engine = sa.create_engine(url)
        self.table_name, self.resource = table, resource
        self.metadata = sa.MetaData()
        self.cursors = sa.Table(
            CURSOR_TABLE, self.metadata,
            sa.Column("resource", sa.String(100), primary_key=True),
            sa.Column("table_name", sa.String(200), nullable=False),
            sa.Column("cursor", sa.BigInteger, nullable=False),
        )
        self.cursors.create(self.engine, checkfirst=True)
        self.table: sa.Table | None = None

    def cursor(self) -> int:
        with self.engine.connect() as connection:
            value = connection.execute(
                sa.select(self.cursors.c.cursor).where(self.cursors.c.resource == self.resource)
            ).scalar()
        return int(value or 0)

    def _table_for(self, schema: pa.Schema) -> sa.Table:
        if self.table is not None:
            return self.table
        key = feed_key(schema)
        columns = [f for f in schema if f.name not in (DELETED_COLUMN, SEQUENCE_COLUMN)]
        if sa.inspect(self.engine).has_table(self.table_name):
            table = sa.Table(self.table_name, sa.MetaData(), autoload_with=self.engine)
            missing = [f.name for f in columns if f.name not in table.c]
            if missing:
                raise SinkError(f"table {self.table_name} lacks the granted columns {missing}")
        else:
            table = sa.Table(
                self.table_name, sa.MetaData(),
                *[sa.Column(f.name, _sql_type(f.type, f.name in key),
                            primary_key=f.name in key) for f in columns],
            )
            table.create(self.engine, checkfirst=True)
        self.table = table
        return table

    def apply(self, page: pa.Table, next_cursor: int) -> int:
        """Write one page of changes and the cursor after it, atomically; return rows touched."""
        table = self._table_for(page.schema)
        key = feed_key(page.schema)
        names = [n for n in page.column_names if n not in (DELETED_COLUMN, SEQUENCE_COLUMN)]
        rows = page.select(names).to_pylist()
        deleted = page.column(DELETED_COLUMN).to_pylist() if len(page) else []
        where = sa.and_(*[table.c[k] == sa.bindparam(f"k_{k}") for k in key])
        with self.engine.begin() as connection:
            if rows:
                connection.execute(sa.delete(table).where(where),
                                   [{f"k_{k}": row[k] for k in key} for row in rows])
                upserts = [row for row, gone in zip(rows, deleted, strict=True) if not gone]
                if upserts:
                    connection.execute(sa.insert(table), upserts)
            self._save_cursor(connection, next_cursor)
        return len(rows)

    def _save_cursor(self, connection, cursor: int) -> None:
        updated = connection.execute(
            sa.update(self.cursors).where(self.cursors.c.resource == self.resource)
            .values(cursor=cursor, table_name=self.table_name)
        ).rowcount
        if not updated:
            connection.execute(sa.insert(self.cursors).values(
                resource=self.resource, table_name=self.table_name, cursor=cursor))
