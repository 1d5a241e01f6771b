"""Open data (R19): the de-identification rules of each open resource, its release on the public
portal, the enterprises and organisations registered for conditionally open data, their
applications (each approved one is a licence to download), and the daily usage counts.

A resource reaches the public only when its version in force is open or conditionally open
(`OpenType`), its provider has opened it here, and de-identification rules approved by the
authority are in force; every value leaves through those rules (`deidentify.py`).
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from govshare.catalog.models import OpenType, Resource
from govshare.core import clock
from govshare.orgs.models import Role, User

PUBLIC_OPEN_TYPES = (OpenType.OPEN, OpenType.CONDITIONAL)


def _provider_or_reviewer_q(actor, prefix):
    """Rows of resources (through `prefix`) whose provider the person works for, or lies in a
    region they review."""
    q = Q(**{f"{prefix}provider_id__in": [a.organization_id for a in actor.role_assignments()
                                          if a.organization_id]})
    for assignment in actor.role_assignments():
        if assignment.role == Role.AUTHORITY_REVIEWER and assignment.region_id:
            path = assignment.region.path
            q |= Q(**{f"{prefix}provider__region__path": path})
            q |= Q(**{f"{prefix}provider__region__path__startswith": path + "/"})
    return q


class DeidentificationQuerySet(models.QuerySet):
    def restrict(self, actor):
        """Rules are seen by the provider's people, the authority reviewers above it, the
        operator and supervisors."""
        if not isinstance(actor, User):
            return self.none()
        if actor.has_role(Role.OPERATOR, Role.SUPERVISOR):
            return self
        return self.filter(_provider_or_reviewer_q(actor, "resource__"))


class Deidentification(models.Model):
    """A provider's de-identification rules (脱敏规则) for one resource: what happens to each
    data item on its way out ({identifier: {"rule": …, …}}) and which items are
    quasi-identifiers for the k-anonymity check. Proposed by the provider, reviewed by the
    authority; the approved one is in force."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("待审核")
        APPROVED = "approved", _("现行")
        RETURNED = "returned", _("已退回")
        SUPERSEDED = "superseded", _("已替代")

    resource = models.ForeignKey(Resource, verbose_name=_("信息资源"), on_delete=models.CASCADE,
                                 related_name="deidentifications")
    number = models.PositiveIntegerField(_("版本号"))
    state = models.CharField(_("状态"), max_length=20, choices=State.choices,
                             default=State.PROPOSED)
    rules = models.JSONField(_("处理规则"), default=dict)
    quasi_identifiers = models.JSONField(_("准标识符"), default=list, blank=True)
    note = models.TextField(_("说明"), blank=True)
    proposed_by = models.ForeignKey(User, verbose_name=_("提出人"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    proposed_at = models.DateTimeField(_("提出时间"), default=clock.now)
    reviewed_by = models.ForeignKey(User, verbose_name=_("审核人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_comment = models.TextField(_("审核意见"), blank=True)

    objects = DeidentificationQuerySet.as_manager()

    class Meta:
        ordering = ["resource", "-number"]
        verbose_name = _("脱敏规则")
        verbose_name_plural = _("脱敏规则")
        constraints = [
            models.UniqueConstraint(fields=["resource", "number"],
                                    name="deidentification_number_unique"),
            models.UniqueConstraint(fields=["resource"], condition=Q(state="approved"),
                                    name="one_deidentification_in_force"),
            models.UniqueConstraint(fields=["resource"], condition=Q(state="proposed"),
                                    name="one_deidentification_under_review"),
        ]

    def __str__(self):
        return f"{self.resource.code} #{self.number} ({self.get_state_display()})"


class DatasetQuerySet(models.QuerySet):
    def public(self):
        """Datasets the public may see: opened, with rules in force, whose resource is published
        and open or conditionally open in its version in force."""
        return self.filter(
            state=Dataset.State.OPEN,
            resource__status=Resource.Status.PUBLISHED,
            resource__published_version__open_type__in=PUBLIC_OPEN_TYPES,
            resource__deidentifications__state=Deidentification.State.APPROVED,
        )


class Dataset(models.Model):
    """A resource released on the open data portal (开放数据集), with the figures of the
    k-anonymity check that let it out."""

    class State(models.TextChoices):
        OPEN = "open", _("已开放")
        CLOSED = "closed", _("已关闭")

    resource = models.OneToOneField(Resource, verbose_name=_("信息资源"), on_delete=models.CASCADE,
                                    related_name="open_dataset")
    state = models.CharField(_("状态"), max_length=20, choices=State.choices,
                             default=State.OPEN)
    opened_at = models.DateTimeField(_("开放时间"), default=clock.now)
    opened_by = models.ForeignKey(User, verbose_name=_("开放人"), null=True,
                                  on_delete=models.SET_NULL, related_name="+")
    checked_k = models.PositiveIntegerField(_("k 值"), default=0)
    checked_records = models.BigIntegerField(_("检查的记录数"), default=0)
    smallest_group = models.BigIntegerField(_("最小分组"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    closed_by = models.ForeignKey(User, verbose_name=_("关闭人"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    close_reason = models.TextField(_("关闭原因"), blank=True)

    objects = DatasetQuerySet.as_manager()

    class Meta:
        ordering = ["resource__code"]
        verbose_name = _("开放数据集")
        verbose_name_plural = _("开放数据集")

    def __str__(self):
        return f"{self.resource.code} ({self.get_state_display()})"


class Registrant(models.Model):
    """An enterprise or organisation registered to use conditionally open data (社会用户).

    Kept apart from `orgs.Organization`: the platform's other apps give every authenticated
    organisation, person or application the province's shared government catalog, which a
    registrant must never see. A registrant authenticates only here, with its own credentials.
    """

    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("企业")
        SOCIAL_ORGANIZATION = "social_organization", _("社会组织")
        INSTITUTION = "institution", _("事业单位")
        OTHER = "other", _("其他组织")

    name = models.CharField(_("名称"), max_length=200)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    kind = models.CharField(_("类型"), max_length=30, choices=Kind.choices,
                            default=Kind.ENTERPRISE)
    contact_name = models.CharField(_("联系人"), max_length=50)
    contact_phone = models.CharField(_("联系电话"), max_length=30)
    email = models.EmailField(_("电子邮箱"))
    terms_version = models.CharField(_("已接受的协议版本"), max_length=20)
    terms_accepted_at = models.DateTimeField(_("接受协议时间"))
    registered_at = models.DateTimeField(_("注册时间"), default=clock.now)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("开放数据注册用户")
        verbose_name_plural = _("开放数据注册用户")

    def __str__(self):
        return self.name

    actor_type = "registrant"
    is_authenticated = True
    organization_id = None


class RegistrantCredential(models.Model):
    """An access credential of a registrant (`god_<key id>_<secret>`); only its hash is kept."""

    registrant = models.ForeignKey(Registrant, on_delete=models.CASCADE,
                                   related_name="credentials")
    key_id = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=clock.now)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("开放数据访问凭证")
        verbose_name_plural = _("开放数据访问凭证")

    def __str__(self):
        return f"god_{self.key_id}_…"


class AccessRequestQuerySet(models.QuerySet):
    def restrict(self, actor):
        """A registrant sees its own applications; a person those of the resources their
        organisation provides; the operator and supervisors all of them."""
        if isinstance(actor, Registrant):
            return self.filter(registrant=actor)
        if not isinstance(actor, User):
            return self.none()
        if actor.has_role(Role.OPERATOR, Role.SUPERVISOR):
            return self
        return self.filter(resource__provider_id__in=[
            a.organization_id for a in actor.role_assignments() if a.organization_id])

    def usable(self, at=None):
        """Approved applications still within their validity."""
        return self.filter(state=AccessRequest.State.APPROVED,
                           valid_until__gte=clock.today() if at is None else at)


class AccessRequest(models.Model):
    """A registrant's application for a conditionally open resource (开放申请); approved by the
    provider, it is the licence its credentials download with, until `valid_until`."""

    class State(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已批准")
        REFUSED = "refused", _("未批准")
        REVOKED = "revoked", _("已撤销")

    registrant = models.ForeignKey(Registrant, verbose_name=_("申请单位"),
                                   on_delete=models.PROTECT, related_name="access_requests")
    resource = models.ForeignKey(Resource, verbose_name=_("信息资源"), on_delete=models.PROTECT,
                                 related_name="open_access_requests")
    purpose = models.TextField(_("用途和应用场景"))
    state = models.CharField(_("状态"), max_length=20, choices=State.choices,
                             default=State.PENDING, db_index=True)
    requested_at = models.DateTimeField(_("申请时间"), default=clock.now)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    decided_by = models.ForeignKey(User, verbose_name=_("审核人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    comment = models.TextField(_("审核意见"), blank=True)

    objects = AccessRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("开放申请")
        verbose_name_plural = _("开放申请")
        constraints = [
            models.UniqueConstraint(fields=["registrant", "resource"],
                                    condition=Q(state__in=["pending", "approved"]),
                                    name="one_live_open_access_request"),
        ]

    def __str__(self):
        return f"{self.registrant} · {self.resource.code} ({self.get_state_display()})"


class DailyUsage(models.Model):
    """How often one open dataset was downloaded and asked for through the CKAN API on one day
    (the statistics; Prometheus counts the same events in govshare.monitor.metrics)."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    downloads = models.PositiveIntegerField(default=0)
    api_calls = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day", "resource"]
        verbose_name = _("开放数据使用统计")
        verbose_name_plural = _("开放数据使用统计")
        constraints = [
            models.UniqueConstraint(fields=["resource", "day"], name="open_usage_once_a_day"),
        ]

    def __str__(self):
        return f"{self.resource_id} {self.day}: {self.downloads}/{self.api_calls}"
