"""Peers, signed calls, harvesting and requests across platforms, in one process: the other
platform is this one looping back, or a stub that is down, slow or answers garbage (R7, R8)."""

import datetime

import httpx
import pytest

from govshare.audit.models import AuditRecord
from govshare.catalog.models import Classification, Resource
from govshare.core.exceptions import PeerTimeout, PeerUnavailable, PermissionDenied
from govshare.exchange.tests.factories import published_resource
from govshare.federation import services
from govshare.federation.client import call_peer
from govshare.federation.models import HarvestedResource, Peer, RemoteRequest
from govshare.orgs.models import Organization
from govshare.sharing.models import ShareRequest

from .audit_cases import held_resource, new_peer, remote_request
from .loopback import answering, loopback


def _actions():
    return list(AuditRecord.objects.values_list("action", flat=True))


def _entry(code, status="published", version=1, provider="石家庄市民政局", name="低保对象名单"):
    organization = Organization.objects.get(name=provider)
    entry = {"code": code, "status": status, "version": version, "withdraw_reason": "",
             "provider": {"name": organization.name, "credit_code": organization.credit_code,
                          "short_code": organization.short_code,
                          "region_code": organization.region.code}}
    if status == "published":
        entry["metadata"] = {
            "name": name, "summary": "城市低保对象", "keywords": "", "format": "database",
            "share_type": "unconditional", "share_conditions": "", "legal_basis": "",
            "share_modes": ["api"], "open_type": "not_open", "open_conditions": "",
            "update_cycle": "monthly", "contact": "",
            "classification": Classification.objects.filter(level=2).first().code}
        entry["items"] = [{"identifier": "sfzh", "name": "身份证号", "data_type": "string",
                           "length": None, "description": "", "is_key": True}]
    return entry


class Feed:
    """A stub city answering the catalog feed from a list of changes, `page` at a time;
    `broken_after` answers garbage once that many pages were served."""

    def __init__(self, changes, broken_after=None):
        self.changes, self.broken_after, self.pages = changes, broken_after, 0

    def __call__(self, request):
        assert request.headers["signature-input"].startswith("govshare=")
        if self.broken_after is not None and self.pages >= self.broken_after:
            return httpx.Response(200, text="<html>502 Bad Gateway</html>")
        self.pages += 1
        cursor, limit = int(request.url.params["cursor"]), int(request.url.params["limit"])
        page = [c for c in self.changes if c["seq"] > cursor][:limit]
        return httpx.Response(200, json={"changes": page, "next": page[-1]["seq"] if page
                                         else cursor, "more": len(page) == limit})


@pytest.fixture
def city(demo):
    peer = new_peer(Peer.State.APPROVED)
    peer.save()
    return peer


def test_r7_harvest_incorporates_changes_and_withdrawals_marked_with_their_origin(city, person):
    changes = [{"seq": 3, "resource": _entry("A-1")}, {"seq": 5, "resource": _entry("A-2")},
               {"seq": 8, "resource": _entry("A-1", version=2, name="低保对象名单（新）")},
               {"seq": 9, "resource": _entry("A-2", status="withdrawn")}]
    with answering(Feed(changes)):
        counts = services.peer_harvest(person("operator"), city, page_size=2)
    assert counts == {"applied": 3, "withdrawn": 1, "refused": 0}
    first, second = Resource.objects.get(code="A-1"), Resource.objects.get(code="A-2")
    assert first.status == "published" and first.name == "低保对象名单（新）"
    assert first.versions.count() == 2 and first.origin.peer == city
    assert first.origin.origin_version == 2
    assert second.status == "withdrawn"
    assert first.provider.federation.peer == city
    city.refresh_from_db()
    assert city.harvest_cursor == 9


def test_r7_a_harvest_broken_midway_resumes_where_it_stopped(city, person):
    changes = [{"seq": n, "resource": _entry(f"B-{n}")} for n in range(1, 6)]
    with answering(Feed(changes, broken_after=2)), pytest.raises(PeerUnavailable) as error:
        services.peer_harvest(person("operator"), city, page_size=2)
    assert city.name in str(error.value.message) and error.value.status_code == 502
    city.refresh_from_db()
    assert city.harvest_cursor == 4
    assert HarvestedResource.objects.count() == 4
    with answering(Feed(changes)):
        assert services.peer_harvest(person("operator"), city, page_size=2)["applied"] == 1
    assert sorted(Resource.objects.filter(code__startswith="B-").values_list(
        "code", flat=True)) == [f"B-{n}" for n in range(1, 6)]
    # The same changes served again are skipped, not applied twice.
    city.harvest_cursor = 0
    city.save()
    with answering(Feed(changes)):
        services.peer_harvest(person("operator"), city, page_size=10)
    assert all(r.versions.count() == 1 for r in Resource.objects.filter(code__startswith="B-"))


