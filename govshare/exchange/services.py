"""Every change to exchange nodes and the record store: enrolment codes, node registration,
approval and revocation, and the ingestion of pushed batches.

Each service checks its permission first, validates, writes, and records the audit entry, all in
one transaction.
"""

import hashlib
import re
import secrets
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from govshare.audit.services import audit_record
from govshare.catalog.models import Resource
from govshare.catalog.services import resource_mark_data_updated
from govshare.core import clock
from govshare.core.exceptions import InvalidTransition, NotAuthenticated, ValidationError
from govshare.core.permissions import authorize
from govshare.orgs.tokens import hash_secret, secret_matches

from . import batches, store
from .masking import RULES
from .models import Batch, FileVersion, Masking, Node, RecordStream, RegistrationCode

CODE_PREFIX = "gsn"
BATCH_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


@transaction.atomic
def registration_code_issue(actor, organization, *, valid_hours=72):
    """A one-time code to register one node for `organization`; the returned text is the only
    time the secret exists in clear."""
    authorize(actor, "registration_code.issue", organization)
    if not 1 <= valid_hours <= 24 * 30:
        raise ValidationError({"valid_hours": [_("有效时长应在1到720小时之间。")]})
    code_id, secret = secrets.token_hex(6), secrets.token_urlsafe(24)
    code = RegistrationCode.objects.create(
        organization=organization, code_id=code_id, secret_hash=hash_secret(secret),
        created_by=actor, expires_at=clock.now() + timedelta(hours=valid_hours),
    )
    audit_record(actor, "registration_code.issue", code, {"organization": organization.pk})
    return code, f"{CODE_PREFIX}_{code_id}_{secret}"


def _code_from_text(text: str) -> RegistrationCode:
    parts = (text or "").split("_", 2)
    code = None
    if len(parts) == 3 and parts[0] == CODE_PREFIX:
        code = (RegistrationCode.objects.select_for_update().select_related("organization")
                .filter(code_id=parts[1]).first())
    if code is None or not secret_matches(code.secret_hash, parts[2]):
        raise NotAuthenticated(_("注册码无效。"))
    return code


@transaction.atomic
def node_register(actor: Node, *, code: str):
    """Register `actor` (an unsaved node whose signature over this request was verified with
    its own public key) for the organisation the one-time `code` was issued to."""
    registration = _code_from_text(code)
    actor.organization = registration.organization
    authorize(actor, "node.register", registration)
    if registration.used_at is not None:
        raise InvalidTransition(_("注册码已使用过。"))
    if registration.expires_at <= clock.now():
        raise InvalidTransition(_("注册码已过期，请部门管理员重新签发。"))
    if Node.objects.filter(key_id=actor.key_id).exists():
        raise ValidationError({"public_key": [_("该公钥已注册。")]})
    if not actor.name.strip() or not actor.contact.strip():
        raise ValidationError({"name" if not actor.name.strip() else "contact":
                               [_("请填写节点名称和责任人联系方式。")]})
    actor.state = Node.State.PENDING
    actor.save()
    registration.used_at = clock.now()
    registration.node = actor
    registration.save(update_fields=["used_at", "node"])
    audit_record(actor, "node.register", actor,
                 {"organization": actor.organization_id, "key_id": actor.key_id})
    return actor


@transaction.atomic
def node_approve(actor, node):
    authorize(actor, "node.approve", node)
    if node.state != Node.State.PENDING:
        raise InvalidTransition(_("只能批准待批准的节点。"))
    node.state = Node.State.APPROVED
    node.approved_at, node.approved_by = clock.now(), actor
    node.save(update_fields=["state", "approved_at", "approved_by"])
    audit_record(actor, "node.approve", node, {"key_id": node.key_id})
    return node


@transaction.atomic
def node_revoke(actor, node, *, reason=""):
    authorize(actor, "node.revoke", node)
    if node.state == Node.State.REVOKED:
        raise InvalidTransition(_("节点已被吊销。"))
    node.state, node.revoked_at = Node.State.REVOKED, clock.now()
    node.save(update_fields=["state", "revoked_at"])
    audit_record(actor, "node.revoke", node, {"key_id": node.key_id, "reason": reason})
    return node


def _receipt(batch: Batch, duplicate: bool) -> dict:
    return {"batch_id": batch.batch_id, "rows": batch.rows, "first_seq": batch.first_seq,
            "last_seq": batch.last_seq, "duplicate": duplicate}


