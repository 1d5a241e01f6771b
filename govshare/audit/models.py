"""The append-only audit log: every state change and every data access, hash-chained."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyQuerySet(models.QuerySet):
    """Audit records are written once: bulk updates and deletes are refused."""

    def update(self, **kwargs):
        raise TypeError("audit records cannot be updated")

    def delete(self):
        raise TypeError("audit records cannot be deleted")


class AuditRecord(models.Model):
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

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")

    def __str__(self):
        return f"#{self.pk} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("audit records cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("audit records cannot be deleted")


class AuditHead(models.Model):
    """The single row holding the chain's last hash; appends lock it to stay in order."""

    last_hash = models.CharField(max_length=128)
    last_id = models.BigIntegerField(default=0)

    def __str__(self):
        return f"#{self.last_id} {self.last_hash[:12]}"
