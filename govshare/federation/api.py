"""API of federation: the calls peer platforms make to each other (signed with the platform's
Ed25519 key, RFC 9421, checked like an exchange node's) and the operator's and departments' side
(register, approve, revoke and harvest peers; search a peer's catalog; requests on a peer)."""

import json
from datetime import date, datetime

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import ValidationError as PydanticError

from govshare.catalog.browse import catalog_search
from govshare.core.exceptions import NotAuthenticated, NotFound, PermissionDenied, ValidationError
from govshare.exchange.signatures import request_body, verify
from govshare.node.signing import public_key_from_text
from govshare.orgs.models import Organization
from govshare.sharing.models import ShareRequest

from . import services
from .client import own_descriptor, peer_from
from .models import Peer, RemoteRequest

router = Router(tags=["federation"])


class PeerSignature:
    """Ninja authentication for peer calls: the signature of a peer approved here."""

    def __call__(self, request):
        found = {}

        def lookup(key_id):
            peer = Peer.objects.filter(key_id=key_id).first()
            if peer is None:
                raise NotAuthenticated(_("未知的平台密钥 %(key)s：请先登记级联平台。") %
                                       {"key": key_id})
            found["peer"] = peer
            return public_key_from_text(peer.public_key)

        verify(request, lookup)
        peer = found["peer"]
        if peer.state != Peer.State.APPROVED:
            raise PermissionDenied(_("级联平台“%(peer)s”未获本平台批准或已被吊销。") %
                                   {"peer": peer})
        return peer


signed_peer = PeerSignature()


class PeerOut(Schema):
    id: int
    name: str
    base_url: str
    region_code: str
    key_id: str
    state: str
    registered_at: datetime
    approved_at: datetime | None
    harvest_cursor: int
    harvested_at: datetime | None


class RegisterIn(Schema):
    base_url: str


class RevokeIn(Schema):
    reason: str = ""


class HarvestIn(Schema):
    page_size: int = 100


class RelayedRequestIn(Schema):
    department: dict
    requested_by: str = ""
    resource: str
    items: list[str] = []
    purpose: str = ""
    duty: str = ""
    legal_basis: str = ""
    requested_until: str


class RemoteRequestIn(Schema):
    organization_id: int
    resource: str
    items: list[str] = []
    purpose: str = ""
    duty: str = ""
    legal_basis: str = ""
    requested_until: date


class RemoteRequestOut(Schema):
    id: int
    peer_id: int
    resource_code: str
    resource_name: str
    remote_id: int
    remote_number: str
    state: str
    state_label: str
    refreshed_at: datetime


def _request_state(share_request) -> dict:
    grant = getattr(share_request, "grant", None)
    return {"id": share_request.pk, "number": share_request.number,
            "state": share_request.state, "state_label": share_request.get_state_display(),
            "resource_name": share_request.resource.name,
            "grant": {"state": grant.state, "items": grant.items,
                      "valid_until": grant.valid_until.isoformat()} if grant else None}


def _peer(request, peer_id) -> Peer:
    peer = Peer.objects.restrict(request.auth).filter(pk=peer_id).first()
    if peer is None:
        raise NotFound()
    return peer


@router.post("/federation/peers", auth=None, response={201: dict})
def peer_enrol(request):
    """A platform registers itself, signing with the key it registers; the answer is this
    platform's own description (its key included), for the caller to record in turn."""
    try:
        candidate = peer_from(json.loads(request_body(request)))
    except ValueError:
        raise ValidationError({"public_key": [_("请求体应为平台描述的 JSON。")]}) from None

    def only_this_key(signed_key_id):
        if signed_key_id != candidate.key_id:
            raise NotAuthenticated(_("登记请求须用所登记的密钥签名。"))
        return public_key_from_text(candidate.public_key)

    verify(request, only_this_key)
    services.peer_enrol(candidate)
    return Status(201, own_descriptor())


@router.get("/federation/catalog/changes", auth=signed_peer)
def catalog_changes(request, cursor: int = 0, limit: int = 100):
    return services.catalog_changes(request.auth, after=cursor, limit=limit)


@router.get("/federation/catalog/search", auth=signed_peer)
def served_catalog_search(request, q: str = "", page: int = 1):
    """This platform's published catalog as a peer searches it, reduced to what it shows."""
    result = catalog_search(request.auth, q, page=page)
    return {"total": result.total, "page": result.page, "hits": [
        {"code": hit.code, "name": hit.name, "summary": hit.summary,
         "provider": hit.provider_name, "region_code": hit.region_code,
         "share_type": hit.share_type} for hit in result.hits]}


