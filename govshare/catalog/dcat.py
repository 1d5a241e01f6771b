"""The published catalog as DCAT 3 / DCAT-AP 3 JSON-LD.

A region's catalog is a `dcat:Catalog` published by the region's sharing authority; each
published resource is a `dcat:Dataset` (its provider as `dct:publisher`, update cycle as
`dct:accrualPeriodicity`, share type as `dct:accessRights`), each share mode a
`dcat:Distribution` whose access URL is the resource's page, where a share request starts.
Data items, which DCAT has no term for, use the small `gs:` extension documented in
docs/catalog.md. The JSON-LD context is inline: nothing is fetched to read it.
"""

from django.urls import reverse

from .models import Organization, Resource, ShareMode, ShareType, UpdateCycle

GS = "urn:govshare:catalog:"
CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "gs": GS,
}
LANGUAGE = "zh"
FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
ACCRUAL = {
    UpdateCycle.REAL_TIME: "UPDATE_CONT", UpdateCycle.DAILY: "DAILY",
    UpdateCycle.WEEKLY: "WEEKLY", UpdateCycle.MONTHLY: "MONTHLY",
    UpdateCycle.QUARTERLY: "QUARTERLY", UpdateCycle.HALF_YEARLY: "ANNUAL_2",
    UpdateCycle.YEARLY: "ANNUAL", UpdateCycle.IRREGULAR: "IRREG",
}
ACCESS_RIGHT = "http://publications.europa.eu/resource/authority/access-right/"
# Our share types are rights statements of their own; each is close to one EU access right.
ACCESS = {
    ShareType.UNCONDITIONAL: "PUBLIC",
    ShareType.CONDITIONAL: "RESTRICTED",
    ShareType.NOT_SHARED: "NON_PUBLIC",
}


def _text(value):
    return {"@value": value, "@language": LANGUAGE}


def _date_time(value):
    return {"@value": value.isoformat(), "@type": "xsd:dateTime"} if value else None


def _agent(organization: Organization, absolute):
    return {
        "@id": absolute(reverse("orgs:organization_detail", args=[organization.pk])),
        "@type": "foaf:Organization",
        "foaf:name": _text(organization.name),
        "dct:identifier": organization.credit_code,
        "dct:spatial": {"@id": absolute(reverse("orgs:region_detail",
                                                args=[organization.region.code]))},
    }


def _data_item(item):
    node = {
        "@type": "gs:DataItem",
        "dct:identifier": item.identifier,
        "dct:title": _text(item.name),
        "gs:dataType": item.data_type,
        "gs:isKey": item.is_key,
        "gs:isSource": item.is_source,
    }
    if item.length is not None:
        node["gs:length"] = item.length
    if item.description:
        node["dct:description"] = _text(item.description)
    if item.element_id:
        node["gs:dataElement"] = {
            "@id": f"{GS}element/{item.element.identifier}",
            "dct:identifier": item.element.identifier,
            "dct:title": _text(item.element.name),
        }
    return node


def _compact(node):
    return {k: v for k, v in node.items() if v not in (None, "", [])}


def dataset(resource: Resource, absolute, *, items=None):
    """The dcat:Dataset node of a published resource; `absolute` makes a path a full URL.
    `items` are the data items to describe (by default all those of the version in force)."""
    version = resource.current
    page = absolute(reverse("catalog:resource_detail", args=[resource.code]))
    classification = version.classification
    distributions = [
        {
            "@id": f"{page}#distribution-{mode}",
            "@type": "dcat:Distribution",
            "dct:title": _text(str(ShareMode(mode).label)),
            "dcat:accessURL": {"@id": page},
            "gs:shareMode": mode,
        }
        for mode in version.share_modes
    ] if version.share_type != ShareType.NOT_SHARED else []
    return _compact({
        "@id": absolute(reverse("catalog:resource_dcat", args=[resource.code])),
        "@type": "dcat:Dataset",
        "dct:identifier": resource.code,
        "dct:title": _text(version.name),
        "dct:description": _text(version.summary),
        "dct:publisher": _agent(resource.provider, absolute),
        "dct:accrualPeriodicity": {"@id": FREQUENCY + ACCRUAL[version.update_cycle]},
        "dct:accessRights": {
            "@id": f"{GS}share-type/{version.share_type}",
            "@type": "dct:RightsStatement",
            "skos:prefLabel": _text(version.get_share_type_display()),
            "skos:closeMatch": {"@id": ACCESS_RIGHT + ACCESS[version.share_type]},
        },
        "dct:theme": {
            "@id": f"{GS}classification/{classification.code}",
            "@type": "skos:Concept",
            "skos:notation": classification.code,
            "skos:prefLabel": _text(classification.name),
        },
        "dcat:keyword": [_text(k) for k in version.keywords.replace("，", ",").split(",")
                         if k.strip()],
        "dct:issued": _date_time(resource.first_published_at),
        "dct:modified": _date_time(version.published_at),
        "owl:versionInfo": str(version.number),
        "dcat:landingPage": {"@id": page},
        "dcat:contactPoint": {"@type": "vcard:Kind", "vcard:fn": version.contact}
        if version.contact else None,
        "dct:relation": [
            {"@id": absolute(reverse("catalog:resource_dcat", args=[r.code]))}
            for r in version.related_resources.all()
        ],
        "dcat:distribution": distributions,
        "gs:shareType": version.share_type,
        "gs:shareConditions": _text(version.share_conditions)
        if version.share_conditions else None,
        "gs:legalBasis": _text(version.legal_basis) if version.legal_basis else None,
        "gs:openType": version.open_type,
        "gs:dataUpdatedAt": _date_time(resource.data_updated_at),
        "gs:dataItem": {"@list": [_data_item(i) for i in (
            version.items.select_related("element") if items is None else items)]},
    })


def resource_document(resource: Resource, absolute):
    return {"@context": CONTEXT, **dataset(resource, absolute)}


def catalog_document(region, resources, absolute):
    """The dcat:Catalog of `region` (published by its authority) holding `resources`."""
    authority = Organization.objects.filter(region=region,
                                            duty=Organization.Duty.AUTHORITY).first()
    path = reverse("catalog_dcat")
    return {
        "@context": CONTEXT,
        "@id": absolute(f"{path}?region={region.code}"),
        "@type": "dcat:Catalog",
        "dct:title": _text(f"{region.name}政务信息资源目录"),
        "dct:description": _text(
            f"{region.name}及其下辖地区各部门已发布的政务信息资源，由信息共享主管部门审核发布。"),
        "dct:publisher": _agent(authority, absolute) if authority else {
            "@type": "foaf:Agent", "foaf:name": _text(region.name)},
        "dct:spatial": {"@id": absolute(reverse("orgs:region_detail", args=[region.code]))},
        "foaf:homepage": {"@id": absolute(reverse("catalog:browse"))},
        "dcat:dataset": [dataset(r, absolute) for r in resources],
    }
