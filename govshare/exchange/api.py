"""API of the exchange: node registration and batches (signed by the node), and the people's
side of node management (registration codes, approval, revocation)."""

import json
from datetime import datetime

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from govshare.catalog.models import Resource
from govshare.core.exceptions import NotAuthenticated, NotFound, ValidationError
from govshare.node.signing import key_id_of, public_key_from_text
from govshare.orgs.models import Organization

from . import batches, services
from .models import Node
from .signatures import NodeSignature, request_body, verify

router = Router(tags=["exchange"])
signed = NodeSignature()
signed_or_pending = NodeSignature(allow_pending=True)


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


@router.post("/exchange/nodes", auth=None, response={201: NodeOut})
def node_register(request):
    """A node registers its public key with a one-time code, signing the request with the key
    it registers (proof that it holds the private half)."""
    try:
        data = json.loads(request_body(request))
        public_key = public_key_from_text(data["public_key"])
    except (ValueError, KeyError, TypeError):
        raise ValidationError({"public_key": [_("请求体应为含 Ed25519 公钥的 JSON。")]}) from None
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


@router.put("/exchange/resources/{code}/batches/{batch_id}", auth=signed)
def batch_ingest(request, code: str, batch_id: str):
    resource = _published(code)
    return services.batch_ingest(request.auth, resource, batch_id=batch_id,
                                 body=request_body(request))


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
