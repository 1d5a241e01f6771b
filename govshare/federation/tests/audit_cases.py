"""Each federation service, called once by whoever may call it (see audit/testing.py). Calls
between platforms go to this same platform, recorded as its own peer (tests/loopback.py)."""

import datetime

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from govshare.audit.testing import AuditCase
from govshare.exchange.models import Record
from govshare.exchange.tests.factories import published_resource
from govshare.federation import services
from govshare.federation.models import Peer
from govshare.federation.tests.loopback import answering, loopback
from govshare.node.signing import key_id_of, public_key_text
from govshare.orgs.models import Application, Organization

MZJ = "石家庄市公安局"
KEY = "130102199001011234"


def new_peer(state=Peer.State.PENDING, region_code="130100", name="石家庄市平台"):
    public = Ed25519PrivateKey.generate().public_key()
    return Peer(name=name, base_url="http://city.example", region_code=region_code,
                key_id=key_id_of(public), public_key=public_key_text(public), state=state)


def _saved_peer(state=Peer.State.PENDING):
    peer = new_peer(state)
    peer.save()
    return peer


def describing(descriptor):
    """A stub peer answering a registration with `descriptor`'s description of itself."""

    def handler(request):
        return httpx.Response(201, json={
            "name": descriptor.name, "base_url": descriptor.base_url,
            "region_code": descriptor.region_code, "public_key": descriptor.public_key})

    return answering(handler)


def _register(person):
    with describing(new_peer()):
        return services.peer_register(person("operator"), base_url="http://city.example")


def held_resource():
    """The province's published (unconditional) population resource, with one record."""
    resource = published_resource(Organization.objects.get(name="河北省公安厅"))
    Record.objects.create(resource=resource, key=KEY, seq=1, payload={
        "id_number": KEY, "name": "张三"})
    return resource


def remote_request(person, peer):
    """石家庄市公安局's request for the held resource, filed through the loopback peer."""
    officer = person("sjz_gaj_admin")
    return services.remote_request_create(
        officer, peer, organization=officer.organization, resource_code=held_resource().code,
        items=["id_number", "name"], purpose="低保资格核查", duty="最低生活保障审核确认",
        requested_until=datetime.date.today() + datetime.timedelta(days=90))


def _department():
    organization = Organization.objects.get(name=MZJ)
    return {"name": organization.name, "credit_code": organization.credit_code,
            "region_code": organization.region.code}


def _relayed(peer):
    return services.relayed_request_create(
        peer, department=_department(), requested_by="石家庄市民政局共享专员",
        resource_code=held_resource().code, items=["id_number", "name"], purpose="低保资格核查",
        duty="最低生活保障审核确认",
        requested_until=(datetime.date.today() + datetime.timedelta(days=90)).isoformat())


def _in_loopback(call):
    def run(person):
        with loopback() as peer:
            return call(person, peer)
    return run


def _consuming_application(person):
    return Application.objects.create(organization=person("sjz_gaj_admin").organization,
                                      name="社会救助系统")


RELAYED = ("share_request.file", "relayed_request.create")
RELAYED_BY = ("user", "peer")

CASES = [
    AuditCase("federation.peer_register", _register, ("peer.register",)),
    AuditCase("federation.peer_enrol", lambda person: services.peer_enrol(new_peer()),
              ("peer.enrol",), ("peer",)),
    AuditCase("federation.peer_approve", lambda person: services.peer_approve(
        person("operator"), _saved_peer()), ("peer.approve",)),
    AuditCase("federation.peer_revoke", lambda person: services.peer_revoke(
        person("operator"), _saved_peer(Peer.State.APPROVED), reason="平台迁移"),
        ("peer.revoke",)),
    AuditCase("federation.catalog_changes", lambda person: services.catalog_changes(
        _saved_peer(Peer.State.APPROVED)), ("catalog_feed.read",), ("peer",)),
    AuditCase("federation.peer_harvest", _in_loopback(
        lambda person, peer: services.peer_harvest(person("operator"), peer)),
        ("catalog_feed.read",), ("peer",)),
    AuditCase("federation.peer_catalog_search", _in_loopback(
        lambda person, peer: services.peer_catalog_search(person("operator"), peer,
                                                          query="人口")),
        ("peer_catalog.search",)),
    AuditCase("federation.relayed_request_create", lambda person: _relayed(
        _saved_peer(Peer.State.APPROVED)), RELAYED, RELAYED_BY),
    AuditCase("federation.remote_request_create", _in_loopback(remote_request),
              (*RELAYED, "remote_request.create"), (*RELAYED_BY, "user")),
    AuditCase("federation.remote_request_refresh", _in_loopback(
        lambda person, peer: services.remote_request_refresh(
            person("sjz_gaj_admin"), remote_request(person, peer))),
        (*RELAYED, "remote_request.create", "remote_request.refresh"),
        (*RELAYED_BY, "user", "user")),
    AuditCase("federation.relayed_lookup_make", _in_loopback(
        lambda person, peer: services.relayed_lookup_make(
            _consuming_application(person), remote_request(person, peer),
            params=[("key", KEY)])),
        (*RELAYED, "remote_request.create", "resource.access", "relayed_lookup.serve",
         "relayed_lookup.make"),
        (*RELAYED_BY, "user", "application", "peer", "application")),
    AuditCase("federation.relayed_lookup_serve", lambda person: _serve(),
              (*RELAYED, "resource.access", "relayed_lookup.serve"),
              (*RELAYED_BY, "application", "peer")),
]


def _serve():
    """A peer reads through the request it relayed (granted at once: the resource is
    unconditional)."""
    peer = _saved_peer(Peer.State.APPROVED)
    share_request = _relayed(peer)
    return services.relayed_lookup_serve(
        peer, credit_code=share_request.consumer.credit_code, code=share_request.resource.code,
        keys=[KEY], filters={}, after=None, limit=10)
