"""Regions, organisations, people and their roles, consuming applications and their credentials."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from govshare.core import clock

from .credit_code import credit_code_errors


class Region(models.Model):
    """An administrative division (行政区划) identified by its GB/T 2260 code."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("省")
        CITY = "city", _("市")
        COUNTY = "county", _("县（区）")

    code = models.CharField(_("区划代码"), max_length=6, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级区划"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    # Codes from the root down ("130000/130100/130102"), so a subtree is one prefix match.
    path = models.CharField(max_length=200, editable=False, db_index=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.path = f"{self.parent.path}/{self.code}" if self.parent_id else self.code
        super().save(*args, **kwargs)

    def clean(self):
        if not (len(self.code) == 6 and self.code.isdigit()):
            raise DjangoValidationError({"code": _("区划代码为6位数字（GB/T 2260）。")})

    def contains(self, other: "Region") -> bool:
        """True when `other` is this region or lies below it."""
        return other.path == self.path or other.path.startswith(self.path + "/")

    def ancestors(self):
        """This region's ancestors from the root down, excluding itself."""
        codes = self.path.split("/")[:-1]
        return list(Region.objects.filter(code__in=codes).order_by("path"))

    def subtree(self):
        return Region.objects.filter(Q(pk=self.pk) | Q(path__startswith=self.path + "/"))


class Organization(models.Model):
    """A government department, or the authority or operator of a region (政务部门)."""

    class Kind(models.TextChoices):
        ORGAN = "organ", _("行政机关")
        PUBLIC_INSTITUTION = "public_institution", _("事业单位")
        AUTHORISED = "authorised", _("法律法规授权组织")

    class Duty(models.TextChoices):
        DEPARTMENT = "department", _("政务部门")
        AUTHORITY = "authority", _("信息共享主管部门")
        OPERATOR = "operator", _("平台运维单位")

    name = models.CharField(_("名称"), max_length=200)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.ORGAN)
    duty = models.CharField(
        _("职责"), max_length=20, choices=Duty.choices, default=Duty.DEPARTMENT
    )
    region = models.ForeignKey(
        Region, verbose_name=_("行政区划"), on_delete=models.PROTECT, related_name="organizations"
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("上级单位"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    short_code = models.CharField(
        _("部门代码"), max_length=12, blank=True,
        help_text=_("用于资源代码；默认取统一社会信用代码中的组织机构代码部分。"),
    )

    class Meta:
        ordering = ["region__code", "name"]
        verbose_name = _("组织机构")
        verbose_name_plural = _("组织机构")
        constraints = [
            models.UniqueConstraint(
                fields=["region"], condition=Q(duty="authority"), name="one_authority_per_region"
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = credit_code_errors(self.credit_code or "")
        if errors:
            raise DjangoValidationError({"credit_code": errors})


class UserQuerySet(models.QuerySet):
    def restrict(self, actor):
        """The users `actor` may see: everyone for the operator, the people of the organisations
        a department administrator manages, and always oneself."""
        if not isinstance(actor, User):
            return self.none()
        if actor.is_operator:
            return self
        managed = [a.organization_id for a in actor.role_assignments()
                   if a.role == Role.DEPT_ADMIN]
        return self.filter(Q(pk=actor.pk) | Q(organization_id__in=managed))


class GovshareUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """A person using the platform; belongs to one organisation, holds scoped roles."""

    display_name = models.CharField(_("姓名"), max_length=100, blank=True)
    organization = models.ForeignKey(
        Organization, verbose_name=_("所属单位"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="users",
    )

    objects = GovshareUserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self):
        return self.display_name or self.username

    actor_type = "user"

    def role_assignments(self):
        """This user's roles, read once per instance (a request) and reused."""
        cached = getattr(self, "_role_cache", None)
        if cached is None:
            cached = list(self.roles.select_related("organization__region", "region"))
            self._role_cache = cached
        return cached

    def forget_roles(self):
        self._role_cache = None

    def has_org_role(self, organization, *roles) -> bool:
        """True when the user holds one of `roles` in `organization`."""
        return any(
            a.role in roles and a.organization_id == organization.pk
            for a in self.role_assignments()
        )

    def has_region_role(self, region, *roles) -> bool:
        """True when the user holds one of `roles` scoped to `region` or a region above it."""
        return any(
            a.role in roles and a.region_id is not None and a.region.contains(region)
            for a in self.role_assignments()
        )

    def has_role(self, *roles) -> bool:
        return any(a.role in roles for a in self.role_assignments())

    @property
    def is_operator(self) -> bool:
        return self.has_role(Role.OPERATOR)

    def has_perm(self, perm, obj=None):
        """Django's model permissions, used only by the admin, belong to the operator (R6)."""
        return self.is_active and (self.is_operator or super().has_perm(perm, obj))

    def has_module_perms(self, app_label):
        return self.is_active and (self.is_operator or super().has_module_perms(app_label))


class Role(models.TextChoices):
    """The roles of the regulation; the first three are scoped to an organisation."""

    DEPT_STAFF = "dept_staff", _("部门工作人员")
    SHARING_OFFICER = "sharing_officer", _("部门共享专员")
    DEPT_ADMIN = "dept_admin", _("部门管理员")
    AUTHORITY_REVIEWER = "authority_reviewer", _("主管部门审核员")
    OPERATOR = "operator", _("平台运维人员")
    SUPERVISOR = "supervisor", _("监督人员")


ORGANIZATION_ROLES = {Role.DEPT_STAFF, Role.SHARING_OFFICER, Role.DEPT_ADMIN}
REGION_ROLES = {Role.AUTHORITY_REVIEWER, Role.OPERATOR, Role.SUPERVISOR}


class RoleAssignment(models.Model):
    """One role held by one user, scoped to an organisation or to a region (and below)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices)
    organization = models.ForeignKey(
        Organization, verbose_name=_("单位"), null=True, blank=True, on_delete=models.CASCADE
    )
    region = models.ForeignKey(
        Region, verbose_name=_("行政区划"), null=True, blank=True, on_delete=models.CASCADE
    )
    granted_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["user__username", "role"]
        verbose_name = _("角色授予")
        verbose_name_plural = _("角色授予")
        constraints = [
            models.CheckConstraint(
                condition=(Q(organization__isnull=False, region__isnull=True)
                           | Q(organization__isnull=True, region__isnull=False)),
                name="role_scoped_to_organization_or_region",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "organization", "region"], name="role_once_per_scope"
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.scope}"

    @property
    def scope(self):
        return self.organization or self.region

    def clean(self):
        if self.role in ORGANIZATION_ROLES and not self.organization_id:
            raise DjangoValidationError(
                {"organization": _("该角色须限定在某个单位内。")}
            )
        if self.role in REGION_ROLES and not self.region_id:
            raise DjangoValidationError({"region": _("该角色须限定在某个行政区划内。")})


class ApplicationQuerySet(models.QuerySet):
    def restrict(self, actor):
        """The applications `actor` may see: an application itself, the applications of the
        organisations a person holds department roles in, and all of them for the operator."""
        if isinstance(actor, Application):
            return self.filter(pk=actor.pk)
        if not isinstance(actor, User):
            return self.none()
        if actor.is_operator:
            return self
        orgs = [a.organization_id for a in actor.role_assignments() if a.organization_id]
        return self.filter(organization_id__in=orgs)


class Application(models.Model):
    """A consuming system (应用系统) of one organisation; it calls the API with credentials."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("所属单位"), on_delete=models.PROTECT,
        related_name="applications",
    )
    name = models.CharField(_("名称"), max_length=200)
    description = models.TextField(_("说明"), blank=True)
    contact = models.CharField(_("负责人及联系方式"), max_length=200, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(default=clock.now)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["organization__name", "name"]
        verbose_name = _("应用系统")
        verbose_name_plural = _("应用系统")
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="application_name_unique")
        ]

    def __str__(self):
        return self.name

    actor_type = "application"
    is_authenticated = True


class Credential(models.Model):
    """An API credential of one application; only its SHA-256 hash is kept."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="credentials"
    )
    # The public part of the token, so the hash lookup is a unique-index probe.
    key_id = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField(_("有效期至"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("访问凭证")
        verbose_name_plural = _("访问凭证")

    def __str__(self):
        return f"gs_{self.key_id}_…"

    def is_usable(self, at=None) -> bool:
        at = at or clock.now()
        return (
            self.revoked_at is None
            and (self.expires_at is None or self.expires_at > at)
            and self.application.is_active
        )

    @property
    def status(self):
        if self.revoked_at:
            return _("已吊销")
        if self.expires_at and self.expires_at <= clock.now():
            return _("已过期")
        return _("有效")
