"""What monitoring keeps (R15, R17): the daily statistics, the periodic reports, the anomaly
alerts, and the detector's hourly access windows, baselines and cursor.

Other apps' models are named by label ("orgs.Organization") and read through the app registry,
so monitor imports no other app; roles are compared by their stored values (as the audit app
does).
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from govshare.core import clock

OVERSEER_ROLES = ("operator", "supervisor")


def _is_person(actor) -> bool:
    return getattr(actor, "actor_type", None) == "user" and actor.is_active


def reviewed_regions_q(actor, prefix: str) -> Q:
    """Rows whose region (reached through `prefix`, e.g. "organization__region__") lies in a
    region the actor reviews as the sharing authority, or below it."""
    q = Q(pk__in=[])
    for assignment in actor.role_assignments():
        if assignment.role == "authority_reviewer" and assignment.region_id:
            path = assignment.region.path
            q |= Q(**{f"{prefix}path": path}) | Q(**{f"{prefix}path__startswith": path + "/"})
    return q


def subtree_q(region, prefix: str) -> Q:
    """Rows whose region (through `prefix`) is `region` or lies below it."""
    return (Q(**{f"{prefix}path": region.path})
            | Q(**{f"{prefix}path__startswith": region.path + "/"}))


class StatsDayQuerySet(models.QuerySet):
    def latest_day(self):
        return self.order_by("-day").values_list("day", flat=True).first()


class StatsDay(models.Model):
    """When one day's statistics were last computed; recomputing a day replaces its rows."""

    day = models.DateField(_("日期"), unique=True)
    computed_at = models.DateTimeField(_("计算时间"))
    rows = models.PositiveIntegerField(_("统计行数"), default=0)

    objects = StatsDayQuerySet.as_manager()

    class Meta:
        ordering = ["-day"]
        verbose_name = _("统计日")
        verbose_name_plural = _("统计日")

    def __str__(self):
        return f"{self.day:%Y-%m-%d}"


class DailyStatQuerySet(models.QuerySet):
    def in_region(self, region):
        """Rows touching `region`'s subtree: its departments' resources, or its departments'
        consuming applications."""
        return self.filter(subtree_q(region, "provider__region__")
                           | subtree_q(region, "consumer__region__"))

    def of_organization(self, organization):
        return self.filter(Q(provider=organization) | Q(consumer=organization))

    def between(self, start, end):
        return self.filter(day__gte=start, day__lte=end)

    def restrict(self, actor):
        """Everything for the operator and supervisors; an authority reviewer's region and
        below; a department's people the rows of their own organisations."""
        if not _is_person(actor):
            return self.none()
        if actor.has_role(*OVERSEER_ROLES):
            return self
        organizations = [a.organization_id for a in actor.role_assignments()
                         if a.organization_id]
        return self.filter(reviewed_regions_q(actor, "provider__region__")
                           | reviewed_regions_q(actor, "consumer__region__")
                           | Q(provider_id__in=organizations) | Q(consumer_id__in=organizations))


class DailyStat(models.Model):
    """One day's figures between one provider's resource and one consuming application.

    Figures about a resource alone (rows ingested, staleness) have no consumer; objections
    name the consumer but no application; a refused call for an unknown resource has no
    provider. The measures are listed, with their definitions, in `stats.MEASURES`.
    """

    day = models.DateField(_("日期"), db_index=True)
    provider = models.ForeignKey("orgs.Organization", verbose_name=_("提供方"), null=True,
                                 blank=True, on_delete=models.CASCADE, related_name="+")
    resource = models.ForeignKey("catalog.Resource", verbose_name=_("信息资源"), null=True,
                                 blank=True, on_delete=models.CASCADE, related_name="+")
    consumer = models.ForeignKey("orgs.Organization", verbose_name=_("需求方"), null=True,
                                 blank=True, on_delete=models.CASCADE, related_name="+")
    application = models.ForeignKey("orgs.Application", verbose_name=_("应用系统"), null=True,
                                    blank=True, on_delete=models.CASCADE, related_name="+")
    requests_filed = models.PositiveIntegerField(default=0)
    requests_granted = models.PositiveIntegerField(default=0)
    requests_refused = models.PositiveIntegerField(default=0)
    steps_overdue = models.PositiveIntegerField(default=0)
    grants_active = models.PositiveIntegerField(default=0)
    gateway_calls = models.PositiveIntegerField(default=0)
    rows_served = models.PositiveBigIntegerField(default=0)
    rows_ingested = models.PositiveBigIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    objections_opened = models.PositiveIntegerField(default=0)
    objections_closed = models.PositiveIntegerField(default=0)
    resources_stale = models.PositiveIntegerField(default=0)

    objects = DailyStatQuerySet.as_manager()

    class Meta:
        ordering = ["day", "pk"]
        verbose_name = _("每日统计")
        verbose_name_plural = _("每日统计")

    def __str__(self):
        return f"{self.day:%Y-%m-%d} {self.provider_id}/{self.resource_id} → " \
               f"{self.consumer_id}/{self.application_id}"


