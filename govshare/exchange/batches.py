"""Reading a pushed batch (Arrow IPC stream) and checking it against the catalog's data items.

A batch must carry every data item of the version in force, no other column (besides the
`_deleted` marker), each in a type compatible with the item's data type, and a value for every
key item. Anything else is refused with the offending column named, before anything is written.
"""

import base64
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
from django.utils.translation import gettext as _

from govshare.catalog.models import DataType
from govshare.core.exceptions import ValidationError
from govshare.node.protocol import DELETED_COLUMN, record_key

# The Arrow type a batch column is sent as, by catalog data type (see node.protocol.ARROW_TYPES).
ARROW_TYPE_NAMES = {
    DataType.STRING: "string",
    DataType.TEXT: "string",
    DataType.INTEGER: "int64",
    DataType.DECIMAL: "float64",
    DataType.DATE: "date32",
    DataType.DATETIME: "timestamp",
    DataType.BOOLEAN: "bool",
    DataType.BINARY: "binary",
}

_ACCEPTS = {
    "string": lambda t: pa.types.is_string(t) or pa.types.is_large_string(t),
    "int64": pa.types.is_integer,
    "float64": lambda t: (pa.types.is_floating(t) or pa.types.is_integer(t)
                          or pa.types.is_decimal(t)),
    "date32": pa.types.is_date,
    "timestamp": pa.types.is_timestamp,
    "bool": pa.types.is_boolean,
    "binary": lambda t: pa.types.is_binary(t) or pa.types.is_large_binary(t),
}


def arrow_type_name(item) -> str:
    return ARROW_TYPE_NAMES.get(item.data_type, "string")


def read_ipc(body: bytes) -> pa.Table:
    try:
        return pa.ipc.open_stream(body).read_all()
    except (pa.ArrowInvalid, OSError) as error:
        raise ValidationError({"body": [_("不是有效的 Arrow IPC 数据流：%(error)s") %
                                        {"error": error}]}) from None


def check_columns(table: pa.Table, items) -> None:
    """Refuse a batch whose columns do not match the data items, naming each mismatch."""
    expected = {item.identifier: item for item in items}
    errors: dict[str, list[str]] = {}
    for name in table.column_names:
        if name == DELETED_COLUMN:
            if not pa.types.is_boolean(table.schema.field(name).type):
                errors[name] = [_("删除标记列应为布尔型。")]
            continue
        item = expected.get(name)
        if item is None:
            errors[name] = [_("未知的列：目录中没有标识符为“%(name)s”的信息项。") % {"name": name}]
            continue
        type_ = table.schema.field(name).type
        if not (pa.types.is_null(type_) and not item.is_key) and \
                not _ACCEPTS[arrow_type_name(item)](type_):
            errors[name] = [_("类型不符：信息项“%(item)s”为%(expected)s，收到的是 %(got)s。") % {
                "item": item.name, "expected": item.get_data_type_display(), "got": type_}]
    for identifier, item in expected.items():
        if identifier not in table.column_names:
            errors[identifier] = [_("缺少信息项“%(item)s”（%(id)s）。") % {
                "item": item.name, "id": identifier}]
    if errors:
        raise ValidationError(errors)


def _json_ready(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A column in a type the database turns into the JSON value the API returns: dates and
    times as ISO 8601 text, decimals as floats, binary as base64 text."""
    type_ = column.type
    if pa.types.is_date(type_):
        return pc.cast(column, pa.string())
    if pa.types.is_timestamp(type_):
        # Arrow's cast writes "2024-01-01 08:00:00.000000", strftime's text with a space for
        # the "T", at a tenth of strftime's cost.
        return pc.replace_substring(pc.cast(column, pa.string()), " ", "T", max_replacements=1)
    if pa.types.is_decimal(type_):
        return pc.cast(column, pa.float64())
    if pa.types.is_binary(type_) or pa.types.is_large_binary(type_):
        return pa.chunked_array([pa.array(
            [None if v is None else base64.b64encode(v).decode() for v in column.to_pylist()],
            pa.string())])
    if pa.types.is_null(type_):
        return pc.cast(column, pa.string())
    return column


def _record_keys(table: pa.Table, keys: list[str]) -> pa.Array:
    """`record_key` of every row. A one-column text or integer key (the common case) is its
    own text, which Arrow casts without a Python loop; other keys go through `record_key`."""
    if len(keys) == 1:
        column = table.column(keys[0])
        if pa.types.is_string(column.type) or pa.types.is_integer(column.type):
            return pc.cast(column, pa.string()).combine_chunks()
    columns = [table.column(k).to_pylist() for k in keys]
    return pa.array([record_key(values) for values in zip(*columns, strict=True)], pa.string())


@dataclass
class Rows:
    """A checked batch ready for the record store: one key per row, the payload's columns by
    data item identifier, and the deletion flags."""

    keys: pa.Array
    columns: dict[str, pa.ChunkedArray]
    deleted: pa.ChunkedArray

    def __len__(self):
        return len(self.keys)

    @property
    def deleted_count(self) -> int:
        return int(pc.sum(self.deleted).as_py() or 0)


def rows_of(table: pa.Table, items) -> Rows:
    """The batch's rows keyed by their record key; refuses null or repeated keys."""
    keys = [item.identifier for item in items if item.is_key]
    if not keys:
        raise ValidationError({"resource": [_("资源没有主键信息项，无法按记录交换。")]})
    for name in keys:
        nulls = table.column(name).null_count
        if nulls:
            row = table.column(name).to_pylist().index(None) + 1
            raise ValidationError({name: [_("主键信息项不能为空（第 %(row)d 行）。") % {
                "row": row}]})
    record_keys = _record_keys(table, keys)
    if pc.count_distinct(record_keys).as_py() != len(record_keys):
        seen = set()
        repeated = next(k for k in record_keys.to_pylist() if k in seen or seen.add(k))
        raise ValidationError({keys[0]: [_("同一批次中主键“%(key)s”重复。") % {"key": repeated}]})
    deleted = (table.column(DELETED_COLUMN).fill_null(False)
               if DELETED_COLUMN in table.column_names
               else pa.chunked_array([pa.array([False] * len(table), pa.bool_())]))
    columns = {item.identifier: _json_ready(table.column(item.identifier)) for item in items}
    return Rows(record_keys, columns, deleted)
