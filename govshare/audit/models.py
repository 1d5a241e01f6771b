"""The append-only audit log: every state change and every data access, hash-chained, and the
signed checkpoints of its head.

Both tables refuse UPDATE and DELETE three times over: here (querysets and instances), and in
the database itself (triggers created by migration 0002, see `guard.py`).

Data accesses first land in `AuditPending`, one cheap insert in the request's own transaction,
and are chained into the log by the sealer (`sealer.py`) moments later; a pending row refuses
UPDATE, and DELETE until the record that seals it is in the log (migration 0003).
"""

import json

from django.apps import apps
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AppendOnlyQuerySet(models.QuerySet):
    """Rows are written once: bulk updates and deletes are refused."""

    def update(self, **kwargs):
        raise TypeError("audit records cannot be updated")

    def delete(self):
        raise TypeError("audit records cannot be deleted")


class AppendOnlyModel(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("audit records cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("audit records cannot be deleted")


class AuditRecordQuerySet(AppendOnlyQuerySet):
    def restrict(self, actor):
        """The records `actor` may read: all for the operator; those of the organisations in
        their region (and below) for an authority reviewer or a supervisor; their own
        organisation's for a department administrator. Nothing for anyone else.

        Roles are read through the actor's own methods and organisations through the app
        registry, so the audit app imports no other app (every app imports it).
        """
        if getattr(actor, "actor_type", None) != "user" or not actor.is_active:
            return self.none()
        if actor.is_operator:
            return self
        organizations = apps.get_model("orgs", "Organization").objects
        visible = Q(pk__in=[])
        for assignment in actor.role_assignments():
            if assignment.role in ("authority_reviewer", "supervisor"):
                region = assignment.region
                visible |= Q(organization_id__in=organizations.filter(
                    Q(region=region) | Q(region__path__startswith=region.path + "/")
                ).values("pk"))
            elif assignment.role == "dept_admin":
                visible |= Q(organization_id=assignment.organization_id)
        return self.filter(visible)


ACTOR_TYPES = {"user": _("用户"), "application": _("应用系统"), "node": _("交换节点"),
               "system": _("系统")}
OUTCOMES = {"ok": _("成功"), "denied": _("拒绝"), "failed": _("失败")}


class AuditRecord(AppendOnlyModel):
    """One audited event. `hash` covers every field and the predecessor's hash."""

    time = models.DateTimeField(_("时间"), db_index=True)
    actor_type = models.CharField(_("操作者类型"), max_length=20)
    actor_id = models.CharField(max_length=64, blank=True)
    actor_name = models.CharField(_("操作者"), max_length=200, blank=True)
    organization_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    action = models.CharField(_("操作"), max_length=100, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=300, blank=True)
    summary = models.JSONField(_("摘要"), default=dict)
    outcome = models.CharField(_("结果"), max_length=20, default="ok")
    source_address = models.CharField(_("来源地址"), max_length=64, blank=True)
    algorithm = models.CharField(max_length=20, default="sha256")
    prev_hash = models.CharField(max_length=128)
    hash = models.CharField(max_length=128, unique=True)
    # The pending access row this record sealed: what lets that row be deleted (migration 0003).
    pending_id = models.BigIntegerField(null=True, blank=True, db_index=True)

    objects = AuditRecordQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")

    def __str__(self):
        return f"#{self.pk} {self.action} {self.object_repr}"

    @property
    def actor_type_label(self):
        return ACTOR_TYPES.get(self.actor_type, self.actor_type)

    @property
    def outcome_label(self):
        return OUTCOMES.get(self.outcome, self.outcome)

    @property
    def summary_text(self):
        return json.dumps(self.summary, ensure_ascii=False, sort_keys=True)


class AuditPending(AppendOnlyModel):
    """A data access recorded durably but not chained yet: the fields of its future record."""

    time = models.DateTimeField()
    actor_type = models.CharField(max_length=20)
    actor_id = models.CharField(max_length=64, blank=True)
    actor_name = models.CharField(max_length=200, blank=True)
    organization_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=100)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=300, blank=True)
    summary = models.JSONField(default=dict)
    outcome = models.CharField(max_length=20, default="ok")
    source_address = models.CharField(max_length=64, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"pending #{self.pk} {self.action} {self.object_repr}"


class AuditHead(models.Model):
    """The single row holding the chain's last hash; appends lock it to stay in order."""

    last_hash = models.CharField(max_length=128)
    last_id = models.BigIntegerField(default=0)

    def __str__(self):
        return f"#{self.last_id} {self.last_hash[:12]}"


class AuditCheckpoint(AppendOnlyModel):
    """A signed statement of the chain head at one moment; `payload` is exactly what was signed.

    The same document, exported, is what the authority keeps (see `checkpoints.py`).
    """

    time = models.DateTimeField(_("时间"))
    head_id = models.BigIntegerField(_("链头记录"))
    head_hash = models.CharField(max_length=128)
    algorithm = models.CharField(_("签名算法"), max_length=20)
    key_id = models.CharField(_("密钥标识"), max_length=32)
    public_key = models.TextField()
    payload = models.TextField()
    signature = models.TextField()

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("审计检查点")
        verbose_name_plural = _("审计检查点")

    def __str__(self):
        return f"checkpoint #{self.pk} @ record #{self.head_id}"
