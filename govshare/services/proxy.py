"""The service gateway's call: from a consuming application's request to the provider and
back, through the application's grant (R9, R14, R15, R17).

Order of checks: the operation exists; the application's grant covers the data items the
operation takes as parameters and at least one item it returns (otherwise the operation is not
granted); the quota; the parameters against the declaration. Then the provider is called with
the platform's RFC 9421 signature and an `X-Request-Id`; its answer is checked against the
declared fields, cut down to the granted items, and masked as the grant says.

The request hash is SHA-256 over `METHOD SP request-target LF request-id LF body`, exactly the
bytes the provider receives, so either side can recompute it; the response hashes cover the
provider's body as received and the body sent on to the consumer.
"""

import functools
import hashlib
import json
import logging
import re
import ssl
import threading
import time
import uuid
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import certifi
import httpx
from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govshare.core import clock
from govshare.core.exceptions import NotFound, PermissionDenied, ServiceError, ValidationError
from govshare.exchange import gateway
from govshare.exchange.masking import mask

from . import operations, vault
from .models import ServiceCall, ServiceEndpoint

logger = logging.getLogger(__name__)

MAX_RESPONSE_BYTES = 8 * 2**20
_CHECKS = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
}
_INTEGER = re.compile(r"^-?\d{1,18}\Z")


class ProviderFailed(ServiceError):
    """The provider could not be reached, failed, or answered outside its declaration."""

    status_code = 502
    default_message = gettext_lazy("服务方未能正常应答。")


class ProviderTimeout(ServiceError):
    """The provider did not answer within its service's timeout."""

    status_code = 504
    default_message = gettext_lazy("服务方应答超时。")


_local = threading.local()


_tls_lock = threading.Lock()


def tls_context() -> ssl.SSLContext:
    """The process's one TLS context toward providers: making one reads the CA bundle (tens of
    milliseconds), which every request thread's first call would otherwise pay."""
    with _tls_lock:  # threads starting together would each make their own
        return _made_tls_context()


@functools.cache
def _made_tls_context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=certifi.where())


def client() -> httpx.Client:
    """This thread's pooled client: connections to providers are kept alive between calls."""
    found = getattr(_local, "client", None)
    if found is None:
        found = _local.client = httpx.Client(
            limits=httpx.Limits(max_connections=50, max_keepalive_connections=20),
            follow_redirects=False, trust_env=False, verify=tls_context())
    return found


_endpoints: dict[str, tuple[float, ServiceEndpoint]] = {}


def endpoint_of(code: str) -> ServiceEndpoint:
    """The resource's active service with its operations. Kept per process for
    `GOVSHARE_SERVICES_CACHE_SECONDS`: a change of address or operations takes effect within
    that (the grant's view is dropped at once on any change: see `granted_view`)."""
    ttl = settings.GOVSHARE_SERVICES_CACHE_SECONDS
    cached = _endpoints.get(code)
    now = time.monotonic()
    if cached is not None and cached[0] > now:
        return cached[1]
    endpoint = (ServiceEndpoint.objects.select_related("resource__provider")
                .prefetch_related("operations")
                .filter(resource__code=code, is_active=True).first())
    if endpoint is None:
        _endpoints.pop(code, None)
        raise NotFound(_("该资源没有登记接口服务。"))
    if ttl > 0:
        _endpoints[code] = (now + ttl, endpoint)
    return endpoint


def operation_of(endpoint: ServiceEndpoint, method: str, path: str):
    """(operation, path values) named by `method /path`; NotFound otherwise."""
    operation, values = operations.match(endpoint.operations.all(), method, "/" + path)
    if operation is None:
        raise NotFound(_("该接口服务没有操作 %(route)s。") % {"route": f"{method} /{path}"})
    return operation, values


def granted_view(application, endpoint: ServiceEndpoint, operation) -> gateway.GrantView:
    """The grant's view if it covers `operation` (and its quota is not used up);
    PermissionDenied otherwise. The view is the data gateway's: kept per process and dropped
    in every process the moment the grant, its masking or the resource changes."""
    view = gateway.grant_view(application, endpoint.resource.code, operation.parameter_items)
    if not set(operation.returned_items) & set(view.identifiers):
        raise PermissionDenied(_("授权不包含操作“%(operation)s”返回的任何信息项。") %
                               {"operation": operation.operation_id},
                               reason="operation_not_granted")
    gateway.quota_left(view)
    return view


