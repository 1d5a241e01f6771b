"""Reading the catalog, shared by the web pages and the API: searching the published catalog
with facets, the lists each role works from (my catalog, the review queue, open conflicts), and
export of any of them. Nothing here writes; what an actor may see comes from `restrict`."""

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govshare.core.exceptions import NotAuthenticated, ValidationError
from govshare.core.permissions import can, is_authenticated
from govshare.orgs.models import Organization, Region, Role, User
from govshare.search.index import FACETS, MAX_PER_PAGE, search

from .models import (
    Classification,
    OpenType,
    Resource,
    ResourceFormat,
    ResourceVersion,
    ShareType,
    SourceConflict,
    UpdateCycle,
)

FACET_CHOICES = {"share_type": ShareType, "open_type": OpenType, "format": ResourceFormat,
                 "update_cycle": UpdateCycle}
FACET_TITLES = {
    "region": gettext_lazy("行政区划"), "provider": gettext_lazy("提供方"),
    "classification": gettext_lazy("资源分类"), "share_type": gettext_lazy("共享类型"),
    "open_type": gettext_lazy("开放属性"), "format": gettext_lazy("资源格式"),
    "update_cycle": gettext_lazy("更新周期"),
}
FACET_FILTERS = [facet for facet in FACETS if facet != "region"]
PER_PAGE = 20
EXPORT_LIMIT = 5000


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


def _facet_labels(facet, values):
    """Human labels of facet values (the index stores codes and ids)."""
    if facet in FACET_CHOICES:
        choices = FACET_CHOICES[facet]
        return {v: str(choices(v).label) for v in values if v in choices.values}
    if facet == "region":
        return dict(Region.objects.filter(code__in=values).values_list("code", "name"))
    if facet == "provider":
        ids = [int(v) for v in values if str(v).isdigit()]
        return {str(pk): name for pk, name in
                Organization.objects.filter(pk__in=ids).values_list("pk", "name")}
    if facet == "classification":
        return {c.code: " · ".join(c.lineage()) for c in
                Classification.objects.filter(code__in=values).select_related("parent")}
    return {}


def labelled_facets(facets, filters):
    """Each facet's values with labels, marking those selected in `filters`."""
    labelled = {}
    for facet, counts in facets.items():
        values = [str(value) for value, _count in counts]
        labels = _facet_labels(facet, values)
        chosen = {str(v) for v in filters.get(facet, [])}
        labelled[facet] = [FacetValue(str(value), labels.get(str(value), str(value)), count,
                                      str(value) in chosen) for value, count in counts]
    return labelled


def toggled(params, facet, value):
    """The query string with `value` of `facet` switched: a selected value is dropped, another
    one added (the region, a single choice, is replaced)."""
    params = params.copy()
    chosen = params.getlist(facet)
    if value.selected:
        params.setlist(facet, [v for v in chosen if v != value.value])
    elif facet == "region":
        params.setlist(facet, [value.value])
    else:
        params.setlist(facet, [*chosen, value.value])
    return params.urlencode()


def hit_labels(hit):
    """The labels of a search hit's coded fields, for display."""
    return {facet: str(choices(getattr(hit, facet)).label)
            for facet, choices in FACET_CHOICES.items()
            if getattr(hit, facet) in choices.values}


def catalog_search(actor, query="", *, filters=None, region=None, page=1, per_page=PER_PAGE):
    """Search the published catalog (every level, R7); any logged-in actor may, since published
    resources are shared province-wide (R3)."""
    if not is_authenticated(actor):
        raise NotAuthenticated()
    filters = {k: list(v) for k, v in (filters or {}).items() if v}
    return search(query or "", filters=filters, region=region or None, page=page,
                  per_page=per_page)


def search_resources(actor, query="", *, filters=None, region=None, limit=EXPORT_LIMIT):
    """Every published resource a search finds (up to `limit`), best first, for export."""
    ids, page = [], 1
    while len(ids) < limit:
        result = catalog_search(actor, query, filters=filters, region=region, page=page,
                                per_page=MAX_PER_PAGE)
        ids += [hit.resource_id for hit in result.hits]
        if page * MAX_PER_PAGE >= result.total:
            break
        page += 1
    found = Resource.objects.published().select_related("provider", "published_version")
    by_id = found.in_bulk(ids[:limit])
    return [by_id[pk] for pk in ids[:limit] if pk in by_id]


def filters_from(params):
    """The facet filters in a query string (one parameter per facet, repeatable)."""
    return {facet: [v for v in params.getlist(facet) if v] for facet in FACET_FILTERS
            if any(params.getlist(facet))}


def page_number(value):
    try:
        number = int(value or 1)
    except ValueError:
        raise ValidationError({"page": [_("页码须为正整数。")]}) from None
    if number < 1:
        raise ValidationError({"page": [_("页码须为正整数。")]})
    return number


def my_catalog(actor):
    """The resources of the organisations the actor works for, in every state."""
    if not isinstance(actor, User):
        return Resource.objects.none()
    organizations = [a.organization_id for a in actor.role_assignments() if a.organization_id]
    return (Resource.objects.restrict(actor).filter(provider_id__in=organizations)
            .select_related("provider", "published_version").order_by("-created_at", "code"))


def review_queue(actor):
    """Resources with a version awaiting review that the actor may publish or return."""
    if not isinstance(actor, User):
        return []
    regions = [a.region for a in actor.role_assignments()
               if a.role == Role.AUTHORITY_REVIEWER and a.region_id]
    if not regions:
        return []
    within = Q()
    for region in regions:
        within |= Q(provider__region__path=region.path)
        within |= Q(provider__region__path__startswith=region.path + "/")
    candidates = (Resource.objects.filter(within, versions__status=ResourceVersion.Status
                                          .SUBMITTED)
                  .select_related("provider__region").distinct().order_by("code"))
    return [r for r in candidates if can(actor, "resource.publish", r)]


def open_conflicts(actor):
    """Open single-source conflicts; everyone may see them, the authority resolves them."""
    if not is_authenticated(actor):
        return SourceConflict.objects.none()
    return (SourceConflict.objects.open().select_related("element")
            .prefetch_related("claims__resource__provider"))


def export_entries(resources, *, published=False):
    """(resource, version) pairs for export: the version in force, or for a department's own
    list the version being worked on when there is one."""
    entries = []
    for resource in resources:
        version = resource.current if published else (resource.pending_version
                                                       or resource.current)
        if version is not None:
            entries.append((resource, version))
    return entries
