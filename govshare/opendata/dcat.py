"""The open data catalog as DCAT-AP 3 JSON-LD, built with the catalog's DCAT builder.

The catalog's dataset node describes a resource for the departments sharing it; the open
catalog keeps only its descriptive part (title, description, publisher, theme, keywords, dates,
update cycle, contact), describes only the released data items, and adds what the public needs:
the portal page, access rights by open type (PUBLIC, or RESTRICTED when conditionally open), the
terms of use as licence, and one distribution per download format. Share types, sharing
conditions and related resources, which may name resources that are not open, stay out.
"""

from django.urls import reverse

from govshare.catalog import dcat as catalog_dcat
from govshare.catalog.models import OpenType
from govshare.orgs.models import Region

from . import portal
from .downloads import FORMATS

PUBLIC_KEYS = ("@type", "dct:identifier", "dct:title", "dct:description", "dct:publisher",
               "dct:accrualPeriodicity", "dct:theme", "dcat:keyword", "dct:issued",
               "dct:modified", "owl:versionInfo", "dcat:contactPoint", "gs:openType",
               "gs:dataUpdatedAt", "gs:dataItem")
FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
MEDIA_TYPE = "https://www.iana.org/assignments/media-types/"
ACCESS = {OpenType.OPEN: "PUBLIC", OpenType.CONDITIONAL: "RESTRICTED"}


def _text(value):
    return {"@value": value, "@language": catalog_dcat.LANGUAGE}


def dataset(resource, absolute):
    """The dcat:Dataset of a public resource."""
    version = resource.current
    released = {c.identifier for c in portal.deidentifier(resource).columns}
    items = [i for i in version.items.select_related("element") if i.identifier in released]
    node = catalog_dcat.dataset(resource, absolute, items=items)
    page = absolute(reverse("opendata:dataset", args=[resource.code]))
    public = {key: node[key] for key in PUBLIC_KEYS if key in node}
    public.update({
        "@id": absolute(reverse("opendata:dataset_dcat", args=[resource.code])),
        "dcat:landingPage": {"@id": page},
        "dct:accessRights": {
            "@id": f"{catalog_dcat.GS}open-type/{version.open_type}",
            "@type": "dct:RightsStatement",
            "skos:prefLabel": _text(version.get_open_type_display()),
            "skos:closeMatch": {"@id": catalog_dcat.ACCESS_RIGHT + ACCESS[version.open_type]},
        },
        "dct:license": {"@id": absolute(reverse("opendata:terms")),
                        "@type": "dct:LicenseDocument"},
        "dcat:distribution": [{
            "@id": f"{page}#distribution-{fmt}",
            "@type": "dcat:Distribution",
            "dct:title": _text(f"{version.name}（{fmt.upper()}）"),
            "dcat:accessURL": {"@id": page},
            "dcat:downloadURL": {"@id": absolute(reverse("opendata:download",
                                                         args=[resource.code, fmt]))},
            "dct:format": {"@id": FILE_TYPE + fmt.upper()},
            "dcat:mediaType": {"@id": MEDIA_TYPE + FORMATS[fmt].split(";")[0]},
        } for fmt in FORMATS],
    })
    if version.open_type == OpenType.CONDITIONAL:
        public["gs:openConditions"] = _text(version.open_conditions)
    return public


def resource_document(resource, absolute):
    return {"@context": catalog_dcat.CONTEXT, **dataset(resource, absolute)}


def catalog_document(absolute):
    """The province's open data catalog, published by its sharing authority."""
    province = Region.objects.filter(parent__isnull=True).order_by("code").first()
    document = catalog_dcat.catalog_document(province, [], absolute)
    document.update({
        "@id": absolute(reverse("opendata:catalog_dcat")),
        "dct:title": _text(f"{province.name}公共数据开放目录"),
        "dct:description": _text(f"{province.name}各级政务部门向社会开放的数据集，经脱敏处理，"
                                 "可下载或通过 CKAN 接口获取。"),
        "foaf:homepage": {"@id": absolute(reverse("opendata:portal"))},
        "dct:license": {"@id": absolute(reverse("opendata:terms")),
                        "@type": "dct:LicenseDocument"},
        "dcat:dataset": [dataset(r, absolute) for r in portal.public_resources()],
    })
    return document