def _typed(spec: dict, value):
    """`value` (text from a path or query, or JSON from a body) as the declared type."""
    type_, name = spec["type"], spec["name"]
    if isinstance(value, str) and spec["pattern"] and not re.fullmatch(spec["pattern"], value):
        raise ValidationError({name: [_("格式不符合接口的声明。")]})
    if type_ == "string":
        if not isinstance(value, str):
            raise ValidationError({name: [_("应为字符串。")]})
        return value
    if type_ == "boolean":
        if isinstance(value, str) and value in ("true", "false"):
            return value == "true"
        if isinstance(value, bool):
            return value
        raise ValidationError({name: [_("应为 true 或 false。")]})
    if isinstance(value, str):
        try:
            value = int(value) if _INTEGER.match(value) else float(value)
        except ValueError:
            pass
    if not _CHECKS[type_](value):
        raise ValidationError({name: [_("应为整数。") if type_ == "integer" else _("应为数值。")]})
    return value


@dataclass
class Outgoing:
    """What is sent to the provider."""

    method: str
    target: str
    body: bytes
    summary: dict


def outgoing(operation, path_values: dict, query: dict[str, list[str]], body: bytes) -> Outgoing:
    """The request to the provider from the consumer's, each parameter checked against the
    declaration; an undeclared parameter is refused, never passed on."""
    declared = {p["name"]: p for p in operation.parameters}
    unknown = [name for name in query if declared.get(name, {}).get("in") != "query"]
    fields = {}
    if operation.method == "POST" and body:
        try:
            fields = json.loads(body)
        except ValueError:
            fields = None
        if not isinstance(fields, dict):
            raise ValidationError({"body": [_("请求体应为 JSON 对象。")]})
        unknown += [name for name in fields if declared.get(name, {}).get("in") != "body"]
    if unknown:
        raise ValidationError({unknown[0]: [_("接口没有声明此参数。")]})
    given = {"path": path_values, "query": {}, "body": fields}
    for name, values in query.items():
        if len(values) != 1:
            raise ValidationError({name: [_("参数只能给出一次。")]})
        given["query"][name] = values[0]
    sent = {"path": {}, "query": {}, "body": {}}
    for spec in operation.parameters:
        place = given[spec["in"]]
        if spec["name"] not in place:
            if spec["required"]:
                raise ValidationError({spec["name"]: [_("缺少必填参数。")]})
            continue
        sent[spec["in"]][spec["name"]] = _typed(spec, place[spec["name"]])
    path = operations.PARAMETER.sub(lambda m: quote(str(sent["path"][m.group(1)]), safe=""),
                                    operation.path_template)
    query_text = urlencode({k: str(v).lower() if isinstance(v, bool) else v
                            for k, v in sent["query"].items()})
    out_body = (json.dumps(sent["body"], ensure_ascii=False).encode()
                if operation.method == "POST" else b"")
    return Outgoing(method=operation.method, target=path + ("?" + query_text if query_text
                                                            else ""),
                    body=out_body, summary={**sent["path"], **sent["query"], **sent["body"]})


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def encoded(result) -> bytes:
    return json.dumps(result, ensure_ascii=False, separators=(",", ":")).encode()


def outcome_of(error: ServiceError) -> str:
    """The access record's outcome: a refusal, the provider finding nothing, or a failure."""
    if error.context.get("reason") == "not_found_by_provider":
        return "ok"
    return "denied" if error.status_code < 500 else "failed"


def request_hash(method: str, target: str, request_id: str, body: bytes) -> str:
    return hashlib.sha256(f"{method} {target}\n{request_id}\n".encode() + body).hexdigest()


def new_request_id() -> str:
    return uuid.uuid4().hex


OUTCOMES = {"provider_timeout": ServiceCall.Outcome.TIMEOUT,
            "provider_unreachable": ServiceCall.Outcome.UNREACHABLE,
            "provider_error": ServiceCall.Outcome.PROVIDER_ERROR,
            "provider_bad_response": ServiceCall.Outcome.BAD_RESPONSE}


_samples: list[ServiceCall] = []
_samples_lock = threading.Lock()
_flushed_at = [time.monotonic()]


def note(endpoint, operation, request_id: str, latency_ms: float, error=None) -> None:
    """One sample for the health view: the provider's latency and how the call ended.
    Samples are written in bulk at most `GOVSHARE_SERVICES_HEALTH_FLUSH_SECONDS` apart, so a
    call does not pay a commit for them (a crash loses at most that much of the view)."""
    context = error.context if error is not None else {}
    sample = ServiceCall(
        endpoint=endpoint, operation=operation, request_id=request_id, latency_ms=latency_ms,
        outcome=OUTCOMES.get(context.get("reason"), ServiceCall.Outcome.OK),
        status=context.get("status", 200), at=clock.now())
    with _samples_lock:
        _samples.append(sample)
        due = (time.monotonic() - _flushed_at[0] >= settings.GOVSHARE_SERVICES_HEALTH_FLUSH_SECONDS
               or len(_samples) >= 1000)
        if not due:
            return
        batch = _samples[:]
        _samples.clear()
        _flushed_at[0] = time.monotonic()
    try:
        with transaction.atomic():
            ServiceCall.objects.bulk_create(batch)
    except DatabaseError:
        # A service deleted meanwhile: its samples go with it, the call is not failed for them.
        logger.warning("dropped %d service health samples", len(batch), exc_info=True)