def test_r7_a_peer_speaks_only_for_its_own_regions_and_resources(city, person):
    local = held_resource()
    changes = [{"seq": 1, "resource": _entry("C-1", provider="河北省民政厅")},
               {"seq": 2, "resource": _entry(local.code)}]
    with answering(Feed(changes)):
        counts = services.peer_harvest(person("operator"), city)
    assert counts["refused"] == 2
    assert not Resource.objects.filter(code="C-1").exists()
    local.refresh_from_db()
    assert local.provider.name == "河北省公安厅" and not hasattr(local, "origin")
    assert AuditRecord.objects.filter(action="resource.harvest", outcome="denied").count() == 2


@pytest.mark.parametrize("failure, error, status", [
    (httpx.ConnectError("connection refused"), PeerUnavailable, 502),
    (httpx.ReadTimeout("timed out"), PeerTimeout, 504),
    (httpx.Response(200, text="<html>garbage</html>"), PeerUnavailable, 502),
    (httpx.Response(200, json={"unexpected": True}), PeerUnavailable, 502),
    (httpx.Response(500, text="Internal Server Error"), PeerUnavailable, 502),
])
def test_r8_a_peer_down_slow_or_garbled_gives_a_clear_error_and_writes_nothing(
        city, person, failure, error, status):
    def handler(request):
        if isinstance(failure, Exception):
            raise failure
        return failure

    before = _actions()
    with answering(handler), pytest.raises(error) as raised:
        remote_request(person, city)
    assert raised.value.status_code == status and city.name in str(raised.value.message)
    assert not RemoteRequest.objects.exists()
    with answering(handler), pytest.raises(error):
        services.peer_catalog_search(person("operator"), city, query="人口")
    assert _actions() == before


def test_r8_the_api_answers_502_naming_the_peer(city, login):
    def handler(request):
        raise httpx.ConnectError("connection refused")

    with answering(handler):
        response = login("operator").get(f"/api/v1/federation/peers/{city.pk}/catalog?q=人口")
    assert response.status_code == 502
    assert city.name in response.json()["detail"]


def test_r8_a_refusal_by_the_provider_passes_through(demo, person):
    with loopback() as peer:
        remote = remote_request(person, peer)
        application = Organization.objects.get(name="石家庄市公安局").applications.create(
            name="警务系统")
        with pytest.raises(PeerUnavailable) as denied:
            services.relayed_lookup_make(application, remote, params=[("address", "长安区")])
    assert denied.value.status_code == 403 and "address" in str(denied.value.message)
    assert AuditRecord.objects.filter(action="resource.access", outcome="denied").exists()
    assert AuditRecord.objects.filter(action="relayed_lookup.make", outcome="denied").exists()


def test_r8_signed_calls_from_an_unapproved_or_unknown_platform_are_refused(demo, client):
    with loopback() as peer:
        Peer.objects.filter(pk=peer.pk).update(state=Peer.State.PENDING)
        with pytest.raises(PeerUnavailable) as refused:
            call_peer(peer, "GET", "/api/v1/federation/catalog/changes")
        assert refused.value.status_code == 403
        Peer.objects.filter(pk=peer.pk).delete()
        with pytest.raises(PeerUnavailable) as unknown:
            call_peer(peer, "GET", "/api/v1/federation/catalog/changes")
        assert unknown.value.status_code == 401
    assert client.get("/api/v1/federation/catalog/changes").status_code == 401


def test_r8_a_peer_files_requests_only_for_departments_of_its_regions(city):
    resource = held_resource()
    department = Organization.objects.get(name="河北省民政厅")
    with pytest.raises(PermissionDenied):
        services.relayed_request_create(
            city, department={"name": department.name, "credit_code": department.credit_code,
                              "region_code": "130000"},
            requested_by="x", resource_code=resource.code, items=["id_number"],
            purpose="核查", duty="救助",
            requested_until=(datetime.date.today() + datetime.timedelta(days=30)).isoformat())
    assert not ShareRequest.objects.filter(resource=resource).exists()


