"""Writing the audit log. Every service that changes state calls `audit_record` itself.

Appends lock the chain head row inside the caller's transaction, so the record commits (or rolls
back) with the change it describes and the chain stays in one order on every database.
"""

import json

from django.db import transaction

from govshare.core import clock
from govshare.core.context import source_address

from .chain import GENESIS, chained_fields, record_digest
from .models import AuditHead, AuditRecord


def _describe_actor(actor) -> tuple[str, str, str, int | None]:
    """(type, id, name, organisation id) of a user, application, node, or the system."""
    if actor is None:
        return "system", "", "system", None
    return (
        getattr(actor, "actor_type", "system"),
        str(actor.pk),
        str(actor),
        getattr(actor, "organization_id", None),
    )


def audit_record(actor, action: str, obj=None, summary=None, *, outcome="ok") -> AuditRecord:
    """Append one record to the chain, in the caller's transaction."""
    actor_type, actor_id, actor_name, organization_id = _describe_actor(actor)
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"last_hash": GENESIS}
        )
        record = AuditRecord(
            id=head.last_id + 1,
            time=clock.now(),
            actor_type=actor_type,
            actor_id=actor_id,
            actor_name=actor_name[:200],
            organization_id=organization_id,
            action=action,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            object_repr=str(obj)[:300] if obj is not None else "",
            summary=json.loads(json.dumps(summary or {}, default=str)),
            outcome=outcome,
            source_address=source_address.get(),
            prev_hash=head.last_hash,
        )
        record.hash = record_digest(chained_fields(record), head.last_hash)
        record.save(force_insert=True)
        head.last_hash = record.hash
        head.last_id = record.pk
        head.save(update_fields=["last_hash", "last_id"])
    return record
