"""The CKAN action API (v3) over the open datasets, so that the tools that speak CKAN (ckanapi,
ckanr, harvesters) read this portal as they read any CKAN site.

Each action takes the request's parameters (a dict) and returns the `result` of CKAN's envelope;
it raises our service errors, which `views.ckan_action` turns into CKAN's error shapes:
NotFound → 404 "Not Found Error", ValidationError → 409 "Validation Error" with the messages
under each field, PermissionDenied → 403 "Authorization Error", SearchQueryError → 400
"Search Query Error". Only public datasets, their released items and their providers appear.

Mapping: a dataset (package) is a public resource, `id` its code and `name` the code in lower
case; an organisation is a provider, `id` its credit code and `name` its short code in lower
case; each dataset has four resources, its downloads (`<code>.csv`, `.json`, `.xlsx`,
`.parquet`).
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice

from django.urls import reverse
from django.utils.translation import gettext as _

from govshare.audit.services import audit_access
from govshare.catalog.browse import FacetValue, labelled_facets
from govshare.catalog.models import DataType, OpenType
from govshare.core.exceptions import NotFound, ServiceError, ValidationError

from . import portal
from .downloads import FORMATS

ROWS_DEFAULT, ROWS_MAX = 10, 1000
LIST_MAX = 1000
PAGE = 100
LICENSE_ID = "hebei-public-data-terms"
# CKAN facet field → the search facet it reads.
FACET_FIELDS = {"organization": "provider", "region": "region",
                "classification": "classification", "open_type": "open_type",
                "update_cycle": "update_cycle"}
_FQ_TERM = re.compile(r'^[+]?(\w+):(?:"([^"]*)"|(\S+))$')


class SearchQueryError(ServiceError):
    """A q or fq this portal's search does not understand (CKAN's 400 'Search Query Error')."""

    status_code = 400


def _iso(value):
    return value.isoformat() if value else None


def _int(params, name, default, high):
    value = params.get(name, default)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError({name: [_("应为整数。")]}) from None
    if not 0 <= number <= high:
        raise ValidationError({name: [_("应在0到%(n)d之间。") % {"n": high}]})
    return number


def _flag(params, name):
    return str(params.get(name, "false")).lower() in ("true", "1", "yes")


def _organization_name(organization):
    return (organization.short_code or f"org-{organization.pk}").lower()


def organization_dict(organization, *, package_count=None):
    result = {
        "id": organization.credit_code, "name": _organization_name(organization),
        "title": organization.name, "display_name": organization.name,
        "description": organization.region.name, "type": "organization",
        "is_organization": True, "state": "active", "approval_status": "approved",
        "image_url": "",
    }
    if package_count is not None:
        result["package_count"] = package_count
    return result


def resource_dict(resource, fmt, position, absolute):
    code = resource.code
    conditional = resource.current.open_type == OpenType.CONDITIONAL
    return {
        "id": f"{code}.{fmt}", "package_id": code, "position": position,
        "name": f"{resource.current.name} ({fmt.upper()})", "format": fmt.upper(),
        "mimetype": FORMATS[fmt].split(";")[0],
        "url": absolute(reverse("opendata:download", args=[code, fmt])),
        "description": _("有条件开放：须以获批准的访问凭证下载。") if conditional else "",
        "state": "active", "url_type": None,
        "created": _iso(resource.current.published_at),
        "last_modified": _iso(resource.data_updated_at),
    }


def package_dict(resource, absolute, *, organization=None, figures=False):
    """A public resource as a CKAN dataset; `figures` adds the record and usage counts (read
    for one dataset at a time: counting records is not free)."""
    version = resource.current
    keywords = [k.strip() for k in version.keywords.replace("，", ",").split(",") if k.strip()]
    columns = portal.deidentifier(resource).columns
    extras = {
        "open_type": version.open_type,
        "open_conditions": version.open_conditions,
        "update_cycle": version.update_cycle,
        "classification": version.classification.code,
        "region": resource.provider.region.code,
        "data_updated_at": _iso(resource.data_updated_at),
        "data_items": json.dumps([{"identifier": c.identifier, "name": c.name}
                                  for c in columns], ensure_ascii=False),
    }
    if figures:
        extras["record_count"] = str(portal.record_count(resource))
        extras.update({k: str(v) for k, v in portal.usage_totals(resource).items()})
    resources = [resource_dict(resource, fmt, i, absolute) for i, fmt in enumerate(FORMATS)]
    return {
        "id": resource.code, "name": resource.code.lower(), "title": version.name,
        "notes": version.summary, "type": "dataset", "state": "active", "private": False,
        "author": resource.provider.name, "maintainer": version.contact,
        "license_id": LICENSE_ID, "license_title": _("河北省公共数据开放使用协议"),
        "license_url": absolute(reverse("opendata:terms")),
        "url": absolute(reverse("opendata:dataset", args=[resource.code])),
        "version": str(version.number),
        "metadata_created": _iso(resource.first_published_at),
        "metadata_modified": _iso(version.published_at),
        "owner_org": resource.provider.credit_code,
        "organization": organization or organization_dict(resource.provider),
        "tags": [{"name": k, "display_name": k, "state": "active"} for k in keywords],
        "num_tags": len(keywords), "groups": [],
        "resources": resources, "num_resources": len(resources),
        "extras": [{"key": k, "value": v} for k, v in extras.items() if v not in (None, "")],
    }


def _dataset(params, field="id"):
    value = str(params.get(field) or "").strip()
    if not value:
        raise ValidationError({field: [_("缺少该参数。")]})
    found = portal.public_resources().filter(code__iexact=value).first()
    if found is None:
        raise NotFound(_("没有这个开放数据集。"))
    return found


def package_list(params, call):
    """Names of the public datasets, by name; `limit` (at most 1000) and `offset`."""
    limit = _int(params, "limit", LIST_MAX, LIST_MAX)
    offset = _int(params, "offset", 0, 10**9)
    codes = portal.public_resources().order_by("code").values_list("code", flat=True)
    return [code.lower() for code in codes[offset:offset + limit]]


def package_show(params, call):
    """One public dataset by `id` (its code) or name, with its record and usage counts."""
    return package_dict(_dataset(params), call.absolute, figures=True)


def resource_show(params, call):
    """One download of a public dataset by `id` (`<code>.<format>`)."""
    value = str(params.get("id") or "").strip()
    code, _dot, fmt = value.rpartition(".")
    if fmt.lower() not in FORMATS or not code:
        raise NotFound(_("没有这个资源。"))
    resource = _dataset({"id": code})
    return resource_dict(resource, fmt.lower(), list(FORMATS).index(fmt.lower()), call.absolute)


def _organizations():
    return {_organization_name(o): o for o in portal.public_organizations()}


def organization_list(params, call):
    """Providers of public datasets: names, or with `all_fields` their dicts and
    `package_count`; `sort` "name" or "package_count" (asc/desc), `limit`, `offset`,
    `organizations` (names to keep)."""
    organizations = list(_organizations().values())
    wanted = params.get("organizations")
    if wanted:
        names = set(wanted if isinstance(wanted, list) else json.loads(wanted)
                    if str(wanted).startswith("[") else str(wanted).split(","))
        organizations = [o for o in organizations if _organization_name(o) in names]
    field, _space, order = str(params.get("sort") or "name asc").partition(" ")
    if field not in ("name", "title", "package_count"):
        raise ValidationError({"sort": [_("只能按 name、title 或 package_count 排序。")]})
    organizations.sort(key=lambda o: (o.datasets if field == "package_count"
                                      else o.name if field == "title" else _organization_name(o)),
                       reverse=order.strip().lower() == "desc")
    limit = _int(params, "limit", LIST_MAX, LIST_MAX)
    offset = _int(params, "offset", 0, 10**9)
    chosen = organizations[offset:offset + limit]
    if _flag(params, "all_fields"):
        return [organization_dict(o, package_count=o.datasets) for o in chosen]
    return [_organization_name(o) for o in chosen]


def organization_show(params, call):
    """One provider by `id` (credit code) or name; `include_datasets` adds its public datasets
    (at most 1000)."""
    value = str(params.get("id") or "").strip()
    if not value:
        raise ValidationError({"id": [_("缺少该参数。")]})
    organizations = _organizations()
    organization = organizations.get(value.lower()) or next(
        (o for o in organizations.values() if o.credit_code == value.upper()), None)
    if organization is None:
        raise NotFound(_("没有这个开放数据提供单位。"))
    result = organization_dict(organization, package_count=organization.datasets)
    if _flag(params, "include_datasets"):
        resources = portal.public_resources().filter(provider=organization).order_by("code")
        short = organization_dict(organization)
        result["packages"] = [package_dict(r, call.absolute, organization=short)
                              for r in resources[:LIST_MAX]]
    return result


def _filters(text, filters):
    """Move the `field:value` terms of a Solr query into the search's facet filters; the rest
    is the text to search for."""
    words = []
    organizations = None
    for term in str(text or "").split():
        found = _FQ_TERM.match(term)
        if not found:
            words.append(term)
            continue
        field, value = found.group(1), found.group(2) if found.group(2) is not None \
            else found.group(3)
        if field == "organization":
            organizations = organizations or _organizations()
            organization = organizations.get(value.lower())
            filters.setdefault("provider", []).append(str(organization.pk if organization
                                                          else 0))
        elif field in FACET_FIELDS:
            filters.setdefault(FACET_FIELDS[field], []).append(value)
        else:
            raise SearchQueryError(_("不支持按“%(field)s”筛选，可用：%(fields)s。") % {
                "field": field, "fields": ", ".join(FACET_FIELDS)})
    return " ".join(words)


def _facet_fields(params):
    value = params.get("facet.field") or []
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.startswith("[") else [value]
        except ValueError:
            raise ValidationError({"facet.field": [_("应为字段名的 JSON 列表。")]}) from None
    unknown = [f for f in value if f not in FACET_FIELDS and f != "res_format"]
    if unknown:
        raise ValidationError({"facet.field": [_("不支持的分面：%(fields)s。") % {
            "fields": ", ".join(map(str, unknown))}]})
    return list(value)


def _facets(result, fields, limit):
    """CKAN's `facets` ({field: {name: count}}) and `search_facets` of the requested fields,
    labelled as the portal labels them."""
    labelled = labelled_facets({FACET_FIELDS[f]: result.facets[FACET_FIELDS[f]]
                                for f in fields if f in FACET_FIELDS}, {})
    organizations = {str(o.pk): _organization_name(o) for o in portal.public_organizations()}
    facets, search_facets = {}, {}
    for field in fields:
        if field == "res_format":
            values = [FacetValue(fmt.upper(), fmt.upper(), result.total, False)
                      for fmt in FORMATS] if result.total else []
        else:
            values = labelled[FACET_FIELDS[field]]
        if limit >= 0:
            values = values[:limit]
        items = [{"name": organizations.get(v.value, v.value) if field == "organization"
                  else v.value, "display_name": v.label, "count": v.count} for v in values]
        facets[field] = {item["name"]: item["count"] for item in items}
        search_facets[field] = {"title": field, "items": items}
    return facets, search_facets


def package_search(params, call):
    """Search the public datasets: `q` (text; `*:*` or blank for all, `field:value` terms
    filter), `fq` (`field:value` terms: organization, region, classification, open_type,
    update_cycle), `rows` (default 10, at most 1000), `start`, `facet.field` (a JSON list of
    those fields and res_format), `facet.limit` (default 50, negative for all). Ordered by
    relevance, then newest; `sort` is not supported."""
    rows = _int(params, "rows", ROWS_DEFAULT, ROWS_MAX)
    start = _int(params, "start", 0, 10**6)
    fields = _facet_fields(params)
    try:
        facet_limit = int(params.get("facet.limit", 50))
    except (TypeError, ValueError):
        raise ValidationError({"facet.limit": [_("应为整数。")]}) from None
    filters = {}
    query = str(params.get("q") or "").strip()
    text = _filters("" if query in ("*:*", "*") else query, filters)
    _filters(params.get("fq"), filters)
    result, resources = _window(text, filters, start, rows)
    facets, search_facets = _facets(result, fields, facet_limit)
    return {"count": result.total, "sort": "score desc, metadata_modified desc",
            "results": [package_dict(r, call.absolute) for r in resources],
            "facets": facets, "search_facets": search_facets}


def _window(text, filters, start, rows):
    """The search result (its total and facets) and the public resources from `start` to
    `start + rows`, read in pages of the search's largest size."""
    first_page = start // PAGE + 1
    result = portal.public_search(text, filters=filters, page=first_page,
                                  per_page=PAGE)
    hits = list(result.hits)
    page = first_page
    while len(hits) < (start % PAGE) + rows and page * PAGE < result.total:
        page += 1
        hits += portal.public_search(text, filters=filters, page=page,
                                     per_page=PAGE).hits
    ids = [hit.resource_id for hit in hits[start % PAGE:start % PAGE + rows]]
    by_id = portal.public_resources().in_bulk(ids)
    return result, [by_id[pk] for pk in ids if pk in by_id]


