"""Every change federation makes: peers registered, enrolled, approved and revoked; the catalog
feed read by a peer; harvesting a peer's catalog into this one (R7); searching a peer's catalog.

A call to a peer happens before any local write of the same service, so a peer that is down,
slow or garbled leaves nothing half done here (see client.py for the errors). Harvesting applies
each change of the peer's feed in its own transaction together with the cursor, so a crash
between two changes neither skips nor repeats one.
"""

import time
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from govshare.audit.models import AuditRecord
from govshare.audit.services import audit_record
from govshare.catalog.indexing import search_document
from govshare.catalog.models import Classification, DataItem, Resource, ResourceVersion
from govshare.core import clock
from govshare.core.exceptions import (
    InvalidTransition,
    NotFound,
    PeerUnavailable,
    PermissionDenied,
    ServiceError,
    ValidationError,
)
from govshare.core.permissions import authorize
from govshare.exchange import gateway
from govshare.orgs.models import Application, Organization, Region, Role, RoleAssignment, User
from govshare.orgs.tenancy import root_code, serves
from govshare.search.index import index_document, remove_document
from govshare.sharing.services import share_request_file

from . import feed
from .client import call, call_peer, garbled, own_descriptor, peer_from
from .models import HarvestedResource, Peer, RemoteDepartment, RemoteRequest

FEED_ACTIONS = ("resource.publish", "resource.withdraw", "resource.harvest")


def _region_errors(region_code) -> list[str]:
    """A peer serves the region above this installation's root or one below it, nothing else."""
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        return [_("未知的区划代码 %(code)s。") % {"code": region_code}]
    upstream = region.code in _root_path()
    downstream = serves(region) and region.code != root_code()
    if not (upstream or downstream):
        return [_("区划 %(code)s 既不在本平台之上也不在其下，不能级联。") % {"code": region_code}]
    return []


def _root_path() -> list[str]:
    root = Region.objects.filter(code=root_code()).first()
    return root.path.split("/")[:-1] if root else []


def peer_register(actor, *, base_url):
    """Register this platform with the peer at `base_url` and record the peer here, pending the
    approval of the operators on both sides."""
    authorize(actor, "peer.register", base_url)
    base_url = (base_url or "").strip().rstrip("/")
    if not base_url.startswith(("http://", "https://")):
        raise ValidationError({"base_url": [_("平台地址须以 http:// 或 https:// 开头。")]})
    answer = call(base_url, base_url, "POST", "/api/v1/federation/peers",
                  payload=own_descriptor())
    if not isinstance(answer, dict):
        raise garbled(base_url)
    try:
        peer = peer_from(answer)
    except ValidationError:
        raise garbled(base_url) from None
    peer.base_url = base_url
    with transaction.atomic():
        if Peer.objects.filter(key_id=peer.key_id).exists():
            raise InvalidTransition(_("该平台已登记。"))
        return _recorded(actor, "peer.register", peer)


def _recorded(actor, action, peer) -> Peer:
    """Save a newly known peer, pending approval, once its region fits; audited."""
    errors = _region_errors(peer.region_code)
    if errors:
        raise ValidationError({"region_code": errors})
    peer.full_clean(exclude=["approved_by"])
    peer.save()
    audit_record(actor, action, peer, {"base_url": peer.base_url, "region": peer.region_code,
                                       "key_id": peer.key_id})
    return peer


@transaction.atomic
def peer_enrol(candidate):
    """A platform registers itself here (its request is signed with the key it presents); it
    waits for this side's operator. Enrolling again with the same key changes nothing."""
    authorize(candidate, "peer.enrol", candidate)
    known = Peer.objects.filter(key_id=candidate.key_id).first()
    if known is not None:
        return known
    return _recorded(candidate, "peer.enrol", candidate)


