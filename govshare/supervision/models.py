"""Supervision (监督检查, R9 R20 R21): inspections and the findings they leave, rectification
notices and the criticism list, department rankings, the register of government-funded
information projects, and the supervision reports delivered to the authority.

A finding is one violation of article 22 by one department in one period, about one object
(a resource, a request, a deadline, a node key, a project, the department itself); inspecting
again updates it instead of adding another.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from govshare.catalog.models import Resource
from govshare.core import clock
from govshare.exchange.models import Node
from govshare.orgs.models import Application, Organization, Region, Role, User


class Rule(models.TextChoices):
    """The violations of article 22 an inspection looks for, by item."""

    PRIVATE_CHANNEL = "private_channel", _("绕过平台交换数据（推送未经注册批准的节点）")
    PROJECT_UNSHARED = "project_unshared", _("不共享的信息化项目获批建设")
    CATALOG_MISSING = "catalog_missing", _("未编制信息资源目录")
    CATALOG_STALE = "catalog_stale", _("未按更新周期更新数据")
    REFORM_NOT_RESUBMITTED = "reform_not_resubmitted", _("机构改革后未重新报送目录变更")
    SHARED_WITHOUT_DATA = "shared_without_data", _("已编目共享的资源未通过平台提供数据")
    NO_NODE = "no_node", _("未接入平台前置交换系统")
    REFUSAL_WITHOUT_GROUND = "refusal_without_ground", _("拒绝共享未引用法定依据")
    OVERDUE_STEP = "overdue_step", _("逾期未答复、说明或决定")
    ACCESS_REDISTRIBUTED = "access_redistributed", _("出售或转让共享数据访问权")


# Article 22's item for each rule (一 private facilities, 二 funded projects, 三 catalog,
# 四 not sharing free through the platform, 五 selling or passing on access).
ARTICLE_22_ITEM = {
    Rule.PRIVATE_CHANNEL: "一", Rule.PROJECT_UNSHARED: "二",
    Rule.CATALOG_MISSING: "三", Rule.CATALOG_STALE: "三", Rule.REFORM_NOT_RESUBMITTED: "三",
    Rule.SHARED_WITHOUT_DATA: "四", Rule.NO_NODE: "四", Rule.REFUSAL_WITHOUT_GROUND: "四",
    Rule.OVERDUE_STEP: "四", Rule.ACCESS_REDISTRIBUTED: "五",
}


def _overseen_q(actor, prefix):
    """Rows whose organisation (through `prefix`) lies in a region the actor supervises as an
    authority reviewer or a supervisor."""
    q = Q(pk__in=[])
    for assignment in actor.role_assignments():
        if assignment.role in (Role.AUTHORITY_REVIEWER, Role.SUPERVISOR) and assignment.region_id:
            path = assignment.region.path
            q |= Q(**{f"{prefix}region__path": path})
            q |= Q(**{f"{prefix}region__path__startswith": path + "/"})
    return q


def _restricted(queryset, actor, prefix):
    """What `actor` may see of rows belonging to an organisation (through `prefix`): all for
    the operator; its region's for an authority reviewer or supervisor; its own organisations'
    for a department's people."""
    if not isinstance(actor, User):
        return queryset.none()
    if actor.is_operator:
        return queryset
    own = [a.organization_id for a in actor.role_assignments() if a.organization_id]
    return queryset.filter(_overseen_q(actor, prefix) | Q(**{f"{prefix}id__in": own}))


class _Message(models.Model):
    """A Chinese source message and its values, shown in the reader's language when read."""

    message = models.CharField(max_length=300)
    params = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True

    @property
    def text(self):
        try:
            return gettext(self.message) % self.params
        except (KeyError, TypeError, ValueError):
            return gettext(self.message)


