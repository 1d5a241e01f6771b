"""API for managing open data (/api/v1/opendata/…): providers propose de-identification rules,
authorities review them, providers open and close datasets and answer applications. The public
side speaks CKAN (views.ckan_action) and DCAT instead."""

from datetime import date

from ninja import Router, Schema, Status
from pydantic import Field

from govshare.catalog.models import Resource
from govshare.core.exceptions import NotFound

from . import services
from .models import AccessRequest, Dataset, Deidentification

router = Router(tags=["opendata"])


class RulesIn(Schema):
    rules: dict
    quasi_identifiers: list[str] = []
    note: str = ""


class CommentIn(Schema):
    comment: str = ""


class ReasonIn(Schema):
    reason: str


class ApproveIn(Schema):
    valid_until: date
    comment: str = ""


class DeidentificationOut(Schema):
    id: int
    resource: str = Field(..., alias="resource.code")
    number: int
    state: str
    rules: dict
    quasi_identifiers: list[str]
    note: str
    review_comment: str


class DatasetOut(Schema):
    resource: str = Field(..., alias="resource.code")
    state: str
    checked_k: int
    checked_records: int
    smallest_group: int | None


class AccessRequestOut(Schema):
    id: int
    resource: str = Field(..., alias="resource.code")
    registrant: str = Field(..., alias="registrant.name")
    credit_code: str = Field(..., alias="registrant.credit_code")
    purpose: str
    state: str
    valid_until: date | None
    comment: str


def _found(queryset, **lookup):
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise NotFound()
    return obj


def _resource(request, code):
    return _found(Resource.objects.restrict(request.auth).published(), code=code)


@router.get("/opendata/deidentifications", response=list[DeidentificationOut])
def deidentification_list(request, state: str = ""):
    rules = Deidentification.objects.restrict(request.auth).select_related("resource")
    return rules.filter(state=state) if state else rules


@router.post("/opendata/resources/{code}/deidentifications",
             response={201: DeidentificationOut})
def deidentification_propose(request, code: str, payload: RulesIn):
    return Status(201, services.deidentification_propose(
        request.auth, _resource(request, code), rules=payload.rules,
        quasi_identifiers=payload.quasi_identifiers, note=payload.note))


def _rules(request, pk):
    return _found(Deidentification.objects.restrict(request.auth).select_related("resource"),
                  pk=pk)


@router.post("/opendata/deidentifications/{pk}/approve", response=DeidentificationOut)
def deidentification_approve(request, pk: int, payload: CommentIn):
    return services.deidentification_approve(request.auth, _rules(request, pk),
                                             comment=payload.comment)


@router.post("/opendata/deidentifications/{pk}/return", response=DeidentificationOut)
def deidentification_return(request, pk: int, payload: CommentIn):
    return services.deidentification_return(request.auth, _rules(request, pk),
                                            comment=payload.comment)


@router.post("/opendata/resources/{code}/open", response=DatasetOut)
def dataset_open(request, code: str):
    return services.dataset_open(request.auth, _resource(request, code))


@router.post("/opendata/resources/{code}/close", response=DatasetOut)
def dataset_close(request, code: str, payload: ReasonIn):
    dataset = _found(Dataset.objects.select_related("resource"),
                     resource__in=Resource.objects.restrict(request.auth), resource__code=code)
    return services.dataset_close(request.auth, dataset, reason=payload.reason)


@router.get("/opendata/access-requests", response=list[AccessRequestOut])
def access_request_list(request, state: str = ""):
    requests = AccessRequest.objects.restrict(request.auth).select_related("resource",
                                                                            "registrant")
    return requests.filter(state=state) if state else requests


def _application(request, pk):
    return _found(AccessRequest.objects.restrict(request.auth)
                  .select_related("resource", "registrant"), pk=pk)


@router.post("/opendata/access-requests/{pk}/approve", response=AccessRequestOut)
def access_request_approve(request, pk: int, payload: ApproveIn):
    return services.access_request_approve(request.auth, _application(request, pk),
                                           valid_until=payload.valid_until,
                                           comment=payload.comment)


@router.post("/opendata/access-requests/{pk}/refuse", response=AccessRequestOut)
def access_request_refuse(request, pk: int, payload: ReasonIn):
    return services.access_request_refuse(request.auth, _application(request, pk),
                                          reason=payload.reason)


@router.post("/opendata/access-requests/{pk}/revoke", response=AccessRequestOut)
def access_request_revoke(request, pk: int, payload: ReasonIn):
    return services.access_request_revoke(request.auth, _application(request, pk),
                                          reason=payload.reason)
