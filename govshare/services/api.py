"""API of service resources: the provider's side (register a service, declare its operations,
by hand or from an OpenAPI document), the platform's public key providers verify its signatures
with, and the gateway through which consuming applications call the services their grants
cover (`/services/{resource code}/{operation path}`)."""

import time

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Router, Schema, Status, UploadedFile

from govshare.catalog.models import Resource
from govshare.core.exceptions import NotFound, PermissionDenied, ServiceError

from . import proxy, services, vault
from .models import Operation, ServiceEndpoint

router = Router(tags=["services"])


class EndpointIn(Schema):
    base_url: str
    timeout_seconds: float = 5.0
    credential_header: str = ""
    credential: str | None = None


class EndpointOut(Schema):
    id: int
    resource_code: str
    base_url: str
    timeout_seconds: float
    credential_header: str
    has_credential: bool

    @staticmethod
    def resolve_resource_code(obj):
        return obj.resource.code

    @staticmethod
    def resolve_has_credential(obj):
        return bool(obj.credential_encrypted)


class OperationIn(Schema):
    operation_id: str
    method: str = "GET"
    path_template: str
    summary: str = ""
    parameters: list[dict] = []
    response_kind: str = "object"
    response_fields: dict[str, dict]


class OperationOut(Schema):
    operation_id: str
    method: str
    path_template: str
    summary: str
    parameters: list[dict]
    response_kind: str
    response_fields: dict[str, dict]


def _resource(code: str) -> Resource:
    resource = Resource.objects.filter(code=code).select_related("provider").first()
    if resource is None:
        raise NotFound()
    return resource


def _endpoint(code: str) -> ServiceEndpoint:
    endpoint = ServiceEndpoint.objects.filter(resource__code=code).select_related(
        "resource__provider").first()
    if endpoint is None:
        raise NotFound(_("该资源没有登记接口服务。"))
    return endpoint


@router.get("/service-endpoints/platform-key", auth=None)
def platform_key(request):
    """The platform's public key: a provider checks with it that a call came through the
    platform (RFC 9421 signature over @method, @path, @query and Content-Digest)."""
    return vault.published_key()


@router.put("/service-endpoints/{code}", response=EndpointOut)
def service_register(request, code: str, payload: EndpointIn):
    return services.service_register(request.auth, _resource(code), **payload.dict())


@router.get("/service-endpoints/{code}/operations", response=list[OperationOut])
def operation_list(request, code: str):
    endpoint = _endpoint(code)
    if not getattr(request.auth, "is_authenticated", False):
        raise PermissionDenied()
    return Operation.objects.filter(endpoint=endpoint)


@router.post("/service-endpoints/{code}/operations", response={201: OperationOut})
def service_operation_define(request, code: str, payload: OperationIn):
    return Status(201, services.service_operation_define(request.auth, _endpoint(code),
                                                         payload.dict()))


@router.post("/service-endpoints/{code}/openapi", response={201: list[OperationOut]})
def service_operations_import(request, code: str, document: File[UploadedFile]):
    """Declare the operations of the provider's OpenAPI 3 document (JSON)."""
    return Status(201, services.service_operations_import(request.auth, _endpoint(code),
                                                          document=document.read()))


def _application(request):
    actor = request.auth
    if getattr(actor, "actor_type", "") != "application":
        raise PermissionDenied(_("只有应用系统可以凭授权调用接口服务。"), reason="not_application")
    return actor


@router.api_operation(["GET", "POST"], "/services/{code}/{path:path}", tags=["gateway"])
def service_call(request, code: str, path: str):
    """Call operation `path` of resource `code`'s service through the caller's grant. The answer
    carries `X-Request-Id` (the provider logs it too) and `X-Request-Hash`."""
    application = _application(request)
    started = time.perf_counter()
    request_id = proxy.new_request_id()
    summary = {"service": True, "request_id": request_id, "operation": ""}
    view = endpoint = operation = None
    sent_at = None
    try:
        endpoint = proxy.endpoint_of(code)
        operation, values = proxy.operation_of(endpoint, request.method, path)
        summary["operation"] = operation.operation_id
        view = proxy.granted_view(application, endpoint, operation)
        outgoing = proxy.outgoing(operation, values, dict(request.GET.lists()), request.body)
        summary["parameters"] = outgoing.summary
        summary["request_sha256"] = proxy.request_hash(outgoing.method, outgoing.target,
                                                       request_id, outgoing.body)
        sent_at = time.perf_counter()
        body = proxy.call(endpoint, outgoing, request_id)
        latency_ms = round((time.perf_counter() - sent_at) * 1000, 2)
        summary["provider_response_sha256"] = proxy.sha256(body)
        result = proxy.answer(view, endpoint, operation, body, request_id)
    except ServiceError as error:
        if sent_at is not None:
            proxy.note(endpoint, operation, request_id,
                       round((time.perf_counter() - sent_at) * 1000, 2), error)
        proxy.record(application, view, code, {
            **summary, "reason": error.context.get("reason", ""),
            "detail": str(error.message)}, started,
            outcome=proxy.outcome_of(error))
        raise
    proxy.note(endpoint, operation, request_id, latency_ms)
    out = proxy.encoded(result)
    proxy.record(application, view, code, {**summary, "rows": 1,
                                           "response_sha256": proxy.sha256(out)},
                 started, outcome="ok")
    response = HttpResponse(out, content_type="application/json")
    response["X-Request-Id"] = request_id
    response["X-Request-Hash"] = summary["request_sha256"]
    return response
