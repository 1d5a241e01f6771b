"""API of the exchange: node registration and batches (signed by the node), the people's side
of node management (registration codes, approval, revocation), and the data gateway through
which consuming applications read what their grants allow (records, change feed)."""

import base64
import json
import time
from datetime import datetime

import pyarrow as pa
from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status, UploadedFile
from pydantic import Field

from govshare.catalog.models import Resource
from govshare.core.exceptions import (
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    ServiceError,
    ValidationError,
)
from govshare.node.protocol import ARROW_STREAM, HAS_MORE_HEADER, NEXT_CURSOR_HEADER
from govshare.node.signing import key_id_of, public_key_from_text
from govshare.orgs.models import Organization

from . import batches, delta, gateway, services
from .models import FileVersion, Node
from .signatures import NodeSignature, request_body, verify

router = Router(tags=["exchange"])
signed = NodeSignature()
signed_or_pending = NodeSignature(allow_pending=True)
# Pushes of data refused for want of an approved node are kept for supervision (R9).
signed_push = NodeSignature(note_refusals=True)


class NodeOut(Schema):
    id: int
    key_id: str
    name: str
    contact: str
    organization: str = Field(..., alias="organization.name")
    organization_id: int
    state: str
    registered_at: datetime
    approved_at: datetime | None
    last_seen_at: datetime | None


class CodeIn(Schema):
    organization_id: int
    valid_hours: int = 72


class CodeOut(Schema):
    code: str = Field(..., description="Shown once; give it to the node's installer.")
    expires_at: datetime


class RevokeIn(Schema):
    reason: str = ""


def _found(queryset, **lookup):
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise NotFound()
    return obj


def _published(code: str) -> Resource:
    return _found(Resource.objects.published().select_related("published_version"), code=code)


@router.get("/exchange/ping", auth=None)
def ping(request):
    """Liveness for load balancers, and the bare endpoint the gateway benchmark compares with."""
    return {"ok": True}


@router.post("/exchange/nodes", auth=None, response={201: NodeOut})
def node_register(request):
    """A node registers its public key with a one-time code, signing the request with the key
    it registers (proof that it holds the private half)."""
    try:
        data = json.loads(request_body(request))
        public_key = public_key_from_text(data["public_key"])
    except (ValueError, KeyError, TypeError):
        raise ValidationError(
            {"public_key": [_("请求体应为含 Ed25519 或 SM2 公钥的 JSON。")]}) from None
    key_id = key_id_of(public_key)

    def only_this_key(signed_key_id):
        if signed_key_id != key_id:
            raise NotAuthenticated(_("注册请求须用所注册的密钥签名。"))
        return public_key

    verify(request, only_this_key)
    candidate = Node(key_id=key_id, public_key=data["public_key"],
                     name=str(data.get("name", "")), contact=str(data.get("contact", "")))
    return Status(201, services.node_register(candidate, code=str(data.get("code", ""))))


@router.get("/exchange/node", auth=signed_or_pending, response=NodeOut)
def node_whoami(request):
    return request.auth


@router.get("/exchange/resources/{code}/schema", auth=signed)
def resource_schema(request, code: str):
    resource = _published(code)
    version = resource.current
    return {
        "code": resource.code, "name": version.name, "version": version.number,
        "items": [{"identifier": i.identifier, "name": i.name, "data_type": i.data_type,
                   "arrow_type": batches.arrow_type_name(i), "is_key": i.is_key}
                  for i in resource.data_items()],
    }


@router.put("/exchange/resources/{code}/batches/{batch_id}", auth=signed_push)
def batch_ingest(request, code: str, batch_id: str):
    resource = _published(code)
    return services.batch_ingest(request.auth, resource, batch_id=batch_id,
                                 body=request_body(request))


class FileOut(Schema):
    number: int
    name: str
    size: int
    sha256: str
    uploaded_at: datetime


@router.put("/exchange/resources/{code}/files/{name}", auth=signed_push,
            response={201: FileOut})
def file_upload_by_node(request, code: str, name: str, sha256: str = ""):
    """A node publishes a new version of a file resource (body: the file's bytes)."""
    return Status(201, services.file_upload(request.auth, _published(code), name=name,
                                            content=request_body(request), sha256=sha256))


@router.post("/exchange/resources/{code}/files", response={201: FileOut})
def file_upload(request, code: str, file: File[UploadedFile], sha256: Form[str] = ""):
    """A provider's staff member publishes a new version of a file resource."""
    return Status(201, services.file_upload(request.auth, _published(code), name=file.name,
                                            content=file.read(), sha256=sha256))