class Inspection(models.Model):
    """One run of every rule over a region (and the regions below it) for one period."""

    class Trigger(models.TextChoices):
        TASK = "task", _("定期任务")
        ON_DEMAND = "on_demand", _("人工发起")

    region = models.ForeignKey(Region, verbose_name=_("行政区划"), on_delete=models.PROTECT,
                               related_name="+")
    period = models.CharField(_("期间"), max_length=10, db_index=True)
    trigger = models.CharField(_("发起方式"), max_length=20, choices=Trigger.choices)
    run_by = models.ForeignKey(User, verbose_name=_("发起人"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField(_("开始时间"), default=clock.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    counts = models.JSONField(_("发现问题数"), default=dict, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("监督检查")
        verbose_name_plural = _("监督检查")

    def __str__(self):
        return f"{self.region} {self.period} #{self.pk}"


class FindingQuerySet(models.QuerySet):
    def restrict(self, actor):
        return _restricted(self, actor, "organization__")

    def open(self):
        return self.filter(status=Finding.Status.OPEN)


class Finding(_Message):
    """One violation found: which rule, which department, which period, about what, and the
    evidence the rule read from the database."""

    class Status(models.TextChoices):
        OPEN = "open", _("待整改")
        RESOLVED = "resolved", _("复查已消除")
        RECTIFIED = "rectified", _("已整改")

    rule = models.CharField(_("问题类型"), max_length=30, choices=Rule.choices)
    organization = models.ForeignKey(Organization, verbose_name=_("被检查单位"),
                                     on_delete=models.PROTECT, related_name="findings")
    period = models.CharField(_("期间"), max_length=10, db_index=True)
    object_type = models.CharField(max_length=50)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(_("涉及对象"), max_length=300)
    evidence = models.JSONField(_("证据"), default=dict)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices,
                              default=Status.OPEN, db_index=True)
    inspection = models.ForeignKey(Inspection, verbose_name=_("最近一次检查"),
                                   on_delete=models.PROTECT, related_name="findings")
    first_found_at = models.DateTimeField(_("首次发现"), default=clock.now)
    last_found_at = models.DateTimeField(_("最近发现"), default=clock.now)
    resolved_at = models.DateTimeField(_("消除时间"), null=True, blank=True)

    objects = FindingQuerySet.as_manager()

    class Meta:
        ordering = ["-last_found_at", "rule", "pk"]
        verbose_name = _("检查发现的问题")
        verbose_name_plural = _("检查发现的问题")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "organization", "period", "object_type", "object_id"],
                name="finding_once_per_rule_department_period_object"),
        ]

    def __str__(self):
        return f"{self.get_rule_display()} · {self.organization} · {self.period}"

    @property
    def article_item(self):
        return ARTICLE_22_ITEM[self.rule]


class NoticeQuerySet(models.QuerySet):
    def restrict(self, actor):
        return _restricted(self, actor, "organization__")


class RectificationNotice(models.Model):
    """A rectification notice (整改通知): the issuer tells a department what to rectify by when;
    the department answers with what it did (or declines); the issuer closes or reopens it."""

    class State(models.TextChoices):
        ISSUED = "issued", _("待整改")
        ANSWERED = "answered", _("已报送整改情况")
        CLOSED = "closed", _("已办结")
        DECLINED = "declined", _("拒不整改")

    organization = models.ForeignKey(Organization, verbose_name=_("整改单位"),
                                     on_delete=models.PROTECT, related_name="notices")
    findings = models.ManyToManyField(Finding, verbose_name=_("涉及的问题"),
                                      related_name="notices")
    requirements = models.TextField(_("整改要求"))
    due_date = models.DateField(_("整改期限"))
    state = models.CharField(_("状态"), max_length=20, choices=State.choices,
                             default=State.ISSUED, db_index=True)
    issued_by = models.ForeignKey(User, verbose_name=_("发出人"), on_delete=models.PROTECT,
                                  related_name="+")
    issued_at = models.DateTimeField(_("发出时间"), default=clock.now)
    answer = models.TextField(_("整改情况"), blank=True)
    answered_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("整改通知")
        verbose_name_plural = _("整改通知")

    def __str__(self):
        return f"{self.number} {self.organization}"

    @property
    def number(self):
        return f"ZG{self.issued_at:%Y}{self.pk or 0:06d}"

    def is_overdue(self, on=None) -> bool:
        """Waiting for the department past its due date."""
        return self.state == self.State.ISSUED and (on or clock.today()) > self.due_date


class NoticeEvent(models.Model):
    """One step on a notice: who, when, what they said."""

    notice = models.ForeignKey(RectificationNotice, on_delete=models.CASCADE,
                               related_name="events")
    action = models.CharField(_("操作"), max_length=20)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor_name = models.CharField(_("操作人"), max_length=200)
    at = models.DateTimeField(_("时间"), default=clock.now)
    comment = models.TextField(_("意见"), blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.actor_name}"


class CriticismQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published_at__isnull=False)


class Criticism(_Message):
    """An entry of the criticism list (通报批评): a department that let a notice run past its
    due date or declined to rectify. Public once the authority publishes it."""

    class Reason(models.TextChoices):
        OVERDUE = "overdue", _("逾期未整改")
        DECLINED = "declined", _("拒不整改")

    notice = models.OneToOneField(RectificationNotice, verbose_name=_("整改通知"),
                                  on_delete=models.PROTECT, related_name="criticism")
    organization = models.ForeignKey(Organization, verbose_name=_("被通报单位"),
                                     on_delete=models.PROTECT, related_name="criticisms")
    reason = models.CharField(_("通报原因"), max_length=20, choices=Reason.choices)
    listed_at = models.DateTimeField(_("列入时间"), default=clock.now)
    published_at = models.DateTimeField(_("通报时间"), null=True, blank=True)
    published_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    objects = CriticismQuerySet.as_manager()

    class Meta:
        ordering = ["-listed_at", "-pk"]
        verbose_name = _("通报批评")
        verbose_name_plural = _("通报批评")

    def __str__(self):
        return f"{self.organization} · {self.get_reason_display()}"