@transaction.atomic
def peer_approve(actor, peer):
    authorize(actor, "peer.approve", peer)
    if peer.state != Peer.State.PENDING:
        raise InvalidTransition(_("只有待批准的平台才能批准。"))
    peer.state, peer.approved_at, peer.approved_by = Peer.State.APPROVED, clock.now(), actor
    peer.save(update_fields=["state", "approved_at", "approved_by"])
    audit_record(actor, "peer.approve", peer, {"key_id": peer.key_id})
    return peer


@transaction.atomic
def peer_revoke(actor, peer, *, reason):
    authorize(actor, "peer.revoke", peer)
    if peer.state == Peer.State.REVOKED:
        raise InvalidTransition(_("该平台已被吊销。"))
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("吊销时须说明原因。")]})
    peer.state, peer.revoked_at = Peer.State.REVOKED, clock.now()
    peer.save(update_fields=["state", "revoked_at"])
    audit_record(actor, "peer.revoke", peer, {"reason": reason.strip()})
    return peer


@transaction.atomic
def catalog_changes(actor, *, after=0, limit=100):
    """One page of this platform's catalog changes, for an approved peer harvesting it: the
    publications (first ones and new versions), withdrawals and harvests recorded after change
    `after`, oldest first. The audit log is the change log: its ids are handed out in commit
    order (audit/services.py), so no change can appear later below a cursor already read."""
    authorize(actor, "catalog_feed.read", None)
    if not (isinstance(after, int) and after >= 0 and isinstance(limit, int)
            and 1 <= limit <= 1000):
        raise ValidationError({"cursor": [_("游标须为非负整数，条数在 1 到 1000 之间。")]})
    records = list(AuditRecord.objects.filter(id__gt=after, action__in=FEED_ACTIONS,
                                              object_type="catalog.resource", outcome="ok")
                   .order_by("id").values_list("id", "object_id")[:limit])
    changes = feed.changes(records)
    page = {"changes": changes, "next": records[-1][0] if records else after,
            "more": len(records) == limit}
    audit_record(actor, "catalog_feed.read", actor, {"after": after, "changes": len(changes)})
    return page


def peer_harvest(actor, peer, *, page_size=100, pages=None):
    """Pull the peer's catalog changes from the stored cursor on, applying each one in its own
    transaction with the cursor; returns the counts. `pages` bounds the run (None: to the end)."""
    authorize(actor, "peer.harvest", peer)
    counts = {"applied": 0, "withdrawn": 0, "refused": 0}
    while pages is None or pages > 0:
        peer.refresh_from_db(fields=["harvest_cursor"])
        answer = call_peer(peer, "GET", "/api/v1/federation/catalog/changes",
                           params={"cursor": peer.harvest_cursor, "limit": page_size})
        if not (isinstance(answer, dict) and isinstance(answer.get("changes"), list)):
            raise garbled(peer)
        for change in answer["changes"]:
            outcome = _apply_change(actor, peer, change)
            counts[outcome] += 1
        if not answer.get("more"):
            break
        pages = None if pages is None else pages - 1
    Peer.objects.filter(pk=peer.pk).update(harvested_at=clock.now())
    return counts


@transaction.atomic
def _apply_change(actor, peer, change) -> str:
    try:
        sequence = int(change["seq"])
        entry = change["resource"]
        code = str(entry["code"])
    except (KeyError, TypeError, ValueError):
        raise garbled(peer) from None
    # The row lock serialises two harvests of one peer; a change at or below the cursor is one
    # an earlier (or concurrent) run already applied.
    locked = Peer.objects.select_for_update().get(pk=peer.pk)
    if sequence <= locked.harvest_cursor:
        return "applied"
    resource = Resource.objects.filter(code=code).select_related("origin").first()
    try:
        refusal = feed.refusal(peer, entry, resource)
        if refusal is None:
            outcome = _incorporate(peer, entry, resource, sequence)
    except (KeyError, TypeError, ValueError):
        raise garbled(peer) from None
    locked.harvest_cursor = sequence
    locked.save(update_fields=["harvest_cursor"])
    if refusal is not None:
        audit_record(actor, "resource.harvest", peer, {"code": code, "seq": sequence,
                                                       "refused": refusal}, outcome="denied")
        return "refused"
    resource = Resource.objects.get(code=code)
    audit_record(actor, "resource.harvest", resource, {
        "peer": peer.name, "seq": sequence, "status": resource.status,
        "version": entry.get("version")})
    return outcome