@router.post("/exchange/registration-codes", response={201: CodeOut})
def registration_code_issue(request, payload: CodeIn):
    organization = _found(Organization.objects, pk=payload.organization_id)
    code, text = services.registration_code_issue(request.auth, organization,
                                                  valid_hours=payload.valid_hours)
    return Status(201, {"code": text, "expires_at": code.expires_at})


@router.get("/exchange/nodes", response=list[NodeOut])
def node_list(request):
    return Node.objects.restrict(request.auth).select_related("organization")


@router.post("/exchange/nodes/{node_id}/approve", response=NodeOut)
def node_approve(request, node_id: int):
    node = _found(Node.objects.restrict(request.auth).select_related("organization"),
                  pk=node_id)
    return services.node_approve(request.auth, node)


@router.post("/exchange/nodes/{node_id}/revoke", response=NodeOut)
def node_revoke(request, node_id: int, payload: RevokeIn):
    node = _found(Node.objects.restrict(request.auth).select_related("organization"),
                  pk=node_id)
    return services.node_revoke(request.auth, node, reason=payload.reason)


def _application(request):
    """Data is read by consuming systems, each through its own grants (R15)."""
    actor = request.auth
    if getattr(actor, "actor_type", "") != "application":
        raise PermissionDenied(_("只有应用系统可以凭授权读取数据。"), reason="not_application")
    return actor


RESERVED = {"key", "after", "limit", "fields"}


@router.get("/data/{code}/records", tags=["gateway"])
def data_records(request, code: str, limit: int = 100, after: int | None = None):
    """Records of a resource through the caller's grant: `key=` (repeatable) for point
    lookups, `<item>=<value>` for equality on granted items, `after=` the `next` of the page
    before."""
    application = _application(request)
    started = time.perf_counter()
    keys = request.GET.getlist("key")
    filters = {k: v for k, v in request.GET.items() if k not in RESERVED}
    view = None
    try:
        view = gateway.grant_view(application, code)
        left = gateway.quota_left(view)
        rows, next_cursor = gateway.lookup(
            view, keys=keys, filters=filters, after=after,
            limit=min(limit, left) if left is not None else limit)
    except ServiceError as error:
        gateway.record_access(application, view, code, {
            "keys": keys[:100], "filters": filters, "reason": error.context.get("reason", ""),
            "detail": str(error.message)}, started, outcome="denied")
        raise
    gateway.record_access(application, view, code, {
        "keys": keys[:100], "filters": filters, "rows": len(rows)}, started)
    return {"resource": code, "grant": view.grant.number, "items": view.identifiers,
            "results": rows, "next": next_cursor}


@router.get("/data/{code}/files", tags=["gateway"], response=list[FileOut])
def data_files(request, code: str):
    """The versions of a file resource, newest first, if the caller's grant covers it."""
    application = _application(request)
    gateway.grant_view(application, code)
    return FileVersion.objects.filter(resource__code=code)


@router.get("/data/{code}/files/{number}", tags=["gateway"])
def data_file(request, code: str, number: int):
    """One version's bytes through the caller's grant; `Repr-Digest` carries its SHA-256."""
    application = _application(request)
    started = time.perf_counter()
    view = None
    try:
        view = gateway.grant_view(application, code)
        version = _found(FileVersion.objects.filter(resource=view.resource), number=number)
    except ServiceError as error:
        gateway.record_access(application, view, code, {
            "file": number, "reason": error.context.get("reason", ""),
            "detail": str(error.message)}, started, outcome="denied")
        raise
    gateway.record_access(application, view, code, {
        "file": number, "sha256": version.sha256, "bytes": version.size}, started)
    response = FileResponse(version.content.open("rb"), as_attachment=True,
                            filename=version.name)
    digest = base64.b64encode(bytes.fromhex(version.sha256)).decode()
    response["Repr-Digest"] = f"sha-256=:{digest}:"
    response["ETag"] = f'"{version.sha256}"'
    return response


@router.get("/data/{code}/changes", tags=["gateway"])
def data_changes(request, code: str, cursor: int = 0, limit: int = 10_000):
    """The grant's change feed after `cursor`, as an Arrow IPC stream: granted items, `_seq`,
    and `_deleted` (a record deleted, or no longer within the grant's rows)."""
    application = _application(request)
    started = time.perf_counter()
    view = None
    try:
        view = gateway.grant_view(application, code)
        page, next_cursor, more = gateway.changes(view, cursor, limit)
    except ServiceError as error:
        gateway.record_access(application, view, code, {
            "feed_cursor": cursor, "reason": error.context.get("reason", ""),
            "detail": str(error.message)}, started, outcome="denied")
        raise
    gateway.record_access(application, view, code, {
        "feed_cursor": cursor, "rows": len(page), "next_cursor": next_cursor}, started)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, page.schema) as writer:
        writer.write_table(page)
    response = HttpResponse(sink.getvalue().to_pybytes(), content_type=ARROW_STREAM)
    response[NEXT_CURSOR_HEADER] = str(next_cursor)
    response[HAS_MORE_HEADER] = "true" if more else "false"
    return response


