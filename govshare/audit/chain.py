"""The hash chain: how one record's hash is computed from its fields and its predecessor."""

import hashlib
import json

GENESIS = "0" * 64


def record_digest(fields: dict, prev_hash: str) -> str:
    """The chain hash of one record: SHA-256 over the canonical JSON of its fields."""
    canonical = json.dumps(
        {**fields, "prev_hash": prev_hash}, sort_keys=True, ensure_ascii=False,
        separators=(",", ":"), default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def chained_fields(record) -> dict:
    """The fields the hash covers, as stored."""
    return {
        "id": record.pk,
        "time": record.time.isoformat(),
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
    }