def _department(peer, data) -> RemoteDepartment:
    """A peer's department here, by its credit code (the same legal person on both platforms):
    created when this platform does not know it, linked to the peer that speaks for it."""
    organization, _created = Organization.objects.get_or_create(
        credit_code=str(data["credit_code"]),
        defaults={"name": str(data["name"])[:200],
                  "region": Region.objects.get(code=str(data["region_code"])),
                  "short_code": str(data.get("short_code", ""))[:12]})
    link, _created = RemoteDepartment.objects.get_or_create(organization=organization,
                                                            defaults={"peer": peer})
    return link


def _incorporate(peer, entry, resource, sequence) -> str:
    withdrawn = entry["status"] != Resource.Status.PUBLISHED
    if withdrawn and resource is None:
        return "withdrawn"  # withdrawn before this platform ever saw it
    provider = _department(peer, entry["provider"]).organization
    if resource is None:
        resource = Resource.objects.create(code=str(entry["code"]), provider=provider,
                                           status=Resource.Status.DRAFT)
    origin = getattr(resource, "origin", None)
    if withdrawn:
        resource.versions.filter(status=ResourceVersion.Status.PUBLISHED).update(
            status=ResourceVersion.Status.WITHDRAWN)
        resource.status, resource.withdrawn_at = Resource.Status.WITHDRAWN, clock.now()
        resource.withdraw_reason = str(entry.get("withdraw_reason", ""))
        resource.save(update_fields=["status", "withdrawn_at", "withdraw_reason"])
        remove_document(resource.pk)
    elif origin is None or origin.origin_version != int(entry["version"]) \
            or resource.status != Resource.Status.PUBLISHED:
        _publish_version(resource, entry)
    HarvestedResource.objects.update_or_create(resource=resource, defaults={
        "peer": peer, "origin_version": int(entry["version"]), "change": sequence,
        "harvested_at": clock.now()})
    return "withdrawn" if withdrawn else "applied"


def _publish_version(resource, entry):
    meta = entry["metadata"]
    latest = resource.versions.order_by("-number").first()
    version = ResourceVersion(
        resource=resource, number=(latest.number + 1) if latest else 1,
        status=ResourceVersion.Status.PUBLISHED,
        classification=Classification.objects.get(code=str(meta["classification"])),
        published_at=clock.now(), publish_date=clock.today(),
        **{field: meta[field] for field in feed.METADATA_FIELDS if field != "classification"})
    version.full_clean(exclude=["related_resources"])
    version.save()
    DataItem.objects.bulk_create(DataItem(version=version, position=position, **{
        field: item[field] for field in feed.ITEM_FIELDS})
        for position, item in enumerate(entry["items"]))
    resource.versions.filter(status=ResourceVersion.Status.PUBLISHED).exclude(
        pk=version.pk).update(status=ResourceVersion.Status.SUPERSEDED)
    now = clock.now()
    resource.published_version, resource.status = version, Resource.Status.PUBLISHED
    resource.first_published_at = resource.first_published_at or now
    resource.data_updated_at = now
    resource.withdrawn_at, resource.withdraw_reason = None, ""
    resource.save()
    index_document(search_document(resource))


def peer_catalog_search(actor, peer, *, query="", page=1):
    """Search a peer's published catalog from here (R7: the province's catalog is searchable
    from the city); the peer answers with its own search."""
    authorize(actor, "peer_catalog.search", peer)
    answer = call_peer(peer, "GET", "/api/v1/federation/catalog/search",
                       params={"q": query, "page": page})
    if not (isinstance(answer, dict) and isinstance(answer.get("hits"), list)):
        raise garbled(peer)
    audit_record(actor, "peer_catalog.search", peer, {"q": query[:200],
                                                      "total": answer.get("total")})
    return answer