delta_router = Router(tags=["delta-sharing"])
TABLE_PATH = "/shares/{share}/schemas/{schema_name}/tables/{table}"


def _ndjson(lines, table_version: int) -> HttpResponse:
    body = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    response = HttpResponse(body, content_type="application/x-ndjson; charset=utf-8")
    response["Delta-Table-Version"] = str(table_version)
    return response


def _share_tables(request, share: str):
    application = _application(request)
    if share != delta.share_name(application):
        raise NotFound()
    return application, delta.tables(application)


def _table_view(request, share: str, schema: str, table: str):
    application, tables = _share_tables(request, share)
    found = next((t for t in tables if t.schema == schema and t.name == table), None)
    if found is None:
        raise NotFound()
    return application, gateway.grant_view(application, table)


def _items(tables):
    return {"items": [{"name": t.name, "schema": t.schema, "share": t.share,
                       "id": f"grant-{t.grant.pk}"} for t in tables]}


@delta_router.get("/shares")
def delta_shares(request, maxResults: int | None = None, pageToken: str | None = None):  # noqa: N803
    """The application's one share (Delta Sharing protocol, List Shares)."""
    application = _application(request)
    return {"items": [{"name": delta.share_name(application), "id": f"app-{application.pk}"}]}


@delta_router.get("/shares/{share}")
def delta_share(request, share: str):
    _share_tables(request, share)
    return {"share": {"name": share, "id": share}}


@delta_router.get("/shares/{share}/schemas")
def delta_schemas(request, share: str, maxResults: int | None = None,  # noqa: N803
                  pageToken: str | None = None):  # noqa: N803
    _application, tables = _share_tables(request, share)
    return {"items": [{"name": name, "share": share}
                      for name in sorted({t.schema for t in tables})]}


@delta_router.get("/shares/{share}/schemas/{schema_name}/tables")
def delta_tables(request, share: str, schema_name: str, maxResults: int | None = None,  # noqa: N803
                 pageToken: str | None = None):  # noqa: N803
    _application, tables = _share_tables(request, share)
    return _items([t for t in tables if t.schema == schema_name])


@delta_router.get("/shares/{share}/all-tables")
def delta_all_tables(request, share: str, maxResults: int | None = None,  # noqa: N803
                     pageToken: str | None = None):  # noqa: N803
    return _items(_share_tables(request, share)[1])


@delta_router.get(TABLE_PATH + "/version")
def delta_version(request, share: str, schema_name: str, table: str):
    _application, view = _table_view(request, share, schema_name, table)
    response = HttpResponse(b"")
    response["Delta-Table-Version"] = str(delta.version(view))
    return response


@delta_router.get(TABLE_PATH + "/metadata")
def delta_metadata(request, share: str, schema_name: str, table: str):
    """Protocol and metadata lines; no capabilities header in the answer, so the client
    reads in parquet format."""
    _application, view = _table_view(request, share, schema_name, table)
    return _ndjson([{"protocol": {"minReaderVersion": 1}},
                    {"metaData": delta.metadata(view)}], delta.version(view))


@delta_router.post(TABLE_PATH + "/query")
def delta_query(request, share: str, schema_name: str, table: str):
    """The table's snapshot file, behind a short-lived signed link."""
    application, view = _table_view(request, share, schema_name, table)
    started = time.perf_counter()
    table_version = delta.version(view)
    path, rows = delta.snapshot(view, table_version)
    gateway.record_access(application, view, table, {
        "delta_sharing": True, "version": table_version, "rows": rows}, started)
    file_line = {"file": {
        "url": delta.file_link(request, view.grant, path), "id": path.stem,
        "partitionValues": {}, "size": path.stat().st_size,
        "stats": json.dumps({"numRecords": rows}),
        "expirationTimestamp": int((time.time() + delta.LINK_SECONDS) * 1000)}}
    return _ndjson([{"protocol": {"minReaderVersion": 1}}, {"metaData": delta.metadata(view)},
                    file_line], table_version)
