"""Reading the open data, shared by the portal pages, downloads, the CKAN API and DCAT: which
resources are public, searching them, their released data items and records, and the figures
shown about them. Nothing here writes; nothing here returns what is not public."""

import json
from dataclasses import replace

from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from govshare.catalog.models import Resource
from govshare.core.exceptions import NotFound, PermissionDenied, ValidationError
from govshare.exchange import store
from govshare.exchange.models import Record
from govshare.orgs.models import Organization
from govshare.search.index import search

from .deidentify import Deidentifier
from .models import AccessRequest, DailyUsage, Dataset, Deidentification

# Share type is a sharing arrangement between departments, not a property of open data.
PUBLIC_FACETS = ("region", "provider", "classification", "open_type", "format", "update_cycle")
# Data item names are left out of matching: a dropped item's name must not find its resource.
SEARCH_FIELDS = ("name", "summary", "provider")


def public_ids():
    """The ids of the public resources, as a subquery."""
    return Dataset.objects.public().values("resource_id")


def public_resources():
    return (Resource.objects.filter(pk__in=public_ids())
            .select_related("provider__region", "published_version__classification"))


def public_search(query="", *, filters=None, region=None, page=1, per_page=20):
    """The catalog's search, kept to the public datasets, their public facets and fields."""
    filters = {facet: list(values) for facet, values in (filters or {}).items() if values}
    unknown = sorted(set(filters) - set(PUBLIC_FACETS))
    if unknown:
        raise ValidationError({"filters": [_("未知的分面：%(names)s。") % {
            "names": "、".join(unknown)}]})
    result = search(query or "", filters=filters, region=region or None, page=page,
                    per_page=per_page, within=public_ids(), fields=SEARCH_FIELDS)
    return replace(result, facets={f: v for f, v in result.facets.items() if f in PUBLIC_FACETS})


def public_dataset(code: str) -> Resource:
    """The public resource of this code, or NotFound (never a hint that a hidden one exists)."""
    resource = public_resources().filter(code=code).first()
    if resource is None:
        raise NotFound(_("没有这个开放数据集。"))
    return resource


def rules_in_force(resource) -> Deidentification:
    return Deidentification.objects.get(resource=resource,
                                        state=Deidentification.State.APPROVED)


def deidentifier(resource) -> Deidentifier:
    """The approved rules applied to the data items of the version in force."""
    items = list(resource.current.items.select_related("element"))
    return Deidentifier(items, rules_in_force(resource).rules)


def payloads(resource):
    """The live records of a resource, streamed from the exchange's record store."""
    rows = Record.objects.filter(resource=resource, deleted=False).order_by("pk")
    for (payload,) in store.stream(rows, ["payload"]):
        yield json.loads(payload) if isinstance(payload, str) else payload


def record_count(resource) -> int:
    return Record.objects.filter(resource=resource, deleted=False).count()


def usage_totals(resource) -> dict:
    totals = DailyUsage.objects.filter(resource=resource).aggregate(
        downloads=Sum("downloads"), api_calls=Sum("api_calls"))
    return {key: value or 0 for key, value in totals.items()}


def public_organizations():
    """The providers of public datasets, each with its number of them."""
    # The filter comes before the annotation, so only the public resources are counted.
    return (Organization.objects.filter(resources__in=public_ids())
            .annotate(datasets=Count("resources"))
            .select_related("region").order_by("short_code", "pk"))


def licence_check(registrant, resource) -> AccessRequest:
    """The registrant's usable licence for a conditionally open resource, or PermissionDenied
    with the reason (no_credential, no_licence)."""
    if registrant is None:
        raise PermissionDenied(_("有条件开放的数据须使用已获批准的访问凭证下载。"),
                               reason="no_credential")
    licence = AccessRequest.objects.usable().filter(registrant=registrant,
                                                    resource=resource).first()
    if licence is None:
        raise PermissionDenied(_("您没有该数据集的有效使用许可，请先申请并等待提供方批准。"),
                               reason="no_licence")
    return licence
