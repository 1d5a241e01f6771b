"""Share requests and their consultation workflow, grants, objections, the timeline every step
leaves, the deadlines of waiting steps, and the operator's working-day calendar."""

from datetime import timedelta

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from govshare.catalog.models import Resource, ResourceVersion, ShareType
from govshare.core import clock
from govshare.orgs.models import Application, Organization, Region, Role, User

from .rowfilter import row_filter_predicate, row_filter_q


class CalendarOverride(models.Model):
    """The operator's correction of the official calendar for one day: a holiday or an adjusted
    working day. Needed for the years the official calendar package does not know yet."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("休息日")
        WORKDAY = "workday", _("工作日")

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    note = models.CharField(_("说明"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        User, verbose_name=_("录入人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("录入时间"), default=clock.now)

    class Meta:
        ordering = ["date"]
        verbose_name = _("工作日历调整")
        verbose_name_plural = _("工作日历调整")

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()}"


MISSING_CALENDAR_WARNING = _(
    "%(years)s年的国家法定节假日安排尚未收录，期限暂按周末和运维人员录入的节假日计算；"
    "请运维人员在“工作日历”中录入该年的节假日和调休上班日。"
)


def missing_calendar_warning(years) -> str:
    """What to tell about deadlines counted in years without the official calendar."""
    if not years:
        return ""
    return str(MISSING_CALENDAR_WARNING) % {"years": ", ".join(str(y) for y in years)}


class Party(models.TextChoices):
    """Who holds a step of the workflow."""

    CONSUMER = "consumer", _("需求方")
    PROVIDER = "provider", _("提供方")
    AUTHORITY = "authority", _("信息共享主管部门")
    OPERATOR = "operator", _("平台运维单位")
    PLATFORM = "platform", _("平台（自动）")


def _path_prefix_q(prefix, path):
    """Regions at `path` or below, through the lookup `prefix` (e.g. "coordinating_region__")."""
    return Q(**{f"{prefix}path": path}) | Q(**{f"{prefix}path__startswith": path + "/"})


def reviewer_regions_q(actor, prefix):
    """Rows whose region (through `prefix`) lies in a region the actor reviews."""
    q = Q(pk__in=[])
    if not isinstance(actor, User):
        return q
    for assignment in actor.role_assignments():
        if assignment.role == Role.AUTHORITY_REVIEWER and assignment.region_id:
            q |= _path_prefix_q(prefix, assignment.region.path)
    return q


def _organizations_of(actor):
    if not isinstance(actor, User):
        return []
    return [a.organization_id for a in actor.role_assignments() if a.organization_id]


class ShareRequestQuerySet(models.QuerySet):
    def restrict(self, actor):
        """What `actor` may see: its own requests for an application; for a person, the
        requests of the organisations they work in (as consumer or as provider), those an
        authority reviewer coordinates (their region and below), and all of them for the
        operator and supervisors."""
        if isinstance(actor, Application):
            return self.filter(application=actor)
        if not isinstance(actor, User):
            return self.none()
        if actor.has_role(Role.OPERATOR, Role.SUPERVISOR):
            return self
        organizations = _organizations_of(actor)
        return self.filter(
            Q(consumer_id__in=organizations) | Q(resource__provider_id__in=organizations)
            | reviewer_regions_q(actor, "coordinating_region__")
        )

    def open(self):
        return self.exclude(state__in=ShareRequest.FINAL_STATES)

    def box(self, actor, box):
        """One party's working list: "mine" (the consumer's requests), "provider" (waiting
        for an answer or explanation), "authority" (in coordination in a region the actor
        reviews), "operator" (agreed, to implement), "all" (everything visible)."""
        S = ShareRequest.State
        organizations = _organizations_of(actor) if isinstance(actor, User) else []
        if box == "mine":
            return self.filter(consumer_id__in=organizations)
        if box == "provider":
            return self.filter(resource__provider_id__in=organizations,
                               state__in=[S.CONSULTING, S.EXPLAINING])
        if box == "authority":
            return self.filter(reviewer_regions_q(actor, "coordinating_region__"),
                               state__in=[S.EXPLAINING, S.COORDINATING, S.JOINT_CONSULTATION,
                                          S.SECRECY_REVIEW])
        if box == "operator":
            operator = isinstance(actor, User) and actor.is_operator
            return self.filter(state=S.AGREED) if operator else self.none()
        return self


class ShareRequest(models.Model):
    """A consumer's request (共享申请) for data items of one resource, for one application."""

    class State(models.TextChoices):
        CONSULTING = "consulting", _("待提供方答复")
        AGREED = "agreed", _("已同意，待实施授权")
        REFUSED = "refused", _("提供方不同意")
        EXPLAINING = "explaining", _("待提供方书面说明")
        COORDINATING = "coordinating", _("主管部门协调中")
        JOINT_CONSULTATION = "joint_consultation", _("联合会商中")
        SECRECY_REVIEW = "secrecy_review", _("保密部门认定中")
        GRANTED = "granted", _("已授权")
        CLOSED = "closed", _("已办结（不予共享）")
        WITHDRAWN = "withdrawn", _("已撤回")

    FINAL_STATES = (State.GRANTED, State.CLOSED, State.WITHDRAWN)

    consumer = models.ForeignKey(
        Organization, verbose_name=_("需求方"), on_delete=models.PROTECT,
        related_name="share_requests",
    )
    application = models.ForeignKey(
        Application, verbose_name=_("应用系统"), on_delete=models.PROTECT,
        related_name="share_requests",
    )
    resource = models.ForeignKey(
        Resource, verbose_name=_("信息资源"), on_delete=models.PROTECT,
        related_name="share_requests",
    )
    # The version in force when filed: it fixes the share type and the items asked for.
    resource_version = models.ForeignKey(
        ResourceVersion, verbose_name=_("资源版本"), on_delete=models.PROTECT, related_name="+"
    )
    share_type = models.CharField(_("共享类型"), max_length=20, choices=ShareType.choices)
    items = models.JSONField(_("申请的信息项"), default=list)
    row_filter = models.JSONField(_("数据范围"), default=dict, blank=True)
    purpose = models.TextField(_("用途"))
    duty = models.TextField(_("所履行的职责"))
    legal_basis = models.TextField(_("法律依据"), blank=True)
    requested_until = models.DateField(_("申请使用期限至"))
    expected_volume = models.PositiveIntegerField(_("预计日均调用量"), null=True, blank=True)
    renews = models.ForeignKey(
        "Grant", verbose_name=_("续期的授权"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="renewals",
    )
    # The region whose authority coordinates a dispute: the lowest region containing both
    # the consumer and the provider (see docs/sharing.md).
    coordinating_region = models.ForeignKey(
        Region, verbose_name=_("协调地区"), on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(_("状态"), max_length=30, choices=State.choices, db_index=True)
    refusal_ground = models.TextField(_("不予共享的法定依据"), blank=True)
    refusal_secrecy = models.BooleanField(_("以涉及国家秘密为由"), default=False)
    requested_by = models.ForeignKey(
        User, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("申请时间"), default=clock.now, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), default=clock.now)

    objects = ShareRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("共享申请")
        verbose_name_plural = _("共享申请")

    def __str__(self):
        return f"{self.number} {self.resource.code}"

    @property
    def number(self):
        """The request's reference, e.g. GX2026000042."""
        return f"GX{self.created_at:%Y}{self.pk or 0:06d}"

    @property
    def is_final(self):
        return self.state in self.FINAL_STATES

    def open_deadline(self):
        return self.deadlines.filter(closed_at__isnull=True).first()


class GrantQuerySet(models.QuerySet):
    def restrict(self, actor):
        """Grants `actor` may see: an application its own; a person those of the organisations
        they work in (as consumer or provider), those of the requests an authority reviewer
        coordinates, and all of them for the operator and supervisors."""
        if isinstance(actor, Application):
            return self.filter(application=actor)
        if not isinstance(actor, User):
            return self.none()
        if actor.has_role(Role.OPERATOR, Role.SUPERVISOR):
            return self
        organizations = _organizations_of(actor)
        return self.filter(
            Q(application__organization_id__in=organizations)
            | Q(resource__provider_id__in=organizations)
            | reviewer_regions_q(actor, "share_request__coordinating_region__")
        )


class Grant(models.Model):
    """An authorisation (授权): one application may read these data items of one resource,
    within this row filter, until this date, up to this many records a day. It belongs to its
    application for good: nothing transfers it (R15)."""

    class State(models.TextChoices):
        PENDING = "pending_activation", _("待实施")
        ACTIVE = "active", _("有效")
        SUSPENDED = "suspended", _("已暂停")
        REVOKED = "revoked", _("已撤销")
        EXPIRED = "expired", _("已过期")

    application = models.ForeignKey(
        Application, verbose_name=_("应用系统"), on_delete=models.PROTECT, related_name="grants"
    )
    resource = models.ForeignKey(
        Resource, verbose_name=_("信息资源"), on_delete=models.PROTECT, related_name="grants"
    )
    share_request = models.OneToOneField(
        ShareRequest, verbose_name=_("共享申请"), on_delete=models.PROTECT, related_name="grant"
    )
    items = models.JSONField(_("授权的信息项"), default=list)
    row_filter = models.JSONField(_("数据范围"), default=dict, blank=True)
    valid_from = models.DateField(_("生效日期"), null=True, blank=True)
    valid_until = models.DateField(_("有效期至"))
    daily_quota = models.PositiveIntegerField(
        _("每日配额"), null=True, blank=True, help_text=_("每日可读取的记录数；空表示不限。")
    )
    state = models.CharField(
        _("状态"), max_length=30, choices=State.choices, default=State.PENDING, db_index=True
    )
    state_reason = models.TextField(_("状态说明"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)
    activated_at = models.DateTimeField(_("实施时间"), null=True, blank=True)
    activated_by = models.ForeignKey(
        User, verbose_name=_("实施人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    state_changed_at = models.DateTimeField(_("状态变更时间"), default=clock.now)

    objects = GrantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("授权")
        verbose_name_plural = _("授权")
        indexes = [models.Index(fields=["application", "resource", "state"])]

    def __str__(self):
        return f"SQ{self.pk or 0:06d} {self.application} · {self.resource.code}"

    @property
    def number(self):
        return f"SQ{self.pk or 0:06d}"

    def row_predicate(self):
        """A function telling whether a record dict is within this grant's rows."""
        return row_filter_predicate(self.row_filter)

    def row_q(self, field="data"):
        """A Q over the JSON field `field` selecting this grant's rows."""
        return row_filter_q(self.row_filter, field)

    def is_usable(self, on=None) -> bool:
        """Active and within its validity on `on` (today by default)."""
        on = on or clock.today()
        return (self.state == self.State.ACTIVE and self.valid_from is not None
                and self.valid_from <= on <= self.valid_until)


class ObjectionQuerySet(models.QuerySet):
    def restrict(self, actor):
        """Objections `actor` may see: those its organisations raised or must answer, those
        about providers in an authority reviewer's region, all for operator and supervisors."""
        if not isinstance(actor, User):
            return self.none()
        if actor.has_role(Role.OPERATOR, Role.SUPERVISOR):
            return self
        organizations = _organizations_of(actor)
        return self.filter(
            Q(consumer_id__in=organizations) | Q(resource__provider_id__in=organizations)
            | reviewer_regions_q(actor, "resource__provider__region__")
        )


class Objection(models.Model):
    """A consumer's dispute (异议) of a resource's accuracy, completeness or timeliness (R16)."""

    class Kind(models.TextChoices):
        ACCURACY = "accuracy", _("准确性")
        COMPLETENESS = "completeness", _("完整性")
        TIMELINESS = "timeliness", _("及时性")

    class State(models.TextChoices):
        OPEN = "open", _("待提供方答复")
        CORRECTED = "corrected", _("已更正，待确认")
        REJECTED = "rejected", _("不予更正，待确认")
        CLOSED = "closed", _("已办结")

    consumer = models.ForeignKey(
        Organization, verbose_name=_("提出单位"), on_delete=models.PROTECT,
        related_name="objections",
    )
    resource = models.ForeignKey(
        Resource, verbose_name=_("信息资源"), on_delete=models.PROTECT, related_name="objections"
    )
    kind = models.CharField(_("异议类型"), max_length=20, choices=Kind.choices)
    record_key = models.CharField(_("记录主键"), max_length=200, blank=True)
    items = models.JSONField(_("涉及的信息项"), default=list, blank=True)
    description = models.TextField(_("异议内容"))
    state = models.CharField(
        _("状态"), max_length=20, choices=State.choices, default=State.OPEN, db_index=True
    )
    raised_by = models.ForeignKey(
        User, verbose_name=_("提出人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("提出时间"), default=clock.now)
    updated_at = models.DateTimeField(_("更新时间"), default=clock.now)

    objects = ObjectionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("数据异议")
        verbose_name_plural = _("数据异议")

    def __str__(self):
        return f"{self.number} {self.resource.code}"

    @property
    def number(self):
        return f"YY{self.created_at:%Y}{self.pk or 0:06d}"

    def open_deadline(self):
        return self.deadlines.filter(closed_at__isnull=True).first()


class AppendOnlyQuerySet(models.QuerySet):
    """Timeline rows are written once: bulk updates and deletes are refused."""

    def update(self, **kwargs):
        raise TypeError("timeline entries cannot be updated")

    def delete(self):
        raise TypeError("timeline entries cannot be deleted")


class _AppendOnly(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError(f"{self._meta.label} rows cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError(f"{self._meta.label} rows cannot be deleted")


class TimelineEntry(_AppendOnly):
    """One step taken on a request (or its grant) or an objection: who, in which role, when,
    what they said, what they attached. Never changed afterwards."""

    share_request = models.ForeignKey(
        ShareRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="timeline"
    )
    objection = models.ForeignKey(
        Objection, null=True, blank=True, on_delete=models.PROTECT, related_name="timeline"
    )
    action = models.CharField(_("操作"), max_length=40)
    from_state = models.CharField(max_length=30, blank=True)
    to_state = models.CharField(max_length=30, blank=True)
    actor = models.ForeignKey(
        User, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField(_("操作人"), max_length=200)
    role = models.CharField(_("身份"), max_length=20, choices=Party.choices)
    organization = models.ForeignKey(
        Organization, verbose_name=_("单位"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), default=clock.now)
    comment = models.TextField(_("意见"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        constraints = [
            models.CheckConstraint(
                condition=(Q(share_request__isnull=False, objection__isnull=True)
                           | Q(share_request__isnull=True, objection__isnull=False)),
                name="timeline_entry_of_request_or_objection",
            ),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.actor_name}"


def _attachment_path(instance, filename):
    return f"sharing/{clock.now():%Y/%m}/{instance.sha256[:2]}/{instance.sha256}"


class Attachment(_AppendOnly):
    """A file attached to a timeline entry, stored under MEDIA_ROOT by its SHA-256."""

    entry = models.ForeignKey(
        TimelineEntry, on_delete=models.PROTECT, related_name="attachments"
    )
    file = models.FileField(upload_to=_attachment_path, max_length=200)
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveBigIntegerField(_("大小"))
    sha256 = models.CharField("SHA-256", max_length=64)
    content_type = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self):
        return self.name


class Deadline(models.Model):
    """The time limit of one waiting step of a request or an objection; the overdue time it
    records is what supervision counts."""

    share_request = models.ForeignKey(
        ShareRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="deadlines"
    )
    objection = models.ForeignKey(
        Objection, null=True, blank=True, on_delete=models.CASCADE, related_name="deadlines"
    )
    step = models.CharField(_("环节"), max_length=30)
    party = models.CharField(_("办理方"), max_length=20, choices=Party.choices)
    organization = models.ForeignKey(
        Organization, verbose_name=_("办理单位"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    region = models.ForeignKey(
        Region, verbose_name=_("主管地区"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    duration = models.CharField(_("时限"), max_length=10)
    opened_at = models.DateTimeField(_("开始时间"), default=clock.now)
    due_date = models.DateField(_("截止日期"), db_index=True)
    due_at = models.DateTimeField(_("截止时间"))
    # Years counted without the official holiday arrangement; the warning is worded when shown.
    missing_calendar_years = models.JSONField(default=list, blank=True)
    # A duty under the regulation is supervised; the consumer's window to appeal is not.
    supervised = models.BooleanField(default=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("发现逾期时间"), null=True, blank=True)

    class Meta:
        ordering = ["opened_at", "pk"]
        verbose_name = _("办理时限")
        verbose_name_plural = _("办理时限")
        constraints = [
            models.CheckConstraint(
                condition=(Q(share_request__isnull=False, objection__isnull=True)
                           | Q(share_request__isnull=True, objection__isnull=False)),
                name="deadline_of_request_or_objection",
            ),
        ]

    def __str__(self):
        return f"{self.step} → {self.due_date:%Y-%m-%d}"

    @property
    def calendar_warning(self):
        return missing_calendar_warning(self.missing_calendar_years)

    def is_overdue(self, at=None) -> bool:
        return ((self.closed_at or at or clock.now()) > self.due_at)

    def overdue_time(self, at=None) -> timedelta:
        """How long the step ran past its due time (so far, while still open)."""
        return max((self.closed_at or at or clock.now()) - self.due_at, timedelta(0))