# --- requests across platforms ----------------------------------------------------------------

def _remote_department(peer, department) -> RemoteDepartment:
    """The peer's department here, created (organisation, delegate, application) on its first
    request; refused when this platform's or another peer's department has that credit code."""
    organization = Organization.objects.filter(
        credit_code=str(department["credit_code"])).select_related("region").first()
    if organization is not None and not feed.speaks_for(peer, organization):
        raise PermissionDenied(_("申请单位是本平台或其他平台的单位。"))
    link = _department(peer, department)
    organization = link.organization
    if link.delegate_id is None:
        name = _("%(department)s（经%(peer)s）") % {"department": organization.name,
                                                   "peer": peer.name}
        link.delegate = User(username=f"peer{peer.pk}-{organization.credit_code}",
                             display_name=name[:100], organization=organization)
        link.delegate.set_unusable_password()
        link.delegate.save()
        RoleAssignment.objects.create(user=link.delegate, role=Role.SHARING_OFFICER,
                                      organization=organization)
        link.application = Application.objects.create(
            organization=organization, name=(_("经%(peer)s转发") % {"peer": peer.name})[:200])
        link.save(update_fields=["delegate", "application"])
    return link


def _requested_until(text):
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        raise ValidationError({"requested_until": [_("使用期限须为 YYYY-MM-DD 日期。")]}) from None


def relayed_request_create(actor, *, department, requested_by, resource_code, items, purpose,
                           duty, requested_until, legal_basis=""):
    """A peer files a share request here for one of its departments: the request and its
    consultation run here, on the provider's platform, through the ordinary workflow; the
    department's delegate files it, naming the person who asked on the peer."""
    try:
        region = Region.objects.filter(code=str(department["region_code"])).first()
    except (KeyError, TypeError):
        raise ValidationError({"department": [_("须写明申请单位的名称、统一社会信用代码和区划。")]}
                              ) from None
    if region is None:
        raise ValidationError({"department": [_("申请单位的区划不在本平台服务范围内。")]})
    authorize(actor, "relayed_request.create", region)
    resource = Resource.objects.published().filter(code=str(resource_code)).first()
    if resource is None:
        raise NotFound(_("资源 %(code)s 不存在或未发布。") % {"code": resource_code})
    if HarvestedResource.objects.filter(resource=resource).exists():
        raise ValidationError({"resource": [_("该资源由其他平台提供，请向来源平台申请。")]})
    with transaction.atomic():
        link = _remote_department(actor, department)
        share_request = share_request_file(
            link.delegate, application=link.application, resource=resource,
            items=list(items or []), purpose=purpose, duty=duty, legal_basis=legal_basis,
            requested_until=_requested_until(requested_until),
            comment=_("经%(peer)s提交，申请人：%(person)s") % {"peer": actor.name,
                                                           "person": str(requested_by)[:100]})
        audit_record(actor, "relayed_request.create", share_request,
                     {"department": link.organization.credit_code, "resource": resource.code,
                      "requested_by": str(requested_by)[:100]})
    return share_request


def remote_request_create(actor, peer, *, organization, resource_code, items, purpose, duty,
                          requested_until, legal_basis=""):
    """A department of this platform asks for a resource held on the peer's platform; the
    request is filed there (a signed call) and mirrored here."""
    authorize(actor, "remote_request.create", organization)
    if peer.state != Peer.State.APPROVED:
        raise InvalidTransition(_("级联平台“%(peer)s”尚未批准。") % {"peer": peer})
    answer = call_peer(peer, "POST", "/api/v1/federation/requests", payload={
        "department": {"name": organization.name, "credit_code": organization.credit_code,
                       "short_code": organization.short_code,
                       "region_code": organization.region.code},
        "requested_by": str(actor), "resource": resource_code, "items": list(items or []),
        "purpose": purpose, "duty": duty, "legal_basis": legal_basis,
        "requested_until": requested_until.isoformat()})
    state = _request_state(peer, answer)
    with transaction.atomic():
        remote = RemoteRequest.objects.create(
            peer=peer, requester=organization, created_by=actor, resource_code=resource_code,
            remote_id=state["id"], **{k: state[k] for k in ("remote_number", "state",
                                                            "state_label", "resource_name")})
        audit_record(actor, "remote_request.create", remote,
                     {"peer": peer.name, "remote_id": remote.remote_id,
                      "resource": resource_code, "state": remote.state})
    return remote


