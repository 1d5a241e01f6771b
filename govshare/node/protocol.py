"""Wire models shared by the node and the platform: frozen dataclasses built with `from_json`.

The batch format is an Arrow IPC stream whose columns are the catalog's data item identifiers;
`DELETED_COLUMN` marks rows that are deletions (only their key columns carry values). The change
feed answers in the same format, with `SEQUENCE_COLUMN` giving each row's change sequence.
"""

import json
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

ARROW_STREAM = "application/vnd.apache.arrow.stream"
DELETED_COLUMN = "_deleted"
SEQUENCE_COLUMN = "_seq"
NEXT_CURSOR_HEADER = "Govshare-Next-Cursor"
HAS_MORE_HEADER = "Govshare-Has-More"


@dataclass(frozen=True)
class DataItemSpec:
    """One data item of a resource as the platform expects it in a batch."""

    identifier: str
    name: str
    data_type: str
    arrow_type: str
    is_key: bool

    @classmethod
    def from_json(cls, json: dict[str, Any]) -> "DataItemSpec":
        return cls(
            identifier=json["identifier"], name=json.get("name", ""),
            data_type=json["data_type"], arrow_type=json["arrow_type"],
            is_key=bool(json.get("is_key", False)),
        )


@dataclass(frozen=True)
class ResourceSchema:
    """A resource's code, version and data items: what every batch for it must match."""

    code: str
    name: str
    version: int | None
    items: tuple[DataItemSpec, ...]

    @classmethod
    def from_json(cls, json: dict[str, Any]) -> "ResourceSchema":
        return cls(
            code=json["code"], name=json.get("name", ""), version=json.get("version"),
            items=tuple(DataItemSpec.from_json(i) for i in json["items"]),
        )

    @property
    def key(self) -> tuple[str, ...]:
        return tuple(i.identifier for i in self.items if i.is_key)


@dataclass(frozen=True)
class NodeInfo:
    """The platform's view of a node: its key id, organisation and state."""

    id: int
    key_id: str
    name: str
    organization: str
    state: str

    @classmethod
    def from_json(cls, json: dict[str, Any]) -> "NodeInfo":
        return cls(
            id=json["id"], key_id=json["key_id"], name=json["name"],
            organization=json["organization"], state=json["state"],
        )


@dataclass(frozen=True)
class BatchReceipt:
    """The platform's answer to a pushed batch; `duplicate` when the batch id was seen before."""

    batch_id: str
    rows: int
    first_seq: int | None
    last_seq: int | None
    duplicate: bool

    @classmethod
    def from_json(cls, json: dict[str, Any]) -> "BatchReceipt":
        return cls(
            batch_id=json["batch_id"], rows=json["rows"], first_seq=json.get("first_seq"),
            last_seq=json.get("last_seq"), duplicate=bool(json.get("duplicate", False)),
        )


def record_key(values) -> str:
    """The canonical text of a record's key, the same on the node and the platform: the value
    itself for a one-column key (the common case, and the fast one), a JSON list otherwise."""
    if len(values) == 1:
        return str(values[0])
    return json.dumps([str(v) for v in values], ensure_ascii=False, separators=(",", ":"))


ARROW_TYPES = {
    "string": pa.string(),
    "int64": pa.int64(),
    "float64": pa.float64(),
    "bool": pa.bool_(),
    "date32": pa.date32(),
    "timestamp": pa.timestamp("us"),
    "binary": pa.binary(),
}


def arrow_type(name: str) -> pa.DataType:
    """The Arrow type the platform names in a schema (`DataItemSpec.arrow_type`)."""
    return ARROW_TYPES[name]