def help_show(params, call):
    """The documentation of an action, by `name`."""
    name = str(params.get("name") or "")
    if name not in ACTIONS:
        raise NotFound(_("没有这个接口。"))
    return ACTIONS[name].__doc__


def datastore_search(params, call):
    """Records of a public dataset as CKAN's DataStore answers them, after de-identification:
    `resource_id` (a resource id `<code>.<format>`, or the dataset's code), `limit` (default
    100, at most 1000), `offset`. A conditionally open dataset needs the API key of a
    registrant holding a licence (`Authorization: god_…`); that read is audited."""
    value = str(params.get("resource_id") or "").strip()
    code = value.rpartition(".")[0] if value.rpartition(".")[2].lower() in FORMATS else value
    resource = _dataset({"resource_id": code}, "resource_id")
    if resource.current.open_type == OpenType.CONDITIONAL:
        licence = portal.licence_check(call.registrant, resource)
        audit_access(call.registrant, resource.code, {"action": "datastore_search",
                                                      "licence": licence.pk})
    limit = _int(params, "limit", 100, ROWS_MAX)
    offset = _int(params, "offset", 0, 10**9)
    deidentifier = portal.deidentifier(resource)
    names = [c.identifier for c in deidentifier.columns]
    records = [dict(zip(names, deidentifier.row(p), strict=True))
               for p in islice(portal.payloads(resource), offset, offset + limit)]
    return {
        "resource_id": value, "fields": [
            {"id": c.identifier, "type": "text" if c.transformed else DATASTORE_TYPES.get(
                c.data_type, "text"), "info": {"label": c.name}} for c in deidentifier.columns],
        "records": records, "total": portal.record_count(resource), "limit": limit,
        "offset": offset,
    }


DATASTORE_TYPES = {DataType.INTEGER: "int", DataType.DECIMAL: "numeric",
                   DataType.BOOLEAN: "bool", DataType.DATE: "date",
                   DataType.DATETIME: "timestamp"}


@dataclass(frozen=True)
class Call:
    """Who calls an action and how to make its URLs absolute."""

    absolute: Callable[[str], str]
    registrant: object = None


ACTIONS = {function.__name__: function for function in (
    package_list, package_show, package_search, resource_show, organization_list,
    organization_show, datastore_search, help_show)}
# The parameter naming the dataset an action is about, for the per-dataset usage counts.
DATASET_ACTIONS = {"package_show": "id", "resource_show": "id", "datastore_search": "resource_id"}


def dataset_of(name, params):
    """The public resource an answered action was about, if it was about one."""
    value = str(params.get(DATASET_ACTIONS.get(name, ""), "") or "")
    code, _dot, fmt = value.rpartition(".")
    code = code if fmt.lower() in FORMATS else value
    return portal.public_resources().filter(code__iexact=code).first() if code else None
