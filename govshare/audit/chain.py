"""The hash chain: how one record's hash is computed from its fields and its predecessor.

A record's hash covers its contents and its predecessor's hash, not its row id: the order of the
chain is the order of the links, and the row ids are checked separately (they must run 1, 2, 3…
with no gap). Keeping the id out of the hash lets verification tell a record that was moved
(its links point elsewhere in the chain) from one that was edited (its contents no longer match).

Everything hashed must read back from the database exactly as written, on SQLite and PostgreSQL
alike: times are hashed as UTC with microseconds, and summaries are reduced to JSON that
PostgreSQL's jsonb returns unchanged (see `canonical_summary`).
"""

import json
import math
from datetime import UTC

from govshare.core import crypto

GENESIS = "0" * 64


def canonical_summary(value):
    """`value` as JSON data that survives a round trip through SQLite's text and jsonb.

    jsonb prints numbers in plain positional notation, so a float such as 1e20 comes back as an
    integer; integral floats are therefore stored as integers. NaN and infinities are not JSON,
    and jsonb refuses the NUL character: both become text. Keys are strings, as JSON has them.
    """
    if isinstance(value, dict):
        return {str(k): canonical_summary(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical_summary(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return int(value) if value.is_integer() else value
    return str(value).replace("\x00", "\ufffd")


def canonical_json(data) -> bytes:
    return json.dumps(
        data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False,
    ).encode()


def record_digest(fields: dict, prev_hash: str, algorithm: str = "sha256") -> str:
    """The chain hash of one record: the named digest of the canonical JSON of its fields."""
    return crypto.digest(algorithm, canonical_json({**fields, "prev_hash": prev_hash}))


def chained_fields(record) -> dict:
    """The fields the hash covers, as stored."""
    return {
        "time": record.time.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_type": record.actor_type,
        "actor_id": record.actor_id,
        "actor_name": record.actor_name,
        "organization_id": record.organization_id,
        "action": record.action,
        "object_type": record.object_type,
        "object_id": record.object_id,
        "object_repr": record.object_repr,
        "summary": record.summary,
        "outcome": record.outcome,
        "source_address": record.source_address,
        "algorithm": record.algorithm,
    }


def expected_hash(record) -> str:
    """What `record.hash` must be, recomputed from the record as read back."""
    return record_digest(chained_fields(record), record.prev_hash, record.algorithm)
