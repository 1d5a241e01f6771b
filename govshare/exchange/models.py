"""Exchange nodes and their registration codes, the record store, and the batches received.

The record store keeps the current record of each resource per key, as a JSON payload, with the
change sequence of its last change and a deleted flag (a tombstone, so the change feed can tell
consumers to delete). Sequences are per resource and assigned under a lock on the resource's
`RecordStream` row, so they commit in order and a feed reader never skips one.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from govshare.catalog.models import Resource
from govshare.core import clock
from govshare.orgs.models import Organization, User


class NodeQuerySet(models.QuerySet):
    def restrict(self, actor):
        """The operator sees every node; a department's people see their own organisation's."""
        if not isinstance(actor, User):
            return self.none()
        if actor.is_operator:
            return self
        return self.filter(organization_id__in=[
            a.organization_id for a in actor.role_assignments() if a.organization_id
        ])


class Node(models.Model):
    """A department's exchange node (前置交换系统), known by its Ed25519 public key."""

    class State(models.TextChoices):
        PENDING = "pending", _("待批准")
        APPROVED = "approved", _("已批准")
        REVOKED = "revoked", _("已吊销")

    organization = models.ForeignKey(Organization, verbose_name=_("所属单位"),
                                     on_delete=models.PROTECT, related_name="nodes")
    name = models.CharField(_("名称"), max_length=200)
    contact = models.CharField(_("责任人及联系方式"), max_length=200)
    key_id = models.CharField(_("密钥标识"), max_length=64, unique=True)
    public_key = models.CharField(_("公钥"), max_length=100)
    state = models.CharField(_("状态"), max_length=20, choices=State.choices,
                             default=State.PENDING)
    registered_at = models.DateTimeField(_("注册时间"), default=clock.now)
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)
    approved_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("最近连接"), null=True, blank=True)

    objects = NodeQuerySet.as_manager()

    class Meta:
        ordering = ["organization__name", "name"]
        verbose_name = _("交换节点")
        verbose_name_plural = _("交换节点")

    def __str__(self):
        return f"{self.name} ({self.key_id})"

    actor_type = "node"
    is_authenticated = True

    @property
    def is_active(self):
        """A revoked node can do nothing; what a pending one may do its rules decide."""
        return self.state != Node.State.REVOKED


class RegistrationCode(models.Model):
    """A one-time code a department administrator gives to the person installing a node."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="node_codes")
    code_id = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField(_("有效期至"))
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    node = models.OneToOneField(Node, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="registration_code")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("节点注册码")
        verbose_name_plural = _("节点注册码")

    def __str__(self):
        return f"gsn_{self.code_id}_…"


class RecordStream(models.Model):
    """A resource's change sequence counter; its row is the lock batches take to append."""

    resource = models.OneToOneField(Resource, on_delete=models.CASCADE, primary_key=True,
                                    related_name="record_stream")
    last_seq = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.resource_id}@{self.last_seq}"


class Record(models.Model):
    """The current record of one key of a resource."""

    # A push writes a million records: a database foreign key checks each one at commit (a
    # quarter of PostgreSQL's time in a push) and its own index repeats the leading column of
    # record_key_unique. Only a never-published resource is deleted, and Django cascades that.
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="+",
                                 db_constraint=False, db_index=False)
    key = models.CharField(max_length=500)
    payload = models.JSONField()
    seq = models.BigIntegerField()
    deleted = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["resource", "key"], name="record_key_unique"),
        ]
        indexes = [models.Index(fields=["resource", "seq"], name="record_feed")]

    def __str__(self):
        return f"{self.resource_id}:{self.key}"


class Batch(models.Model):
    """A batch a node pushed; its id makes a repeated push a no-op."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="+")
    batch_id = models.CharField(max_length=64)
    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="batches")
    rows = models.PositiveIntegerField()
    first_seq = models.BigIntegerField(null=True)
    last_seq = models.BigIntegerField(null=True)
    received_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["resource", "batch_id"], name="batch_id_unique"),
        ]

    def __str__(self):
        return self.batch_id


class RefusedPush(models.Model):
    """A push of data the platform refused because no approved node signed it: unsigned, an
    unknown key, a node not yet approved or revoked, a bad signature. Supervision reads these
    to find exchange outside the platform's registered channels (R9, article 22); the platform
    notes them itself, as nobody it knows acted."""

    class Reason(models.TextChoices):
        UNSIGNED = "unsigned", _("未签名")
        UNKNOWN_KEY = "unknown_key", _("未注册的节点密钥")
        BAD_SIGNATURE = "bad_signature", _("签名无效")
        PENDING = "pending", _("节点未获批准")
        REVOKED = "revoked", _("节点已吊销")

    at = models.DateTimeField(_("时间"), default=clock.now, db_index=True)
    reason = models.CharField(_("拒绝原因"), max_length=20, choices=Reason.choices)
    key_id = models.CharField(_("密钥标识"), max_length=200, blank=True)
    node = models.ForeignKey(Node, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    resource = models.ForeignKey(Resource, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    resource_code = models.CharField(_("资源代码"), max_length=40, blank=True)
    path = models.CharField(max_length=300)
    source_address = models.CharField(_("来源地址"), max_length=64, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("被拒绝的推送")
        verbose_name_plural = _("被拒绝的推送")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.resource_code} {self.reason}"


class Masking(models.Model):
    """How a grant's data items are de-identified (脱敏) on the way out: {identifier: rule}.
    Set by the provider (or the operator) when it implements the grant; see `masking.py`."""

    grant = models.OneToOneField("sharing.Grant", on_delete=models.CASCADE,
                                 related_name="masking")
    rules = models.JSONField(_("脱敏规则"), default=dict)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("脱敏规则")
        verbose_name_plural = _("脱敏规则")

    def __str__(self):
        return f"{self.grant_id}: {self.rules}"


class QuotaUsage(models.Model):
    """Records a grant has served through the gateway on one day (its daily quota)."""

    grant = models.ForeignKey("sharing.Grant", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    records = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["grant", "day"], name="quota_usage_once_a_day"),
        ]

    def __str__(self):
        return f"{self.grant_id} {self.day}: {self.records}"


def _file_path(instance, filename):
    return f"exchange/files/{instance.resource_id}/{instance.number}-{instance.sha256[:16]}"


class FileVersion(models.Model):
    """One uploaded version of a file resource (共享方式：文件下载), checked by SHA-256."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="files")
    number = models.PositiveIntegerField(_("版本号"))
    name = models.CharField(_("文件名"), max_length=255)
    size = models.BigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content = models.FileField(upload_to=_file_path, max_length=300)
    uploaded_at = models.DateTimeField(_("上传时间"), default=clock.now)
    uploaded_by = models.CharField(_("上传者"), max_length=200)

    class Meta:
        ordering = ["resource", "-number"]
        verbose_name = _("文件版本")
        verbose_name_plural = _("文件版本")
        constraints = [
            models.UniqueConstraint(fields=["resource", "number"], name="file_version_unique"),
        ]

    def __str__(self):
        return f"{self.resource_id} v{self.number} {self.name}"
