"""Writing the audit log. Every service that changes state calls `audit_record` itself; the data
gateway calls `audit_access` for every read it serves, which lands in the pending table and is
chained moments later by the sealer (`sealer.py`), off the head lock.

Appends lock the chain head row inside the caller's transaction, so the record commits (or rolls
back) with the change it describes and the chain stays in one order on every database: on
PostgreSQL the row lock queues concurrent appenders, on SQLite the write lock taken at BEGIN
IMMEDIATE does. Record ids are handed out under that lock (head + 1), so a gap in the ids is
always a deletion.
"""

from django.conf import settings
from django.db import transaction

from govshare.core import clock, crypto
from govshare.core.context import source_address

from .chain import GENESIS, canonical_summary, chained_fields, record_digest
from .models import AuditHead, AuditPending, AuditRecord
from .sealer import pend


def _describe_actor(actor) -> tuple[str, str, str, int | None]:
    """(type, id, name, organisation id) of a user, application, node, or the system."""
    if actor is None:
        return "system", "", "system", None
    return (
        getattr(actor, "actor_type", "system"),
        str(actor.pk),
        str(actor)[:200],
        getattr(actor, "organization_id", None),
    )


def _describe_object(obj) -> tuple[str, str, str]:
    """(type, id, text) of a model instance; an unsaved one has no id yet."""
    if obj is None:
        return "", "", ""
    meta = getattr(obj, "_meta", None)
    pk = getattr(obj, "pk", None)
    return (meta.label_lower if meta else type(obj).__name__.lower(),
            "" if pk is None else str(pk), str(obj)[:300])


def _append(actor, action, described_object, summary, outcome) -> AuditRecord:
    actor_type, actor_id, actor_name, organization_id = _describe_actor(actor)
    object_type, object_id, object_repr = described_object
    algorithm = crypto.PROFILES[settings.GOVSHARE_CRYPTO_PROFILE].digest
    # No savepoint of its own: a failed append must fail the caller's whole transaction anyway,
    # and the two extra round trips per record showed in bench/audit_append.py.
    with transaction.atomic(savepoint=False):
        head, _ = AuditHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"last_hash": GENESIS}
        )
        record = AuditRecord(
            id=head.last_id + 1,
            time=clock.now(),
            actor_type=actor_type,
            actor_id=actor_id,
            actor_name=actor_name,
            organization_id=organization_id,
            action=action,
            object_type=object_type,
            object_id=object_id,
            object_repr=object_repr,
            summary=canonical_summary(summary or {}),
            outcome=outcome,
            source_address=source_address.get(),
            algorithm=algorithm,
            prev_hash=head.last_hash,
        )
        record.hash = record_digest(chained_fields(record), head.last_hash, algorithm)
        record.save(force_insert=True)
        head.last_hash = record.hash
        head.last_id = record.pk
        head.save(update_fields=["last_hash", "last_id"])
    return record


def audit_record(actor, action: str, obj=None, summary=None, *, outcome="ok") -> AuditRecord:
    """Append one record to the chain, in the caller's transaction."""
    return _append(actor, action, _describe_object(obj), summary, outcome)


def audit_access(actor, resource_code: str, summary=None, *, outcome="ok",
                 obj=None) -> AuditPending:
    """Record one data access (of `obj`, else of the resource) and commit it before returning,
    so no data is sent whose access is not durably logged. Called inside a transaction it
    raises: a record that could still roll back would break that promise. The record is
    pending until the sealer chains it."""
    described = (_describe_object(obj) if obj is not None
                 else ("resource", resource_code, resource_code))
    described_actor = _describe_actor(actor)
    if transaction.get_connection().in_atomic_block:
        # Django's durability check: refused inside a transaction (but a test case's).
        with transaction.atomic(durable=True):
            return pend(described_actor, described, "resource.access", summary, outcome)
    return pend(described_actor, described, "resource.access", summary, outcome)
