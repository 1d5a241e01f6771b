"""API for the audit log: the records an actor may read, and the checkpoint public key."""

from datetime import datetime

from ninja import Query, Router, Schema

from govshare.core.permissions import authorize

from . import keys
from .models import AuditRecord

router = Router(tags=["audit"])


class RecordOut(Schema):
    id: int
    time: datetime
    actor_type: str
    actor_id: str
    actor_name: str
    organization_id: int | None
    action: str
    object_type: str
    object_id: str
    object_repr: str
    summary: dict
    outcome: str
    source_address: str
    algorithm: str
    prev_hash: str
    hash: str


class RecordFilter(Schema):
    action: str | None = None
    organization_id: int | None = None
    outcome: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    after_id: int = 0
    limit: int = 100


class PublicKeyOut(Schema):
    algorithm: str
    key_id: str
    public_key: str


@router.get("/audit/records", response=list[RecordOut])
def record_list(request, filters: Query[RecordFilter]):
    """Records in chain order after `after_id`, at most `limit` (≤ 1000) per call."""
    authorize(request.auth, "audit.view")
    records = AuditRecord.objects.restrict(request.auth).filter(id__gt=filters.after_id)
    if filters.action:
        records = records.filter(action__startswith=filters.action)
    if filters.organization_id:
        records = records.filter(organization_id=filters.organization_id)
    if filters.outcome:
        records = records.filter(outcome=filters.outcome)
    if filters.since:
        records = records.filter(time__gte=filters.since)
    if filters.until:
        records = records.filter(time__lte=filters.until)
    return records.order_by("id")[: max(1, min(filters.limit, 1000))]


@router.get("/audit/public-key", response=PublicKeyOut, auth=None)
def public_key(request):
    """The key audit checkpoints are signed with; public, so anyone can check a checkpoint."""
    key = keys.current_public_key()
    return {"algorithm": key.algorithm, "key_id": key.key_id, "public_key": key.pem}
