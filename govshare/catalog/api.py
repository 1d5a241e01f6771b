"""API for the catalog: search with facets, a department's own catalog, compiling and the
lifecycle, the review queue, versions and their comparison, data elements, single-source
conflicts, spreadsheets and DCAT. Every change goes through `services`."""

from datetime import date, datetime

from django.http import HttpResponse
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from govshare.core.exceptions import NotFound
from govshare.orgs.models import Organization

from . import browse, services, spreadsheets
from .compare import compare_versions
from .models import DataElement, Resource, SourceConflict

router = Router(tags=["catalog"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ItemIn(Schema):
    identifier: str
    name: str
    data_type: str = "string"
    length: int | None = None
    description: str = ""
    element: str | None = Field(None, description="data element identifier")
    is_key: bool = False
    is_source: bool = False


class MetadataPatch(Schema):
    name: str | None = None
    summary: str | None = None
    classification: str | None = Field(None, description="classification code, e.g. 101001")
    keywords: str | None = None
    format: str | None = None
    share_type: str | None = None
    share_conditions: str | None = None
    legal_basis: str | None = None
    share_modes: list[str] | None = None
    open_type: str | None = None
    open_conditions: str | None = None
    update_cycle: str | None = None
    contact: str | None = None
    related_resources: list[str] | None = Field(None, description="resource codes")
    items: list[ItemIn] | None = None


class ResourceIn(MetadataPatch):
    provider_id: int
    name: str
    summary: str
    classification: str


class ItemOut(Schema):
    identifier: str
    name: str
    data_type: str
    length: int | None
    description: str
    element: str | None = Field(None, alias="element.identifier")
    is_key: bool
    is_source: bool


class VersionOut(Schema):
    number: int
    status: str
    name: str
    summary: str
    classification: str = Field(..., alias="classification.code")
    keywords: str
    format: str
    share_type: str
    share_conditions: str
    legal_basis: str
    share_modes: list[str]
    open_type: str
    open_conditions: str
    update_cycle: str
    contact: str
    publish_date: date | None
    change_reason: str
    change_description: str
    submitted_at: datetime | None
    reviewed_at: datetime | None
    review_comment: str
    published_at: datetime | None
    related_resources: list[str]
    items: list[ItemOut]

    @staticmethod
    def resolve_related_resources(obj):
        return [r.code for r in obj.related_resources.all()]

    @staticmethod
    def resolve_items(obj):
        return obj.items.select_related("element")


class ResourceOut(Schema):
    id: int
    code: str
    provider_id: int
    provider_name: str = Field(..., alias="provider.name")
    region: str = Field(..., alias="provider.region.code")
    status: str
    data_updated_at: datetime | None
    first_published_at: datetime | None
    stale: bool
    current: VersionOut | None
    pending: VersionOut | None = Field(None, alias="pending_version")
    versions: list[int]

    @staticmethod
    def resolve_stale(obj):
        return obj.is_stale()

    @staticmethod
    def resolve_versions(obj):
        return list(obj.versions.order_by("number").values_list("number", flat=True))


class ResourceBrief(Schema):
    id: int
    code: str
    name: str
    provider_id: int
    status: str
    pending_status: str | None

    @staticmethod
    def resolve_pending_status(obj):
        pending = obj.pending_version
        return pending.status if pending else None


class HitOut(Schema):
    resource_id: int
    code: str
    name: str
    summary: str
    data_items: str
    provider_id: int
    provider_name: str
    region_code: str
    classification: str
    share_type: str
    open_type: str
    format: str
    update_cycle: str
    published_at: datetime
    score: float


class FacetOut(Schema):
    value: str
    label: str
    count: int
    selected: bool


class SearchOut(Schema):
    total: int
    page: int
    per_page: int
    hits: list[HitOut]
    facets: dict[str, list[FacetOut]]


class CommentIn(Schema):
    comment: str = ""


class ChangeIn(Schema):
    change_reason: str
    change_description: str = ""


class ReasonIn(Schema):
    reason: str


class DataUpdatedIn(Schema):
    at: datetime | None = None


class ChangeOut(Schema):
    field: str
    label: str
    old: str
    new: str


class ItemChangesOut(Schema):
    identifier: str
    changes: list[ChangeOut]


class ComparisonOut(Schema):
    old: int
    new: int
    fields: list[ChangeOut]
    items_added: list[str]
    items_removed: list[str]
    items_changed: list[ItemChangesOut]


class ElementIn(Schema):
    identifier: str
    name: str
    definition: str = ""
    data_type: str = "string"
    length: int | None = None
    standard: str = ""


class ElementPatch(Schema):
    name: str | None = None
    definition: str | None = None
    data_type: str | None = None
    length: int | None = None
    standard: str | None = None


class ElementOut(Schema):
    identifier: str
    name: str
    definition: str
    data_type: str
    length: int | None
    standard: str
    source_resource: str | None = Field(None, alias="source.resource.code")
    source_item: str | None = Field(None, alias="source.item_identifier")


class ClaimOut(Schema):
    id: int
    resource: str = Field(..., alias="resource.code")
    provider_id: int = Field(..., alias="resource.provider_id")
    item_identifier: str
    status: str


class ConflictOut(Schema):
    id: int
    element: str = Field(..., alias="element.identifier")
    status: str
    raised_at: datetime
    claims: list[ClaimOut]
    decision: int | None = Field(None, alias="decision_id")
    comment: str

    @staticmethod
    def resolve_claims(obj):
        return obj.claims.select_related("resource")


class ResolveIn(Schema):
    claim_id: int
    comment: str = ""


class ImportedOut(Schema):
    code: str
    created: bool


def _resource(request, code):
    resource = (Resource.objects.restrict(request.auth)
                .select_related("provider__region", "published_version").filter(code=code)
                .first())
    if resource is None:
        raise NotFound()
    return resource


def _organization(organization_id):
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        raise NotFound()
    return organization


def _metadata(payload):
    values = payload.dict(exclude_unset=True, exclude={"provider_id"})
    if "items" in values and values["items"] is not None:
        values["items"] = [dict(item) for item in values["items"]]
    return values


def _xlsx(content, filename):
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class SearchParams(Schema):
    q: str = ""
    region: str | None = Field(None, description="GB/T 2260 code: that region and below")
    provider: list[str] = []
    classification: list[str] = []
    share_type: list[str] = []
    open_type: list[str] = []
    format: list[str] = []
    update_cycle: list[str] = []

    def filters(self):
        return {facet: getattr(self, facet) for facet in browse.FACET_FILTERS
                if getattr(self, facet)}


@router.get("/catalog/resources", response=SearchOut)
def resource_search(request, params: Query[SearchParams], page: int = 1,
                    per_page: int = browse.PER_PAGE):
    """The published catalog of every level, with facets; `region` keeps one region's
    subtree, each facet parameter (repeatable) keeps those values."""
    filters = params.filters()
    result = browse.catalog_search(request.auth, params.q, filters=filters,
                                   region=params.region, page=page, per_page=per_page)
    return {"total": result.total, "page": result.page, "per_page": result.per_page,
            "hits": result.hits, "facets": browse.labelled_facets(result.facets, filters)}


@router.post("/catalog/resources", response={201: ResourceOut})
def resource_create(request, payload: ResourceIn):
    resource = services.resource_create(request.auth, provider=_organization(payload.provider_id),
                                        **_metadata(payload))
    return Status(201, resource)


@router.get("/catalog/mine", response=list[ResourceBrief])
def my_catalog(request):
    return browse.my_catalog(request.auth)


@router.get("/catalog/review-queue", response=list[ResourceBrief])
def review_queue(request):
    return browse.review_queue(request.auth)


@router.get("/catalog/resources/{code}", response=ResourceOut)
def resource_show(request, code: str):
    return _resource(request, code)


@router.patch("/catalog/resources/{code}", response=ResourceOut)
def resource_update(request, code: str, payload: MetadataPatch):
    return services.resource_update(request.auth, _resource(request, code), **_metadata(payload))


@router.post("/catalog/resources/{code}/submit", response=ResourceOut)
def resource_submit(request, code: str):
    return services.resource_submit(request.auth, _resource(request, code))


@router.post("/catalog/resources/{code}/publish", response=ResourceOut)
def resource_publish(request, code: str, payload: CommentIn):
    return services.resource_publish(request.auth, _resource(request, code),
                                     comment=payload.comment)


@router.post("/catalog/resources/{code}/return", response=ResourceOut)
def resource_return(request, code: str, payload: CommentIn):
    return services.resource_return(request.auth, _resource(request, code),
                                    comment=payload.comment)


@router.post("/catalog/resources/{code}/change", response={201: VersionOut})
def resource_change(request, code: str, payload: ChangeIn):
    version = services.resource_change(request.auth, _resource(request, code),
                                       change_reason=payload.change_reason,
                                       change_description=payload.change_description)
    return Status(201, version)


@router.post("/catalog/resources/{code}/discard", response={204: None})
def resource_discard(request, code: str):
    services.resource_discard(request.auth, _resource(request, code))
    return Status(204, None)


@router.post("/catalog/resources/{code}/withdraw", response=ResourceOut)
def resource_withdraw(request, code: str, payload: ReasonIn):
    return services.resource_withdraw(request.auth, _resource(request, code),
                                      reason=payload.reason)


@router.post("/catalog/resources/{code}/data-updated", response=ResourceOut)
def resource_mark_data_updated(request, code: str, payload: DataUpdatedIn):
    return services.resource_mark_data_updated(request.auth, _resource(request, code),
                                               at=payload.at)


@router.get("/catalog/resources/{code}/versions/{number}", response=VersionOut)
def version_show(request, code: str, number: int):
    version = _resource(request, code).versions.filter(number=number).first()
    if version is None:
        raise NotFound()
    return version


@router.get("/catalog/resources/{code}/compare", response=ComparisonOut)
def version_compare(request, code: str, old: int, new: int):
    resource = _resource(request, code)
    versions = {v.number: v for v in resource.versions.filter(number__in=[old, new])}
    if old not in versions or new not in versions:
        raise NotFound()
    comparison = compare_versions(versions[old], versions[new])
    return {
        "old": old, "new": new, "fields": comparison.fields,
        "items_added": [i.identifier for i in comparison.items_added],
        "items_removed": [i.identifier for i in comparison.items_removed],
        "items_changed": [{"identifier": identifier, "changes": changes}
                          for identifier, changes in comparison.items_changed],
    }


@router.get("/catalog/elements", response=list[ElementOut])
def element_list(request):
    return DataElement.objects.select_related("source__resource")


@router.post("/catalog/elements", response={201: ElementOut})
def element_create(request, payload: ElementIn):
    return Status(201, services.data_element_create(request.auth, **payload.dict()))


@router.patch("/catalog/elements/{identifier}", response=ElementOut)
def element_update(request, identifier: str, payload: ElementPatch):
    element = DataElement.objects.filter(identifier=identifier).first()
    if element is None:
        raise NotFound()
    return services.data_element_update(request.auth, element,
                                        **payload.dict(exclude_unset=True))


@router.get("/catalog/conflicts", response=list[ConflictOut])
def conflict_list(request):
    return browse.open_conflicts(request.auth)


@router.post("/catalog/conflicts/{conflict_id}/resolve", response=ConflictOut)
def conflict_resolve(request, conflict_id: int, payload: ResolveIn):
    conflict = SourceConflict.objects.filter(pk=conflict_id).first()
    if conflict is None:
        raise NotFound()
    claim = conflict.claims.filter(pk=payload.claim_id).first()
    return services.source_conflict_resolve(request.auth, conflict, claim=claim,
                                            comment=payload.comment)


@router.get("/catalog/template.xlsx")
def template_download(request):
    return _xlsx(spreadsheets.write_workbook([], template=True), "catalog-template.xlsx")


@router.post("/catalog/import", response=list[ImportedOut])
def resource_import(request, provider_id: Form[int], file: File[UploadedFile]):
    results = services.resource_import(request.auth, provider=_organization(provider_id),
                                       file=file)
    return [{"code": resource.code, "created": created} for resource, created in results]


@router.get("/catalog/export.xlsx")
def catalog_export(request, params: Query[SearchParams], view: str = "browse"):
    """Any list as xlsx: `browse` (a search of the published catalog, same parameters),
    `mine` (your department's catalog) or `review` (your review queue)."""
    if view == "review":
        entries = browse.export_entries(browse.review_queue(request.auth))
    elif view == "mine":
        entries = browse.export_entries(browse.my_catalog(request.auth))
    else:
        resources = browse.search_resources(request.auth, params.q, filters=params.filters(),
                                            region=params.region)
        entries = browse.export_entries(resources, published=True)
    return _xlsx(spreadsheets.write_workbook(entries), f"catalog-{view}.xlsx")
