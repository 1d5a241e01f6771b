"""The catalog: classifications, resources and their versions, data items, data elements and
their single authoritative source (一数一源).

A `Resource` is the stable identity (code, provider, lifecycle state, the version in force); each
`ResourceVersion` carries the descriptive metadata of GB/T 21063.3 and the 2017 catalog
compilation guide and is frozen once submitted. Data items belong to a version; their
`identifier` is stable across versions so other apps can name them as resource + identifier.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from govshare.core import clock
from govshare.orgs.models import Organization, Role, User


class CatalogType(models.TextChoices):
    """The first level (类) of the classification."""

    BASIC = "basic", _("基础信息资源")
    THEME = "theme", _("主题信息资源")
    DEPARTMENT = "department", _("部门信息资源")


# The one-digit class code that opens a classification code and a resource code.
CATALOG_TYPE_CODES = {CatalogType.BASIC: "1", CatalogType.THEME: "2", CatalogType.DEPARTMENT: "3"}


class ShareType(models.TextChoices):
    UNCONDITIONAL = "unconditional", _("无条件共享")
    CONDITIONAL = "conditional", _("有条件共享")
    NOT_SHARED = "not_shared", _("不予共享")


class ShareMode(models.TextChoices):
    API = "api", _("接口服务")
    TABLE = "table", _("库表同步")
    FILE = "file", _("文件下载")


class OpenType(models.TextChoices):
    OPEN = "open", _("无条件开放")
    CONDITIONAL = "conditional", _("有条件开放")
    NOT_OPEN = "not_open", _("不予开放")


class UpdateCycle(models.TextChoices):
    REAL_TIME = "real_time", _("实时")
    DAILY = "daily", _("每日")
    WEEKLY = "weekly", _("每周")
    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季度")
    HALF_YEARLY = "half_yearly", _("每半年")
    YEARLY = "yearly", _("每年")
    IRREGULAR = "irregular", _("不定期")


# How long data may go without an update before the resource is stale. Real-time feeds get a
# day's grace; irregular updates are never stale by the calendar.
UPDATE_CYCLE_PERIODS = {
    UpdateCycle.REAL_TIME: timedelta(days=1),
    UpdateCycle.DAILY: timedelta(days=1),
    UpdateCycle.WEEKLY: timedelta(days=7),
    UpdateCycle.MONTHLY: timedelta(days=31),
    UpdateCycle.QUARTERLY: timedelta(days=92),
    UpdateCycle.HALF_YEARLY: timedelta(days=183),
    UpdateCycle.YEARLY: timedelta(days=366),
}


class ResourceFormat(models.TextChoices):
    """信息资源格式 of the compilation guide."""

    DATABASE = "database", _("数据库表")
    SPREADSHEET = "spreadsheet", _("电子表格")
    FILE = "file", _("电子文件")
    IMAGE = "image", _("图形图像")
    MEDIA = "media", _("流媒体")
    API = "api", _("接口服务")
    OTHER = "other", _("其他")


class DataType(models.TextChoices):
    STRING = "string", _("字符型")
    INTEGER = "integer", _("整型")
    DECIMAL = "decimal", _("数值型")
    DATE = "date", _("日期型")
    DATETIME = "datetime", _("日期时间型")
    BOOLEAN = "boolean", _("逻辑型")
    TEXT = "text", _("文本型")
    BINARY = "binary", _("二进制")


class ChangeReason(models.TextChoices):
    INSTITUTIONAL_REFORM = "institutional_reform", _("机构改革")
    CONTENT = "content", _("内容调整")
    SHARE_ATTRIBUTES = "share_attributes", _("共享属性调整")
    CORRECTION = "correction", _("纠错")
    OTHER = "other", _("其他")


class Classification(models.Model):
    """One node of the 类 / 项 / 目 / 细目 tree; its code is the path of its level codes
    (1, 2, 3 and 3 digits), so "101" is 基础信息资源 → 人口."""

    class Level(models.IntegerChoices):
        CLASS = 1, _("类")
        ITEM = 2, _("项")
        CATALOG = 3, _("目")
        DETAIL = 4, _("细目")

    code = models.CharField(_("分类代码"), max_length=9, unique=True)
    name = models.CharField(_("分类名称"), max_length=100)
    level = models.PositiveSmallIntegerField(_("层级"), choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级分类"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("资源分类")
        verbose_name_plural = _("资源分类")

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def catalog_type(self):
        return {v: k for k, v in CATALOG_TYPE_CODES.items()}[self.code[0]]

    @property
    def padded_code(self):
        """The nine-digit 前段码 used in resource codes (missing levels are zeros)."""
        return self.code.ljust(9, "0")

    def lineage(self):
        """Names from 类 down to this node, e.g. ["基础信息资源", "人口"]."""
        node, names = self, []
        while node is not None:
            names.append(node.name)
            node = node.parent
        return names[::-1]


class ResourceQuerySet(models.QuerySet):
    def published(self):
        """Resources with a version in force (a pending change does not hide them)."""
        return self.filter(status=Resource.Status.PUBLISHED, published_version__isnull=False)

    def restrict(self, actor):
        """What `actor` may see: every published resource for anyone logged in (the catalog is
        shared province-wide, R3); unpublished ones for the provider's people, the authority
        reviewers above the provider's region, the operator and supervisors."""
        if not isinstance(actor, User):
            return self.published() if getattr(actor, "is_authenticated", False) else self.none()
        if actor.has_role(Role.OPERATOR, Role.SUPERVISOR):
            return self
        visible = Q(status=Resource.Status.PUBLISHED)
        organizations = [a.organization_id for a in actor.role_assignments() if a.organization_id]
        if organizations:
            visible |= Q(provider_id__in=organizations)
        for assignment in actor.role_assignments():
            if assignment.role == Role.AUTHORITY_REVIEWER and assignment.region_id:
                path = assignment.region.path
                visible |= Q(provider__region__path=path)
                visible |= Q(provider__region__path__startswith=path + "/")
        return self.filter(visible)

    def stale(self, at=None):
        """Published resources whose data was not updated within their update cycle. The clock
        starts at the last data update, or at first publication when there was none."""
        at = at or clock.now()
        stale = Q(pk__in=[])
        for cycle, period in UPDATE_CYCLE_PERIODS.items():
            stale |= Q(published_version__update_cycle=cycle) & (
                Q(data_updated_at__lt=at - period)
                | Q(data_updated_at__isnull=True, first_published_at__lt=at - period)
            )
        return self.published().filter(stale)


