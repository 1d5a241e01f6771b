"""Delta Sharing (bulk reads): a consuming application's share holds one table per usable grant,
projected to its granted items and rows, masked as told. A table's snapshot is a Parquet file
written from the record store as a stream, once per table version (the resource's last change
sequence) and grant shape; clients fetch it through short-lived signed links that answer Range
requests (the official client reads with fsspec over HTTP).
"""

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.core import signing
from django.urls import reverse

from govshare.catalog.models import DataType
from govshare.core import clock
from govshare.sharing.models import Grant

from . import store
from .gateway import GrantView, _column, _loaded
from .models import RecordStream

LINK_SECONDS = 15 * 60
_SALT = "govshare.exchange.delta-file"
CHUNK = 50_000
# Rows per Parquet row group: readers fetch each column chunk of a row group with one Range
# request, so large groups mean few round trips; memory stays bounded by one group in Arrow.
ROW_GROUP = 1_000_000
# Spark SQL type names of the protocol's schema string, by catalog data type.
SPARK_TYPES = {
    DataType.STRING: "string", DataType.TEXT: "string", DataType.INTEGER: "long",
    DataType.DECIMAL: "double", DataType.DATE: "date", DataType.DATETIME: "timestamp",
    DataType.BOOLEAN: "boolean", DataType.BINARY: "string",
}
_ARROW = {"string": pa.string(), "long": pa.int64(), "double": pa.float64(),
          "date": pa.date32(), "timestamp": pa.timestamp("us"), "boolean": pa.bool_()}


def share_name(application) -> str:
    return f"app-{application.pk}"


def schema_name(resource) -> str:
    return (resource.provider.short_code or f"org{resource.provider_id}").lower()


@dataclass(frozen=True)
class Table:
    name: str
    schema: str
    share: str
    grant: Grant


def tables(application) -> list[Table]:
    """One table per usable grant of the application (its latest per resource)."""
    today = clock.today()
    seen, found = set(), []
    for grant in (Grant.objects.filter(application=application, state=Grant.State.ACTIVE)
                  .select_related("resource__provider").order_by("-created_at", "-pk")):
        if grant.resource_id in seen or not grant.is_usable(today):
            continue
        seen.add(grant.resource_id)
        found.append(Table(grant.resource.code, schema_name(grant.resource),
                           share_name(application), grant))
    return sorted(found, key=lambda t: (t.schema, t.name))


def version(view: GrantView) -> int:
    stream = RecordStream.objects.filter(resource=view.resource).first()
    return stream.last_seq if stream else 0


def _spark_type(view: GrantView, item) -> str:
    return "string" if item.identifier in view.masks else SPARK_TYPES.get(item.data_type,
                                                                          "string")


def schema_string(view: GrantView) -> str:
    return json.dumps({"type": "struct", "fields": [
        {"name": i.identifier, "type": _spark_type(view, i), "nullable": not i.is_key,
         "metadata": {"comment": i.name}} for i in view.items]}, ensure_ascii=False)


def metadata(view: GrantView) -> dict:
    return {"id": f"grant-{view.grant.pk}", "name": view.resource.name,
            "description": f"{view.resource.code} · {view.grant.number}",
            "format": {"provider": "parquet"}, "schemaString": schema_string(view),
            "partitionColumns": [], "configuration": {}}


def _shape(view: GrantView) -> str:
    """What the snapshot depends on besides the data: items, rows, masks."""
    text = json.dumps([view.identifiers, view.grant.row_filter, view.masks], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def snapshot_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "exchange" / "snapshots"


def snapshot(view: GrantView, table_version: int) -> tuple[Path, int]:
    """The Parquet file of the grant's rows at `table_version`, written once (streamed from the
    record store in chunks, renamed into place when complete); (path, row count)."""
    directory = snapshot_dir()
    path = directory / f"grant-{view.grant.pk}-v{table_version}-{_shape(view)}.parquet"
    if path.exists():
        return path, pq.ParquetFile(path).metadata.num_rows
    directory.mkdir(parents=True, exist_ok=True)
    arrow_schema = pa.schema([pa.field(i.identifier, _ARROW[_spark_type(view, i)])
                              for i in view.items])
    fd, temp = tempfile.mkstemp(dir=directory, suffix=".parquet.part")
    os.close(fd)
    rows = 0
    try:
        with pq.ParquetWriter(temp, arrow_schema) as writer:
            group: list[pa.Table] = []
            chunk: list[dict] = []
            for (payload,) in store.stream(view.rows().filter(seq__lte=table_version)
                                           .order_by("pk"), ["payload"]):
                chunk.append(view.project(_loaded(payload)))
                if len(chunk) >= CHUNK:
                    group.append(_chunk_table(chunk, arrow_schema))
                    rows += len(chunk)
                    chunk = []
                    if sum(len(t) for t in group) >= ROW_GROUP:
                        writer.write_table(pa.concat_tables(group), row_group_size=ROW_GROUP)
                        group = []
            group.append(_chunk_table(chunk, arrow_schema))
            rows += len(chunk)
            writer.write_table(pa.concat_tables(group), row_group_size=ROW_GROUP)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path, rows


def _chunk_table(rows: list[dict], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_arrays(
        [_column([r[f.name] for r in rows], f.type) for f in schema], schema=schema)


def file_link(request, grant: Grant, path: Path) -> str:
    token = signing.TimestampSigner(salt=_SALT).sign(f"{grant.pk}:{path.name}")
    return request.build_absolute_uri(reverse("exchange:delta_file", args=[token]))


def file_from_link(token: str) -> tuple[int, Path] | None:
    """(grant id, snapshot path) of a link still valid, else None."""
    try:
        value = signing.TimestampSigner(salt=_SALT).unsign(token, max_age=LINK_SECONDS)
    except signing.BadSignature:
        return None
    grant_id, name = value.split(":", 1)
    path = snapshot_dir() / name
    return (int(grant_id), path) if path.parent == snapshot_dir() and path.exists() else None
