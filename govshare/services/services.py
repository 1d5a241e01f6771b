"""Every change to service resources: registering a resource's service (where it answers, its
timeout, the credential the platform presents) and declaring its operations, by hand or from
the provider's OpenAPI document.

Each service checks its permission first, validates, writes, and records the audit entry, all in
one transaction. The provider's credential is never written to the audit record.
"""

from urllib.parse import urlsplit

from django.db import transaction
from django.utils.translation import gettext as _

from govshare.audit.services import audit_record
from govshare.catalog.models import Resource, ShareMode
from govshare.core import clock
from govshare.core.exceptions import InvalidTransition, ValidationError
from govshare.core.permissions import authorize

from . import operations, vault
from .models import Operation, ServiceEndpoint

MIN_TIMEOUT, MAX_TIMEOUT = 0.1, 60.0
HEADER_NAME = operations.NAME


def _items(resource: Resource) -> set[str]:
    return set(resource.data_items().values_list("identifier", flat=True))


@transaction.atomic
def service_register(actor, resource: Resource, *, base_url: str, timeout_seconds: float = 5.0,
                     credential_header: str = "", credential: str | None = None):
    """Register (or change) the service of a resource shared by API. `credential`, the value
    of `credential_header` the provider expects, is kept encrypted; None keeps the stored one."""
    authorize(actor, "service.register", resource)
    version = resource.current
    if resource.status != Resource.Status.PUBLISHED or version is None:
        raise InvalidTransition(_("资源尚未发布，不能登记接口服务。"))
    if ShareMode.API not in (version.share_modes or []):
        raise ValidationError({"resource": [_("该资源的共享方式不含接口服务。")]})
    parts = urlsplit(base_url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise ValidationError({"base_url": [_("服务地址应为 http(s):// 开头、不含查询串的网址。")]})
    try:
        timeout = float(timeout_seconds)
    except (TypeError, ValueError):
        timeout = -1.0
    if not MIN_TIMEOUT <= timeout <= MAX_TIMEOUT:
        raise ValidationError({"timeout_seconds": [_("超时应在0.1到60秒之间。")]})
    if credential_header and not HEADER_NAME.match(credential_header):
        raise ValidationError({"credential_header": [_("凭证请求头名称无效。")]})
    endpoint = ServiceEndpoint.objects.filter(resource=resource).first() or ServiceEndpoint(
        resource=resource)
    endpoint.base_url, endpoint.timeout_seconds = base_url.rstrip("/"), timeout
    endpoint.credential_header = credential_header
    if credential is not None:
        endpoint.credential_encrypted = vault.seal(credential)
    endpoint.updated_at = clock.now()
    endpoint.save()
    audit_record(actor, "service.register", endpoint, {
        "resource": resource.code, "base_url": endpoint.base_url, "timeout_seconds": timeout,
        "credential_header": credential_header, "credential_changed": credential is not None})
    return endpoint


def _save(endpoint: ServiceEndpoint, declaration: dict) -> Operation:
    clash = (Operation.objects.filter(endpoint=endpoint, method=declaration["method"],
                                      path_template=declaration["path_template"])
             .exclude(operation_id=declaration["operation_id"]).first())
    if clash is not None:
        raise ValidationError({"path_template": [
            _("“%(route)s”已由操作“%(other)s”声明。") %
            {"route": f"{declaration['method']} {declaration['path_template']}",
             "other": clash.operation_id}]})
    operation, _created = Operation.objects.update_or_create(
        endpoint=endpoint, operation_id=declaration["operation_id"],
        defaults={k: v for k, v in declaration.items() if k != "operation_id"})
    return operation


@transaction.atomic
def service_operations_import(actor, endpoint: ServiceEndpoint, *, document: bytes):
    """Declare the operations of the provider's OpenAPI 3 document (JSON): each is added, or
    replaces the one of the same operationId; all of them or, if one is wrong, none."""
    authorize(actor, "service.operations_import", endpoint)
    declared = operations.from_openapi(document, _items(endpoint.resource))
    saved = [_save(endpoint, declaration) for declaration in declared]
    ServiceEndpoint.objects.filter(pk=endpoint.pk).update(updated_at=clock.now())
    audit_record(actor, "service.operations_import", endpoint, {
        "resource": endpoint.resource.code, "operations": [o.operation_id for o in saved]})
    return saved


@transaction.atomic
def service_operation_define(actor, endpoint: ServiceEndpoint, declaration: dict):
    """Declare one operation entered by hand (the fields of `Operation`)."""
    authorize(actor, "service.operation_define", endpoint)
    operation = _save(endpoint, operations.checked(declaration, _items(endpoint.resource)))
    ServiceEndpoint.objects.filter(pk=endpoint.pk).update(updated_at=clock.now())
    audit_record(actor, "service.operation_define", operation, {
        "resource": endpoint.resource.code, "operation": operation.operation_id,
        "route": f"{operation.method} {operation.path_template}"})
    return operation