@transaction.atomic
def batch_ingest(actor, resource: Resource, *, batch_id: str, body: bytes) -> dict:
    """Apply one pushed batch to the record store: all of it or, when anything is wrong with
    it, nothing. A batch id seen before is acknowledged again without writing (idempotent)."""
    authorize(actor, "batch.ingest", resource)
    if not BATCH_ID.match(batch_id or ""):
        raise ValidationError({"batch_id": [_("批次号应为8到64位字母、数字、-或_。")]})
    if resource.status != Resource.Status.PUBLISHED or resource.current is None:
        raise InvalidTransition(_("资源尚未发布，不能接收数据。"))
    seen = Batch.objects.filter(resource=resource, batch_id=batch_id).first()
    if seen is not None:
        # A rerun after a crash resends what was applied: answer before parsing it again.
        audit_record(actor, "batch.ingest", seen, {"batch_id": batch_id, "duplicate": True})
        return _receipt(seen, duplicate=True)
    items = list(resource.data_items())
    table = batches.read_ipc(body)
    batches.check_columns(table, items)
    rows = batches.rows_of(table, items)
    store.stage_rows(rows)
    # The stream row is the per-resource lock: batches of one resource append in turn, so
    # sequences commit in order and the change feed never passes over one still in flight.
    RecordStream.objects.get_or_create(resource=resource)
    stream = RecordStream.objects.select_for_update().get(resource=resource)
    seen = Batch.objects.filter(resource=resource, batch_id=batch_id).first()
    if seen is not None:
        audit_record(actor, "batch.ingest", seen, {"batch_id": batch_id, "duplicate": True})
        return _receipt(seen, duplicate=True)
    first_seq = stream.last_seq + 1
    store.write_rows(resource.pk, rows, first_seq)
    now = clock.now()
    stream.last_seq += len(rows)
    stream.updated_at = now
    stream.save(update_fields=["last_seq", "updated_at"])
    batch = Batch.objects.create(
        resource=resource, batch_id=batch_id, node=actor, rows=len(rows),
        first_seq=first_seq if rows else None, last_seq=stream.last_seq if rows else None,
    )
    resource_mark_data_updated(actor, resource, at=now)
    audit_record(actor, "batch.ingest", batch, {
        "resource": resource.code, "batch_id": batch_id, "rows": len(rows),
        "deleted": rows.deleted_count, "first_seq": batch.first_seq, "last_seq": batch.last_seq,
    })
    return _receipt(batch, duplicate=False)


@transaction.atomic
def masking_set(actor, grant, rules: dict):
    """De-identify some of a grant's items on the way out: {identifier: rule} (see masking)."""
    authorize(actor, "masking.set", grant)
    errors = {}
    for identifier, rule in rules.items():
        if identifier not in grant.items:
            errors[identifier] = [_("该信息项不在授权范围内。")]
        elif rule not in RULES:
            errors[identifier] = [_("未知的脱敏规则“%(rule)s”。") % {"rule": rule}]
    if errors:
        raise ValidationError(errors)
    masking, _created = Masking.objects.update_or_create(
        grant=grant, defaults={"rules": dict(rules), "updated_at": clock.now()})
    audit_record(actor, "masking.set", grant, {"rules": rules})
    return masking


@transaction.atomic
def file_upload(actor, resource: Resource, *, name: str, content: bytes, sha256: str = ""):
    """A new version of a file resource. `sha256`, when the uploader states it, must match the
    bytes received: a file damaged on the way is refused, not published."""
    authorize(actor, "file.upload", resource)
    if resource.status != Resource.Status.PUBLISHED or resource.current is None:
        raise InvalidTransition(_("资源尚未发布，不能接收数据。"))
    if "file" not in (resource.current.share_modes or []):
        raise ValidationError({"resource": [_("该资源的共享方式不含文件下载。")]})
    name = (name or "").strip().replace("/", "_").replace("\\", "_")
    if not name or len(name) > 255:
        raise ValidationError({"name": [_("请给出文件名（最长255个字符）。")]})
    digest = hashlib.sha256(content).hexdigest()
    if sha256 and sha256.lower() != digest:
        raise ValidationError({"sha256": [_("文件的 SHA-256 与声明的不符：收到的是 %(got)s。") %
                                          {"got": digest}]})
    last = (FileVersion.objects.select_for_update().filter(resource=resource)
            .order_by("-number").first())
    version = FileVersion(resource=resource, number=(last.number + 1) if last else 1, name=name,
                          size=len(content), sha256=digest, uploaded_by=str(actor)[:200])
    version.content.save(name, ContentFile(content), save=False)
    version.save()
    resource_mark_data_updated(actor, resource, at=version.uploaded_at)
    audit_record(actor, "file.upload", version, {"resource": resource.code, "name": name,
                                                 "size": version.size, "sha256": digest})
    return version
