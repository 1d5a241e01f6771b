"""Federation between platforms (R7, R8): the peer platforms this one trusts, the catalog
entries harvested from them, the departments of a peer that act here, and the requests made on
a peer's platform for a department of this one.

A peer is known by its Ed25519 key, like an exchange node; each side's operator approves the
other separately, and a signed call is accepted only from a peer approved here.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from govshare.catalog.models import Resource
from govshare.core import clock
from govshare.orgs.models import Application, Organization, User


class PeerQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(state=Peer.State.APPROVED)

    def restrict(self, actor):
        """The operator manages every peer; everyone else sees the approved ones."""
        return self if getattr(actor, "is_operator", False) else self.approved()


class Peer(models.Model):
    """Another installation: the province's above this one, or a city's below it."""

    class State(models.TextChoices):
        PENDING = "pending", _("待批准")
        APPROVED = "approved", _("已批准")
        REVOKED = "revoked", _("已吊销")

    name = models.CharField(_("名称"), max_length=200)
    base_url = models.URLField(_("平台地址"), max_length=300)
    region_code = models.CharField(_("服务区划代码"), max_length=6)
    key_id = models.CharField(_("密钥标识"), max_length=64, unique=True)
    public_key = models.CharField(_("公钥"), max_length=100)
    state = models.CharField(_("状态"), max_length=20, choices=State.choices,
                             default=State.PENDING)
    registered_at = models.DateTimeField(_("登记时间"), default=clock.now)
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)
    approved_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    # The last change of the peer's catalog feed applied here; advanced in the transaction that
    # applies the change, so a crash never skips one nor applies one twice.
    harvest_cursor = models.BigIntegerField(_("采集位置"), default=0)
    harvested_at = models.DateTimeField(_("最近采集"), null=True, blank=True)

    objects = PeerQuerySet.as_manager()

    class Meta:
        ordering = ["region_code", "name"]
        verbose_name = _("级联平台")
        verbose_name_plural = _("级联平台")

    def __str__(self):
        return self.name

    actor_type = "peer"
    organization_id = None
    is_authenticated = True
    is_active = True


class HarvestedResource(models.Model):
    """A catalog resource incorporated from a peer's catalog (R7), and where it came from."""

    resource = models.OneToOneField(Resource, on_delete=models.CASCADE, related_name="origin")
    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="harvested")
    origin_version = models.PositiveIntegerField(_("来源版本号"))
    change = models.BigIntegerField(_("来源变更序号"))
    harvested_at = models.DateTimeField(_("采集时间"), default=clock.now)

    class Meta:
        verbose_name = _("采集的资源")
        verbose_name_plural = _("采集的资源")

    def __str__(self):
        return f"{self.resource.code} ← {self.peer}"


class RemoteDepartment(models.Model):
    """A peer's department acting on this platform: its organisation here (matched by the
    unified social credit code) and the application its relayed gateway calls are served to."""

    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="departments")
    organization = models.OneToOneField(Organization, on_delete=models.PROTECT,
                                        related_name="federation")
    # Who files the department's requests here: an account with no password, acting only on
    # the peer's signed calls, so the sharing workflow runs unchanged; and the application its
    # relayed gateway calls read through.
    delegate = models.OneToOneField(User, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    application = models.OneToOneField(Application, null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("级联平台的部门")
        verbose_name_plural = _("级联平台的部门")

    def __str__(self):
        return f"{self.organization} ({self.peer})"


class RemoteRequest(models.Model):
    """A share request a department of this platform made on a peer's platform; the request
    and its consultation run there, this is the local mirror of its state."""

    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="requests")
    requester = models.ForeignKey(Organization, verbose_name=_("申请单位"),
                                  on_delete=models.PROTECT, related_name="remote_requests")
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    resource_code = models.CharField(_("资源代码"), max_length=40)
    resource_name = models.CharField(_("资源名称"), max_length=200, blank=True)
    remote_id = models.BigIntegerField(_("对方申请编号"))
    remote_number = models.CharField(_("对方申请号"), max_length=40, blank=True)
    state = models.CharField(_("状态"), max_length=30)
    state_label = models.CharField(_("状态说明"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("申请时间"), default=clock.now)
    refreshed_at = models.DateTimeField(_("同步时间"), default=clock.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("跨平台共享申请")
        verbose_name_plural = _("跨平台共享申请")
        constraints = [models.UniqueConstraint(fields=["peer", "remote_id"],
                                               name="remote_request_once")]

    def __str__(self):
        return f"{self.peer} #{self.remote_number or self.remote_id} {self.resource_code}"