def _request_state(peer, answer) -> dict:
    try:
        return {"id": int(answer["id"]), "remote_number": str(answer["number"])[:40],
                "state": str(answer["state"])[:30],
                "state_label": str(answer.get("state_label", ""))[:100],
                "resource_name": str(answer.get("resource_name", ""))[:200]}
    except (KeyError, TypeError, ValueError):
        raise garbled(peer) from None


def remote_request_refresh(actor, remote):
    """Read the request's state on the provider's platform into the mirror here."""
    authorize(actor, "remote_request.refresh", remote)
    answer = call_peer(remote.peer, "GET", f"/api/v1/federation/requests/{remote.remote_id}")
    state = _request_state(remote.peer, answer)
    with transaction.atomic():
        before = remote.state
        remote.state, remote.state_label = state["state"], state["state_label"]
        remote.refreshed_at = clock.now()
        remote.save(update_fields=["state", "state_label", "refreshed_at"])
        audit_record(actor, "remote_request.refresh", remote,
                     {"from": before, "to": remote.state})
    return remote


def relayed_lookup_make(actor, remote, *, params):
    """A consuming application of this platform reads, through its department's request on the
    peer, the records the provider's platform grants (the peer authorises and audits it too)."""
    authorize(actor, "relayed_lookup.make", remote)
    query = [("department", remote.requester.credit_code), *params]
    try:
        answer = call_peer(remote.peer, "GET",
                           f"/api/v1/federation/relay/{remote.resource_code}/records",
                           params=query)
    except PeerUnavailable as error:
        audit_record(actor, "relayed_lookup.make", remote, {
            "peer": remote.peer.name, "resource": remote.resource_code,
            "detail": str(error.message)}, outcome="denied")
        raise
    if not (isinstance(answer, dict) and isinstance(answer.get("results"), list)):
        raise garbled(remote.peer)
    audit_record(actor, "relayed_lookup.make", remote, {
        "peer": remote.peer.name, "resource": remote.resource_code,
        "rows": len(answer["results"])})
    return answer


def relayed_lookup_serve(actor, *, credit_code, code, keys, filters, after, limit):
    """A peer's lookup on behalf of one of its departments, through that department's grant
    here: the gateway's own checks, quota and access record apply."""
    department = RemoteDepartment.objects.filter(
        organization__credit_code=credit_code).select_related("application").first()
    if department is None or department.application is None:
        raise NotFound(_("本平台没有该单位经级联平台提出的申请。"))
    authorize(actor, "relayed_lookup.serve", department)
    application = department.application
    started = time.perf_counter()
    view = None
    try:
        view = gateway.grant_view(application, code)
        left = gateway.quota_left(view)
        rows, next_cursor = gateway.lookup(view, keys=keys, filters=filters, after=after,
                                           limit=min(limit, left) if left is not None else limit)
    except ServiceError as error:
        gateway.record_access(application, view, code, {
            "keys": keys[:100], "filters": filters, "peer": actor.name,
            "reason": error.context.get("reason", ""), "detail": str(error.message)},
            started, outcome="denied")
        raise
    gateway.record_access(application, view, code, {
        "keys": keys[:100], "filters": filters, "peer": actor.name, "rows": len(rows)}, started)
    audit_record(actor, "relayed_lookup.serve", view.grant,
                 {"department": credit_code, "resource": code, "rows": len(rows)})
    return {"resource": code, "grant": view.grant.number, "items": view.identifiers,
            "results": rows, "next": next_cursor}