class Ranking(models.Model):
    """The departments of a region ranked for one period (R20), with the weights it used."""

    region = models.ForeignKey(Region, verbose_name=_("行政区划"), on_delete=models.PROTECT,
                               related_name="+")
    period = models.CharField(_("期间"), max_length=10)
    weights = models.JSONField(_("权重"))
    findings_cap = models.PositiveIntegerField(_("问题数封顶值"))
    computed_at = models.DateTimeField(_("计算时间"), default=clock.now)

    class Meta:
        ordering = ["-period", "region__code"]
        verbose_name = _("共享工作排名")
        verbose_name_plural = _("共享工作排名")
        constraints = [
            models.UniqueConstraint(fields=["region", "period"], name="ranking_once_per_period"),
        ]

    def __str__(self):
        return f"{self.region} {self.period}"


class RankingEntry(models.Model):
    """One department's place: each part's value and score, the weighted total, the rank."""

    ranking = models.ForeignKey(Ranking, on_delete=models.CASCADE, related_name="entries")
    organization = models.ForeignKey(Organization, verbose_name=_("单位"),
                                     on_delete=models.PROTECT, related_name="+")
    counts = models.JSONField(_("计数"))
    parts = models.JSONField(_("分项得分"))
    score = models.FloatField(_("得分"))
    rank = models.PositiveIntegerField(_("名次"))

    class Meta:
        ordering = ["rank", "organization__name"]

    def __str__(self):
        return f"{self.rank}. {self.organization} {self.score:.2f}"


class ProjectQuerySet(models.QuerySet):
    def restrict(self, actor):
        return _restricted(self, actor, "department__")


class InfoProject(models.Model):
    """A government-funded information project (信息化项目) in the register (R9): approved
    only when what it produces is catalogued and what it runs is connected to the platform,
    unless it is secret."""

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("未批准")

    name = models.CharField(_("项目名称"), max_length=200)
    department = models.ForeignKey(Organization, verbose_name=_("建设单位"),
                                   on_delete=models.PROTECT, related_name="projects")
    funding = models.DecimalField(_("财政资金（万元）"), max_digits=12, decimal_places=2)
    description = models.TextField(_("建设内容"), blank=True)
    is_secret = models.BooleanField(_("涉密项目"), default=False)
    state = models.CharField(_("状态"), max_length=20, choices=State.choices,
                             default=State.DRAFT, db_index=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), default=clock.now)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_comment = models.TextField(_("审批意见"), blank=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("信息化项目")
        verbose_name_plural = _("信息化项目")

    def __str__(self):
        return self.name

    @property
    def is_editable(self):
        return self.state in (self.State.DRAFT, self.State.REJECTED)


class ProjectResource(models.Model):
    """An information resource the project will produce, and its catalog entry once there."""

    project = models.ForeignKey(InfoProject, on_delete=models.CASCADE,
                                related_name="planned_resources")
    name = models.CharField(_("资源名称"), max_length=200)
    resource = models.ForeignKey(Resource, verbose_name=_("目录中的资源"), null=True,
                                 blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.name


class ProjectSystem(models.Model):
    """An information system the project will run, and its registration on the platform (a
    consuming application or an exchange node)."""

    project = models.ForeignKey(InfoProject, on_delete=models.CASCADE, related_name="systems")
    name = models.CharField(_("系统名称"), max_length=200)
    application = models.ForeignKey(Application, verbose_name=_("登记的应用系统"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+")
    node = models.ForeignKey(Node, verbose_name=_("登记的交换节点"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.name


class ReportQuerySet(models.QuerySet):
    def restrict(self, actor):
        """Reports go to the authority: its reviewers, supervisors and the operator."""
        if not isinstance(actor, User):
            return self.none()
        if actor.is_operator:
            return self
        q = Q(pk__in=[])
        for assignment in actor.role_assignments():
            if assignment.role in (Role.AUTHORITY_REVIEWER, Role.SUPERVISOR) and \
                    assignment.region_id:
                path = assignment.region.path
                q |= Q(region__path=path) | Q(region__path__startswith=path + "/")
        return self.filter(q)


def _report_path(instance, filename):
    return f"supervision/reports/{instance.region.code}/{instance.period}/{filename}"


class SupervisionReport(models.Model):
    """The supervision report of a region for a period, as PDF and XLSX."""

    region = models.ForeignKey(Region, verbose_name=_("行政区划"), on_delete=models.PROTECT,
                               related_name="+")
    period = models.CharField(_("期间"), max_length=10)
    created_at = models.DateTimeField(_("生成时间"), default=clock.now)
    created_by = models.CharField(_("生成者"), max_length=200)
    summary = models.JSONField(_("摘要"), default=dict)
    pdf = models.FileField(upload_to=_report_path, max_length=300)
    xlsx = models.FileField(upload_to=_report_path, max_length=300)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("监督检查报告")
        verbose_name_plural = _("监督检查报告")

    def __str__(self):
        return f"{self.region} {self.period}"