def test_r8_registration_exchanges_keys_and_waits_for_both_operators(demo, person):
    with loopback():
        Peer.objects.all().delete()
        descriptor = new_peer(region_code="130200", name="唐山市平台")

        def handler(request):
            return httpx.Response(201, json={
                "name": descriptor.name, "base_url": "http://ts.example",
                "region_code": "130200", "public_key": descriptor.public_key})

        with answering(handler):
            peer = services.peer_register(person("operator"), base_url="http://ts.example/")
    assert peer.state == Peer.State.PENDING and peer.key_id == descriptor.key_id
    assert peer.base_url == "http://ts.example"
    with pytest.raises(PermissionDenied):
        services.peer_approve(person("gat_admin"), peer)
    assert services.peer_approve(person("operator"), peer).state == Peer.State.APPROVED


def test_r8_the_platform_above_files_for_its_own_departments_never_for_this_ones(demo,
                                                                               settings):
    """The reverse direction: on a city's platform, the province's platform files requests for
    the province's departments, and cannot pose as one of the city's own."""
    settings.GOVSHARE_ROOT_REGION = "130100"
    province = new_peer(Peer.State.APPROVED, region_code="130000", name="河北省平台")
    province.save()
    resource = published_resource(Organization.objects.get(name="石家庄市公安局"),
                                  code="101000000-SJZGAJ-0001")

    def file_for(name):
        department = Organization.objects.get(name=name)
        return services.relayed_request_create(
            province, department={"name": department.name,
                                  "credit_code": department.credit_code,
                                  "region_code": department.region.code},
            requested_by="省民政厅共享专员", resource_code=resource.code, items=["id_number"],
            purpose="核查", duty="救助",
            requested_until=(datetime.date.today() + datetime.timedelta(days=30)).isoformat())

    with pytest.raises(PermissionDenied):
        file_for("石家庄市民政局")
    share_request = file_for("河北省民政厅")
    assert share_request.consumer.federation.peer == province
    assert share_request.resource == resource


def test_r7_the_feed_lists_publications_and_withdrawals_in_order_to_approved_peers(city,
                                                                                 person,
                                                                                 settings):
    from govshare.catalog import services as catalog

    officer, reviewer = person("gat_officer"), person("hb_reviewer")
    resource = catalog.resource_create(
        officer, provider=officer.organization, name="人口基本信息", summary="户籍人口",
        classification=Classification.objects.filter(level=2).first(), share_modes=["api"],
        items=[{"identifier": "sfzh", "name": "身份证号", "is_key": True}])
    catalog.resource_submit(officer, resource)
    catalog.resource_publish(reviewer, resource)
    catalog.resource_withdraw(reviewer, resource, reason="停止提供")
    page = services.catalog_changes(city, after=0)
    assert [c["resource"]["code"] for c in page["changes"]] == [resource.code] * 2
    assert page["changes"][0]["seq"] < page["changes"][1]["seq"] == page["next"]
    assert all(c["resource"]["status"] == "withdrawn" for c in page["changes"])
    assert services.catalog_changes(city, after=page["next"])["changes"] == []
    # A city's installation does not hand on the province's resources.
    settings.GOVSHARE_ROOT_REGION = "130100"
    assert services.catalog_changes(city, after=0)["changes"] == []
    Peer.objects.filter(pk=city.pk).update(state=Peer.State.PENDING)
    city.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.catalog_changes(city, after=0)


def test_r7_the_periodic_harvest_takes_every_approved_peer_past_one_that_is_down(city):
    from govshare.federation.tasks import harvest_peers

    down = new_peer(Peer.State.APPROVED, region_code="130200", name="唐山市平台")
    down.base_url = "http://tangshan.example"
    down.save()
    feed = Feed([{"seq": 1, "resource": _entry("C-1")}])

    def handler(request):
        if request.url.host == "tangshan.example":
            raise httpx.ConnectError("connection refused", request=request)
        return feed(request)

    with answering(handler):
        done = harvest_peers.call()
    assert done[city.name] == {"applied": 1, "withdrawn": 0, "refused": 0}
    assert "唐山市平台" in done[down.name]["error"]
    assert Resource.objects.get(code="C-1").origin.peer == city
    down.refresh_from_db()
    assert down.harvest_cursor == 0