class Resource(models.Model):
    """An information resource (政务信息资源): stable code, provider and lifecycle state."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已提交")
        RETURNED = "returned", _("已退回")
        PUBLISHED = "published", _("已发布")
        WITHDRAWN = "withdrawn", _("已撤销")

    code = models.CharField(_("资源代码"), max_length=40, unique=True)
    provider = models.ForeignKey(
        Organization, verbose_name=_("提供方"), on_delete=models.PROTECT,
        related_name="resources",
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    published_version = models.ForeignKey(
        "ResourceVersion", verbose_name=_("现行版本"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    data_updated_at = models.DateTimeField(_("数据更新时间"), null=True, blank=True)
    first_published_at = models.DateTimeField(_("首次发布时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)
    created_by = models.ForeignKey(
        User, verbose_name=_("创建人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    withdraw_reason = models.TextField(_("撤销原因"), blank=True)

    objects = ResourceQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("信息资源")
        verbose_name_plural = _("信息资源")

    def __str__(self):
        version = self.current or self.latest_version
        return f"{self.code} {version.name}" if version else self.code

    @property
    def current(self):
        """The version in force, or None before the first publication."""
        return self.published_version

    @property
    def latest_version(self):
        return self.versions.order_by("-number").first()

    @property
    def pending_version(self):
        """The version being compiled or reviewed, not yet in force (the "changed" state)."""
        return (self.versions.filter(status__in=ResourceVersion.OPEN_STATUSES)
                .order_by("-number").first())

    @property
    def name(self):
        version = self.current or self.latest_version
        return version.name if version else ""

    @property
    def share_type(self):
        return self.current.share_type if self.current else None

    def data_items(self):
        """The data items of the version in force."""
        if not self.current:
            return DataItem.objects.none()
        return self.current.items.all()

    def data_item(self, identifier):
        """One data item of the version in force, by its stable identifier."""
        return self.data_items().filter(identifier=identifier).first()

    def is_stale(self, at=None) -> bool:
        if not self.current or self.status != Resource.Status.PUBLISHED:
            return False
        period = UPDATE_CYCLE_PERIODS.get(self.current.update_cycle)
        since = self.data_updated_at or self.first_published_at
        if period is None or since is None:
            return False
        return since < (at or clock.now()) - period


class ResourceVersion(models.Model):
    """One version of a resource's metadata; editable only while draft or returned."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待审核")
        RETURNED = "returned", _("已退回")
        PUBLISHED = "published", _("现行")
        SUPERSEDED = "superseded", _("已替代")
        WITHDRAWN = "withdrawn", _("已撤销")

    OPEN_STATUSES = (Status.DRAFT, Status.SUBMITTED, Status.RETURNED)
    EDITABLE_STATUSES = (Status.DRAFT, Status.RETURNED)

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    status = models.CharField(
        _("版本状态"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )

    name = models.CharField(_("资源名称"), max_length=200)
    summary = models.TextField(_("资源摘要"))
    classification = models.ForeignKey(
        Classification, verbose_name=_("资源分类"), on_delete=models.PROTECT, related_name="+"
    )
    keywords = models.CharField(_("关键字"), max_length=200, blank=True)
    format = models.CharField(
        _("资源格式"), max_length=20, choices=ResourceFormat.choices,
        default=ResourceFormat.DATABASE,
    )
    share_type = models.CharField(
        _("共享类型"), max_length=20, choices=ShareType.choices,
        default=ShareType.UNCONDITIONAL,
    )
    share_conditions = models.TextField(_("共享条件"), blank=True)
    legal_basis = models.TextField(_("不予共享依据"), blank=True)
    share_modes = models.JSONField(_("共享方式"), default=list, blank=True)
    open_type = models.CharField(
        _("开放属性"), max_length=20, choices=OpenType.choices, default=OpenType.NOT_OPEN
    )
    open_conditions = models.TextField(_("开放条件"), blank=True)
    update_cycle = models.CharField(
        _("更新周期"), max_length=20, choices=UpdateCycle.choices, default=UpdateCycle.MONTHLY
    )
    publish_date = models.DateField(_("发布日期"), null=True, blank=True)
    related_resources = models.ManyToManyField(
        Resource, verbose_name=_("关联资源"), blank=True, related_name="+"
    )
    contact = models.CharField(_("联系人及电话"), max_length=200, blank=True)

    change_reason = models.CharField(
        _("变更原因"), max_length=30, choices=ChangeReason.choices, blank=True
    )
    change_description = models.TextField(_("变更说明"), blank=True)

    created_at = models.DateTimeField(_("创建时间"), default=clock.now)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_comment = models.TextField(_("审核意见"), blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    class Meta:
        ordering = ["resource", "number"]
        verbose_name = _("资源版本")
        verbose_name_plural = _("资源版本")
        constraints = [
            models.UniqueConstraint(fields=["resource", "number"], name="version_number_unique"),
        ]

    def __str__(self):
        return f"{self.resource.code} v{self.number} {self.name}"

    @property
    def is_editable(self):
        return self.status in self.EDITABLE_STATUSES

    def clean(self):
        """The share and open attributes must agree (R3, R12): what is not shared names its
        legal ground, what is conditional states its conditions."""
        errors = {}
        modes = self.share_modes if isinstance(self.share_modes, list) else None
        if modes is None or any(m not in ShareMode.values for m in modes):
            errors["share_modes"] = _("共享方式只能是接口服务、库表同步、文件下载。")
        if self.share_type == ShareType.CONDITIONAL and not self.share_conditions.strip():
            errors["share_conditions"] = _("有条件共享的资源须说明共享条件。")
        if self.share_type == ShareType.NOT_SHARED:
            if not self.legal_basis.strip():
                errors["legal_basis"] = _(
                    "不予共享的资源须注明所依据的法律、行政法规或国家有关规定。")
            if self.open_type != OpenType.NOT_OPEN:
                errors["open_type"] = _("不予共享的资源不能向社会开放。")
        elif modes is not None and not modes and "share_modes" not in errors:
            errors["share_modes"] = _("可共享的资源须至少选择一种共享方式。")
        if self.open_type == OpenType.CONDITIONAL and not self.open_conditions.strip():
            errors["open_conditions"] = _("有条件开放的资源须说明开放条件。")
        if self.classification_id and self.classification.level < Classification.Level.ITEM:
            errors["classification"] = _("资源分类须细化到“项”或更低层级。")
        if errors:
            raise DjangoValidationError(errors)

    @property
    def catalog_type(self):
        return self.classification.catalog_type

    @property
    def share_mode_labels(self):
        return [ShareMode(m).label for m in self.share_modes if m in ShareMode.values]


class DataElement(models.Model):
    """A standard data element (数据元), e.g. 公民身份号码; `source` is the claim recognised as
    its one authoritative source (一数一源), if any."""

    identifier = models.CharField(_("数据元标识符"), max_length=40, unique=True)
    name = models.CharField(_("数据元名称"), max_length=100, unique=True)
    definition = models.TextField(_("定义"), blank=True)
    data_type = models.CharField(
        _("数据类型"), max_length=20, choices=DataType.choices, default=DataType.STRING
    )
    length = models.PositiveIntegerField(_("长度"), null=True, blank=True)
    standard = models.CharField(_("依据标准"), max_length=100, blank=True)
    source = models.ForeignKey(
        "SourceClaim", verbose_name=_("权威来源"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )

    class Meta:
        ordering = ["identifier"]
        verbose_name = _("数据元")
        verbose_name_plural = _("数据元")

    def __str__(self):
        return self.name


class DataItem(models.Model):
    """A field of a resource version (信息项)."""

    version = models.ForeignKey(ResourceVersion, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(_("序号"), default=0)
    identifier = models.CharField(_("信息项标识符"), max_length=64)
    name = models.CharField(_("信息项名称"), max_length=100)
    data_type = models.CharField(
        _("数据类型"), max_length=20, choices=DataType.choices, default=DataType.STRING
    )
    length = models.PositiveIntegerField(_("长度"), null=True, blank=True)
    description = models.TextField(_("说明"), blank=True)
    element = models.ForeignKey(
        DataElement, verbose_name=_("数据元"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="items",
    )
    is_key = models.BooleanField(_("主键"), default=False)
    is_source = models.BooleanField(_("权威来源"), default=False)

    class Meta:
        ordering = ["version", "position", "pk"]
        verbose_name = _("信息项")
        verbose_name_plural = _("信息项")
        constraints = [
            models.UniqueConstraint(fields=["version", "identifier"],
                                    name="item_identifier_unique_in_version"),
        ]

    def __str__(self):
        return f"{self.name} ({self.identifier})"


class SourceClaim(models.Model):
    """A resource's data item claiming to be the authoritative source of a data element."""

    class Status(models.TextChoices):
        CLAIMED = "claimed", _("待确认")
        RECOGNISED = "recognised", _("权威来源")
        REJECTED = "rejected", _("未采纳")
        WITHDRAWN = "withdrawn", _("已撤回")

    LIVE_STATUSES = (Status.CLAIMED, Status.RECOGNISED)

    element = models.ForeignKey(DataElement, on_delete=models.CASCADE, related_name="claims")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="source_claims")
    item_identifier = models.CharField(_("信息项标识符"), max_length=64)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.CLAIMED
    )
    claimed_at = models.DateTimeField(_("声明时间"), default=clock.now)

    class Meta:
        ordering = ["element", "claimed_at", "pk"]
        verbose_name = _("权威来源声明")
        verbose_name_plural = _("权威来源声明")
        constraints = [
            models.UniqueConstraint(fields=["element", "resource"], name="one_claim_per_resource"),
        ]

    def __str__(self):
        return f"{self.element} ← {self.resource.code}.{self.item_identifier}"

    @property
    def provider(self):
        return self.resource.provider


class SourceConflictQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=SourceConflict.Status.OPEN)


class SourceConflict(models.Model):
    """Two or more departments claim the same data element; an authority decides."""

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        RESOLVED = "resolved", _("已处理")

    element = models.ForeignKey(DataElement, on_delete=models.CASCADE, related_name="conflicts")
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    claims = models.ManyToManyField(SourceClaim, related_name="conflicts")
    raised_at = models.DateTimeField(_("发现时间"), default=clock.now)
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision = models.ForeignKey(
        SourceClaim, verbose_name=_("认定的权威来源"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    comment = models.TextField(_("处理意见"), blank=True)

    objects = SourceConflictQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at", "pk"]
        verbose_name = _("权威来源冲突")
        verbose_name_plural = _("权威来源冲突")
        constraints = [
            models.UniqueConstraint(fields=["element"], condition=Q(status="open"),
                                    name="one_open_conflict_per_element"),
        ]

    def __str__(self):
        return f"{self.element} ({self.get_status_display()})"