@router.post("/federation/requests", auth=signed_peer, response={201: dict})
def relayed_request_create(request):
    """A peer files a request for one of its departments; it runs here, on the provider's
    platform. (The body is read here: checking the signature consumed the stream.)"""
    try:
        payload = RelayedRequestIn.model_validate(json.loads(request_body(request)))
    except (ValueError, PydanticError) as error:
        raise ValidationError({"body": [_("请求体不是有效的共享申请：%(error)s") %
                                        {"error": error}]}) from None
    share_request = services.relayed_request_create(
        request.auth, department=payload.department, requested_by=payload.requested_by,
        resource_code=payload.resource, items=payload.items, purpose=payload.purpose,
        duty=payload.duty, legal_basis=payload.legal_basis,
        requested_until=payload.requested_until)
    return Status(201, _request_state(share_request))


@router.get("/federation/requests/{request_id}", auth=signed_peer)
def relayed_request_show(request, request_id: int):
    """The state of a request a peer filed here; only its own departments' requests."""
    share_request = (ShareRequest.objects.filter(pk=request_id,
                                                 consumer__federation__peer=request.auth)
                     .select_related("resource").first())
    if share_request is None:
        raise NotFound()
    return _request_state(share_request)


@router.get("/federation/relay/{code}/records", auth=signed_peer)
def relayed_lookup_serve(request, code: str, department: str, limit: int = 100,
                         after: int | None = None):
    """A gateway lookup relayed by a peer for one of its departments (`department`: its credit
    code), served through that department's grant here; the parameters are the gateway's."""
    filters = {k: v for k, v in request.GET.items()
               if k not in {"department", "key", "after", "limit", "fields"}}
    return services.relayed_lookup_serve(
        request.auth, credit_code=department, code=code, keys=request.GET.getlist("key"),
        filters=filters, after=after, limit=limit)


@router.get("/federation/peers", response=list[PeerOut])
def peer_list(request):
    return Peer.objects.restrict(request.auth)


@router.post("/federation/peers/register", response={201: PeerOut})
def peer_register(request, payload: RegisterIn):
    return Status(201, services.peer_register(request.auth, base_url=payload.base_url))


@router.post("/federation/peers/{peer_id}/approve", response=PeerOut)
def peer_approve(request, peer_id: int):
    return services.peer_approve(request.auth, _peer(request, peer_id))


@router.post("/federation/peers/{peer_id}/revoke", response=PeerOut)
def peer_revoke(request, peer_id: int, payload: RevokeIn):
    return services.peer_revoke(request.auth, _peer(request, peer_id), reason=payload.reason)


@router.post("/federation/peers/{peer_id}/harvest")
def peer_harvest(request, peer_id: int, payload: HarvestIn):
    return services.peer_harvest(request.auth, _peer(request, peer_id),
                                 page_size=payload.page_size)


@router.get("/federation/peers/{peer_id}/catalog")
def peer_catalog_search(request, peer_id: int, q: str = "", page: int = 1):
    """The peer's published catalog, searched from here."""
    return services.peer_catalog_search(request.auth, _peer(request, peer_id), query=q,
                                        page=page)




@router.post("/federation/peers/{peer_id}/requests", response={201: RemoteRequestOut})
def remote_request_create(request, peer_id: int, payload: RemoteRequestIn):
    """Ask for a resource held on the peer's platform (found with its catalog search)."""
    organization = Organization.objects.filter(pk=payload.organization_id).first()
    if organization is None:
        raise NotFound()
    return Status(201, services.remote_request_create(
        request.auth, _peer(request, peer_id), organization=organization,
        resource_code=payload.resource, items=payload.items, purpose=payload.purpose,
        duty=payload.duty, legal_basis=payload.legal_basis,
        requested_until=payload.requested_until))


def _remote(request_id) -> RemoteRequest:
    remote = RemoteRequest.objects.filter(pk=request_id).select_related(
        "peer", "requester").first()
    if remote is None:
        raise NotFound()
    return remote


@router.post("/federation/remote-requests/{request_id}/refresh", response=RemoteRequestOut)
def remote_request_refresh(request, request_id: int):
    return services.remote_request_refresh(request.auth, _remote(request_id))


@router.get("/federation/remote-requests/{request_id}/records", tags=["gateway"])
def relayed_lookup_make(request, request_id: int):
    """The gateway's record lookup (same parameters), relayed to the provider's platform
    through this request."""
    return services.relayed_lookup_make(request.auth, _remote(request_id),
                                        params=list(request.GET.items()))