def _report_path(instance, filename):
    return f"monitor/reports/{instance.region.code}/{filename}"


class ReportQuerySet(models.QuerySet):
    def restrict(self, actor):
        """The operator and supervisors read every report; an authority reviewer those of
        their region and the regions below it."""
        if not _is_person(actor):
            return self.none()
        if actor.has_role(*OVERSEER_ROLES):
            return self
        return self.filter(reviewed_regions_q(actor, "region__"))


class Report(models.Model):
    """A sharing report (共享情况报告) of one region for one period, archived with its files."""

    class Kind(models.TextChoices):
        MONTHLY = "monthly", _("月度报告")
        ON_DEMAND = "on_demand", _("按需生成")

    region = models.ForeignKey("orgs.Region", verbose_name=_("行政区划"),
                               on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField(_("起始日期"))
    period_end = models.DateField(_("截止日期"))
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=200)
    created_at = models.DateTimeField(_("生成时间"), default=clock.now)
    requested_by = models.ForeignKey("orgs.User", verbose_name=_("生成人"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")
    # The key figures and the problems exactly as printed in the files.
    figures = models.JSONField(_("主要数据"), default=dict)
    problems = models.JSONField(_("发现的问题"), default=dict)
    pdf = models.FileField(upload_to=_report_path, max_length=300)
    pdf_sha256 = models.CharField("PDF SHA-256", max_length=64)
    xlsx = models.FileField(upload_to=_report_path, max_length=300)
    xlsx_sha256 = models.CharField("XLSX SHA-256", max_length=64)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("共享情况报告")
        verbose_name_plural = _("共享情况报告")
        indexes = [models.Index(fields=["region", "period_start", "kind"])]

    def __str__(self):
        return self.title

    @property
    def problem_count(self):
        return sum(len(rows) for rows in self.problems.values())


class AlertQuerySet(models.QuerySet):
    def restrict(self, actor):
        """The operator and supervisors see every alert; an authority reviewer the alerts on
        applications of departments in their region and below. The suspected department does
        not: telling it before the operator has decided would warn it."""
        if not _is_person(actor):
            return self.none()
        if actor.has_role(*OVERSEER_ROLES):
            return self
        return self.filter(reviewed_regions_q(actor, "organization__region__"))

    def open(self):
        return self.filter(state=Alert.State.OPEN)

    def confirmed_redistribution(self):
        """What supervision counts as selling or passing on access (R15, article 22)."""
        return self.filter(state=Alert.State.CONFIRMED, redistribution=True)


class Alert(models.Model):
    """An anomaly in one consuming application's use of the platform, with its evidence.

    The operator confirms it (with `redistribution` when access was sold or passed on, R15)
    or dismisses it, with a comment either way."""

    class Rule(models.TextChoices):
        VOLUME_SPIKE = "volume_spike", _("调用量突增")
        KEY_ENUMERATION = "key_enumeration", _("遍历大量不同主键")
        NEW_NETWORK = "new_network", _("凭证在新网络使用")
        OFF_HOURS = "off_hours", _("非工作时间集中调用")

    class State(models.TextChoices):
        OPEN = "open", _("待核查")
        CONFIRMED = "confirmed", _("已确认")
        DISMISSED = "dismissed", _("已排除")

    rule = models.CharField(_("规则"), max_length=30, choices=Rule.choices)
    application = models.ForeignKey("orgs.Application", verbose_name=_("应用系统"),
                                     on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey("orgs.Organization", verbose_name=_("所属单位"),
                                      on_delete=models.PROTECT, related_name="+")
    resource_code = models.CharField(_("资源代码"), max_length=40, blank=True)
    # What makes this alert distinct among the same rule's in one window (a resource code, a
    # network); one alert per (rule, application, subject, window).
    subject = models.CharField(_("对象"), max_length=100, blank=True)
    window_start = models.DateTimeField(_("时段开始"))
    window_end = models.DateTimeField(_("时段结束"))
    observed = models.FloatField(_("观测值"))
    threshold = models.FloatField(_("阈值"))
    evidence = models.JSONField(_("证据"), default=dict)
    state = models.CharField(_("状态"), max_length=20, choices=State.choices,
                             default=State.OPEN, db_index=True)
    redistribution = models.BooleanField(_("倒卖或转让访问权限"), default=False)
    comment = models.TextField(_("处理意见"), blank=True)
    opened_at = models.DateTimeField(_("发现时间"), default=clock.now)
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decided_by = models.ForeignKey("orgs.User", verbose_name=_("处理人"), null=True,
                                   blank=True, on_delete=models.PROTECT, related_name="+")

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("异常告警")
        verbose_name_plural = _("异常告警")
        constraints = [
            models.UniqueConstraint(fields=["rule", "application", "subject", "window_start"],
                                    name="alert_once_per_window"),
        ]

    def __str__(self):
        return f"{self.number} {self.get_rule_display()} · {self.application}"

    @property
    def number(self):
        return f"GJ{self.opened_at:%Y}{self.pk or 0:06d}"


class AccessWindow(models.Model):
    """One application's calls on one resource in one hour, folded in from the access
    records by the detector: counts, a sketch of the distinct keys asked for, the sources."""

    application = models.ForeignKey("orgs.Application", on_delete=models.CASCADE,
                                    related_name="+")
    resource_code = models.CharField(max_length=40)
    hour = models.DateTimeField()
    calls = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    rows = models.PositiveBigIntegerField(default=0)
    # A linear-counting bitmap of the keys (see `sketch.py`): mergeable across hours and days.
    keys = models.BinaryField(default=b"")
    # [address, credential key id] pairs seen (at most 100): the networks and who used them.
    sources = models.JSONField(default=list)

    class Meta:
        ordering = ["hour", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["application", "resource_code", "hour"],
                                    name="access_window_once_an_hour"),
        ]
        indexes = [models.Index(fields=["application", "hour"]), models.Index(fields=["hour"])]

    def __str__(self):
        return f"{self.application_id} {self.resource_code} {self.hour:%Y-%m-%d %H}:00"


class Baseline(models.Model):
    """What is usual for one application, learnt from its windows of the days before `day`."""

    application = models.OneToOneField("orgs.Application", on_delete=models.CASCADE,
                                       related_name="+")
    day = models.DateField(_("适用日期"))
    active_days = models.PositiveIntegerField(_("有调用的天数"), default=0)
    hourly_calls = models.FloatField(_("小时平均调用量"), default=0)
    daily_keys = models.JSONField(_("每日不同主键数（按资源）"), default=dict)
    off_hours_share = models.FloatField(_("非工作时间调用占比"), default=0)
    networks = models.JSONField(_("已知网络"), default=list)
    computed_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("调用基线")
        verbose_name_plural = _("调用基线")

    def __str__(self):
        return f"{self.application_id} @ {self.day:%Y-%m-%d}"


class DetectorCursor(models.Model):
    """The last access record the detector has read; its row is the lock one run holds."""

    last_record_id = models.BigIntegerField(default=0)
    last_run_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"#{self.last_record_id}"
