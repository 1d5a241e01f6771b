"""Service resources: a provider's existing query interface (接口) registered for a catalog
resource shared by API, the operations it offers, and one sample per proxied call for the
operator's health view.

The credential the platform presents to the provider is kept encrypted (see `vault`), because
the platform has to send it, not merely check it.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from govshare.catalog.models import Resource
from govshare.core import clock


class ServiceEndpoint(models.Model):
    """Where a resource's provider answers, how long to wait, and how to authenticate to it."""

    resource = models.OneToOneField(Resource, verbose_name=_("信息资源"),
                                    on_delete=models.CASCADE, related_name="service")
    base_url = models.URLField(_("服务地址"), max_length=500)
    timeout_seconds = models.FloatField(_("超时（秒）"), default=5.0)
    credential_header = models.CharField(_("凭证请求头"), max_length=100, blank=True)
    credential_encrypted = models.TextField(blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["resource__code"]
        verbose_name = _("接口服务")
        verbose_name_plural = _("接口服务")

    def __str__(self):
        return f"{self.resource.code} → {self.base_url}"


class Operation(models.Model):
    """One operation of a service. `parameters`: [{name, in ("path"|"query"), required, type
    ("string"|"integer"|"number"|"boolean"), pattern, item}], `item` naming the data item the
    parameter carries, if any. `response_fields`: {field: {type, item, required}}, the declared
    answer, each field mapped to the data item it returns; `response_kind` says whether the
    answer is one object or a list of them."""

    class Method(models.TextChoices):
        GET = "GET", "GET"
        POST = "POST", "POST"

    class Kind(models.TextChoices):
        OBJECT = "object", _("单个对象")
        ARRAY = "array", _("对象列表")

    endpoint = models.ForeignKey(ServiceEndpoint, on_delete=models.CASCADE,
                                 related_name="operations")
    operation_id = models.CharField(_("操作标识"), max_length=100)
    summary = models.CharField(_("说明"), max_length=300, blank=True)
    method = models.CharField(_("方法"), max_length=10, choices=Method.choices,
                              default=Method.GET)
    path_template = models.CharField(_("路径模板"), max_length=300)
    parameters = models.JSONField(_("参数"), default=list, blank=True)
    response_kind = models.CharField(_("返回形式"), max_length=10, choices=Kind.choices,
                                     default=Kind.OBJECT)
    response_fields = models.JSONField(_("返回字段"), default=dict)

    class Meta:
        ordering = ["endpoint", "path_template", "method"]
        verbose_name = _("接口操作")
        verbose_name_plural = _("接口操作")
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "operation_id"],
                                    name="service_operation_id_unique"),
            models.UniqueConstraint(fields=["endpoint", "method", "path_template"],
                                    name="service_operation_route_unique"),
        ]

    def __str__(self):
        return f"{self.method} {self.path_template}"

    @property
    def parameter_items(self) -> list[str]:
        return [p["item"] for p in self.parameters if p.get("item")]

    @property
    def returned_items(self) -> list[str]:
        return [f["item"] for f in self.response_fields.values() if f.get("item")]


class ServiceCall(models.Model):
    """One proxied call as the health view counts it: when, how it ended, how long it took."""

    class Outcome(models.TextChoices):
        OK = "ok", _("成功")
        PROVIDER_ERROR = "provider_error", _("服务方出错")
        UNREACHABLE = "unreachable", _("服务不可达")
        TIMEOUT = "timeout", _("超时")
        BAD_RESPONSE = "bad_response", _("返回不符合声明")

    endpoint = models.ForeignKey(ServiceEndpoint, on_delete=models.CASCADE,
                                 related_name="calls")
    operation = models.ForeignKey(Operation, null=True, on_delete=models.SET_NULL,
                                  related_name="+")
    at = models.DateTimeField(default=clock.now, db_index=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    status = models.PositiveSmallIntegerField(null=True)
    latency_ms = models.FloatField()
    request_id = models.CharField(max_length=64)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["endpoint", "at"], name="service_call_endpoint_at")]

    def __str__(self):
        return f"{self.request_id} {self.outcome} {self.latency_ms} ms"