def call(endpoint: ServiceEndpoint, request: Outgoing, request_id: str) -> bytes:
    """The provider's answer body to `request`; ProviderFailed / ProviderTimeout naming the
    provider otherwise (NotFound when the provider found nothing)."""
    provider = endpoint.resource.provider.name
    headers = {"X-Request-Id": request_id, "Accept": "application/json"}
    if request.body:
        headers["Content-Type"] = "application/json"
    if endpoint.credential_header:
        headers[endpoint.credential_header] = vault.unseal(endpoint.credential_encrypted)
    outgoing_request = client().build_request(
        request.method, endpoint.base_url + request.target, content=request.body,
        headers=headers, timeout=httpx.Timeout(endpoint.timeout_seconds))
    vault.signer().sign(outgoing_request, request.body)
    timed_out = ProviderTimeout(_("服务方“%(provider)s”未在 %(seconds)s 秒内应答。") %
                                {"provider": provider, "seconds": endpoint.timeout_seconds},
                                reason="provider_timeout", status=None)
    # httpx's timeout bounds each read; the deadline bounds the whole answer, so a provider
    # trickling its body cannot hold the call past the service's timeout.
    deadline = time.monotonic() + endpoint.timeout_seconds
    try:
        response = client().send(outgoing_request, stream=True)
        try:
            body = _bounded_body(response, deadline)
        finally:
            response.close()
    except httpx.TimeoutException:
        raise timed_out from None
    except httpx.HTTPError:
        raise ProviderFailed(_("服务方“%(provider)s”无法连接。") % {"provider": provider},
                             reason="provider_unreachable", status=None) from None
    if body is None:
        raise timed_out
    if response.status_code == 404:
        raise NotFound(_("服务方“%(provider)s”未查到结果。") % {"provider": provider},
                       reason="not_found_by_provider", status=404)
    if response.status_code != 200 or len(body) > MAX_RESPONSE_BYTES:
        logger.warning("provider %s answered %s to request %s", provider,
                       response.status_code, request_id)
        raise ProviderFailed(_("服务方“%(provider)s”出错（HTTP %(status)d）。") %
                             {"provider": provider, "status": response.status_code},
                             reason="provider_error", status=response.status_code)
    return body


def _bounded_body(response: httpx.Response, deadline: float) -> bytes | None:
    """The body, read no further than MAX_RESPONSE_BYTES + 1; None once past `deadline`."""
    chunks, size = [], 0
    for chunk in response.iter_raw():
        chunks.append(chunk)
        size += len(chunk)
        if time.monotonic() > deadline:
            return None
        if size > MAX_RESPONSE_BYTES:
            break
    return b"".join(chunks)


def _conforms(operation, answer) -> str:
    """Why `answer` is outside the operation's declaration, or "" when it is within."""
    rows = answer if operation.response_kind == "array" else [answer]
    if not isinstance(rows, list):
        return "not a list"
    for row in rows:
        if not isinstance(row, dict):
            return "not an object"
        for name, spec in operation.response_fields.items():
            value = row.get(name)
            if value is None:
                if spec["required"]:
                    return f"{name} missing"
            elif not _CHECKS[spec["type"]](value):
                return f"{name} is not {spec['type']}"
    return ""


def answer(view, endpoint: ServiceEndpoint, operation, body: bytes, request_id: str):
    """The provider's answer cut down to the granted items, masked; ProviderFailed (logged)
    when it is outside the operation's declaration."""
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed, why = None, "not JSON"
    else:
        why = _conforms(operation, parsed)
    if why:
        logger.warning("provider %s answered request %s outside its declaration: %s",
                       endpoint.resource.provider.name, request_id, why)
        raise ProviderFailed(_("服务方“%(provider)s”的应答不符合其声明的格式。") %
                             {"provider": endpoint.resource.provider.name},
                             reason="provider_bad_response", status=200)
    granted = set(view.identifiers)
    keep = [(name, spec["item"], view.masks.get(spec["item"]))
            for name, spec in operation.response_fields.items() if spec["item"] in granted]

    def cut(row: dict) -> dict:
        return {name: mask(rule, row.get(name)) if rule else row.get(name)
                for name, _item, rule in keep}

    if operation.response_kind == "array":
        return [cut(row) for row in parsed]
    return cut(parsed)


def record(application, view, code: str, summary: dict, started: float, outcome: str) -> None:
    """The call's access record, through the exchange's, so a service call is accounted as
    every other data access is."""
    gateway.record_access(application, view, code, summary, started, outcome=outcome)
