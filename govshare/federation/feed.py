"""The catalog feed's entries: what one change says about a resource (its state now, its version
in force, its provider), and whether a harvesting platform may take it in.

An entry carries the resource's current state, not the state at the change: applying an old
change after a newer one was made yields the newer state, which the newer change yields again,
so a harvest converges however often it is repeated.
"""

from django.utils.translation import gettext as _

from govshare.catalog.models import Resource
from govshare.orgs.models import Organization, Region
from govshare.orgs.tenancy import root_code, serves

METADATA_FIELDS = ("name", "summary", "classification", "keywords", "format", "share_type",
                   "share_conditions", "legal_basis", "share_modes", "open_type",
                   "open_conditions", "update_cycle", "contact")
ITEM_FIELDS = ("identifier", "name", "data_type", "length", "description", "is_key")


def _entry(resource: Resource) -> dict:
    version = resource.published_version
    provider = resource.provider
    entry = {"code": resource.code, "status": resource.status,
             "version": version.number if version else 0,
             "withdraw_reason": resource.withdraw_reason,
             "provider": {"name": provider.name, "credit_code": provider.credit_code,
                          "short_code": provider.short_code,
                          "region_code": provider.region.code}}
    if version is not None and resource.status == Resource.Status.PUBLISHED:
        entry["metadata"] = {field: getattr(version, field) for field in METADATA_FIELDS
                             if field != "classification"}
        entry["metadata"]["classification"] = version.classification.code
        entry["items"] = [{field: getattr(item, field) for field in ITEM_FIELDS}
                          for item in version.items.all()]
    return entry


def changes(records) -> list[dict]:
    """The entries of (audit id, resource id) pairs, in the given order; resources outside the
    subtree this platform serves are left out (they are not its to give)."""
    ids = {int(object_id) for _seq, object_id in records if object_id.isdigit()}
    resources = (Resource.objects.filter(pk__in=ids)
                 .select_related("provider__region", "published_version__classification")
                 .prefetch_related("published_version__items").in_bulk())
    out = []
    for sequence, object_id in records:
        resource = resources.get(int(object_id)) if object_id.isdigit() else None
        if resource is not None and serves(resource.provider.region):
            out.append({"seq": sequence, "resource": _entry(resource)})
    return out


def refusal(peer, entry, resource) -> str | None:
    """Why an entry from `peer` cannot enter this catalog, or None. A peer speaks only for
    providers in the regions it serves, and never over a resource of this platform's or of
    another peer's."""
    region = Region.objects.filter(code=str(entry["provider"]["region_code"])).first()
    if region is None or peer.region_code not in region.path.split("/") or not serves(region):
        return _("提供方区划不在该平台的服务范围内。")
    if resource is not None:
        origin = getattr(resource, "origin", None)
        if origin is None or origin.peer_id != peer.pk:
            return _("资源代码 %(code)s 已被本平台或其他平台的资源使用。") % {
                "code": resource.code}
        if resource.provider.credit_code != entry["provider"]["credit_code"]:
            return _("资源的提供方与已采集的不一致。")
    organization = _organization(entry)
    if organization is not None and not speaks_for(peer, organization):
        return _("提供方已是本平台或其他平台的单位。")
    if entry["status"] == Resource.Status.PUBLISHED and "metadata" not in entry:
        return _("已发布的资源缺少元数据。")
    return None


def _organization(entry):
    return Organization.objects.filter(
        credit_code=str(entry["provider"]["credit_code"])).select_related("region").first()


def speaks_for(peer, organization) -> bool:
    """The peer linked to the department, or, for a department not linked yet, a peer serving
    its region: a city that builds its own platform takes its departments with it, but a
    platform above this one never speaks for this one's own departments."""
    linked = getattr(organization, "federation", None)
    if linked is not None:
        return linked.peer_id == peer.pk
    if peer.region_code not in organization.region.path.split("/"):
        return False
    peer_region = Region.objects.filter(code=peer.region_code).first()
    below = peer_region is not None and serves(peer_region) and peer_region.code != root_code()
    return below or not serves(organization.region)
