"""Who may register, approve and revoke peer platforms, harvest, and act across platforms."""

from govshare.core.permissions import rule
from govshare.orgs.models import Role, User
from govshare.sharing.parties import is_platform

from .models import Peer


def _operator(actor) -> bool:
    return isinstance(actor, User) and actor.is_operator


def _approved_peer(actor) -> bool:
    return isinstance(actor, Peer) and actor.state == Peer.State.APPROVED


@rule("peer.register")
def peer_register(actor, base_url):
    return _operator(actor)


@rule("peer.enrol")
def peer_enrol(actor, candidate):
    """A platform enrols itself by a request signed with the key it presents (checked by the
    API); whether its region fits is checked by the service."""
    return isinstance(actor, Peer) and actor is candidate


@rule("peer.approve")
def peer_approve(actor, peer):
    return _operator(actor)


@rule("peer.revoke")
def peer_revoke(actor, peer):
    return _operator(actor)


@rule("peer.harvest")
def peer_harvest(actor, peer):
    """The operator, or the platform's own scheduled harvest (`govshare federation harvest`)."""
    return (_operator(actor) or is_platform(actor)) and peer.state == Peer.State.APPROVED


@rule("catalog_feed.read")
def catalog_feed_read(actor, _obj):
    return _approved_peer(actor)


@rule("peer_catalog.search")
def peer_catalog_search(actor, peer):
    """Anyone logged in searches a peer's catalog, as they search this one (R3)."""
    return isinstance(actor, User)


@rule("remote_request.create")
def remote_request_create(actor, organization):
    return isinstance(actor, User) and actor.has_org_role(
        organization, Role.SHARING_OFFICER, Role.DEPT_ADMIN, Role.DEPT_STAFF)


@rule("remote_request.refresh")
def remote_request_refresh(actor, remote):
    return isinstance(actor, User) and (actor.is_operator or actor.has_org_role(
        remote.requester, Role.SHARING_OFFICER, Role.DEPT_ADMIN, Role.DEPT_STAFF))


def _peer_serves(actor, region) -> bool:
    return _approved_peer(actor) and actor.region_code in region.path.split("/")


@rule("relayed_request.create")
def relayed_request_create(actor, region):
    """An approved peer files requests for departments of the regions it serves only."""
    return _peer_serves(actor, region)


@rule("relayed_lookup.serve")
def relayed_lookup_serve(actor, department):
    """An approved peer reads only through the grants of its own departments."""
    return _approved_peer(actor) and department.peer_id == actor.pk


@rule("relayed_lookup.make")
def relayed_lookup_make(actor, remote):
    """A consuming application of the department that made the request on the peer."""
    return (getattr(actor, "actor_type", "") == "application"
            and actor.organization_id == remote.requester_id)
