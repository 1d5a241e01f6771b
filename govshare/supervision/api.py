"""API of supervision (/api/v1/supervision/...): findings and inspections, rectification notices,
the criticism list (published entries need no login), rankings with their formula, the project
register, supervision reports."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from govshare.catalog.models import Resource
from govshare.core.exceptions import NotFound, ValidationError
from govshare.exchange.models import Node
from govshare.orgs.models import Application, Organization, Region

from . import rankings, services
from .exports import ranking_xlsx
from .inspections import organizations_in
from .models import (
    Criticism,
    Finding,
    InfoProject,
    Ranking,
    RectificationNotice,
    SupervisionReport,
)
from .periods import current_period, parse_period

router = Router(tags=["supervision"])


def _found(queryset, **lookup):
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise NotFound()
    return obj


def _region(code) -> Region:
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise ValidationError({"region": [_("未知的行政区划代码。")]})
    return region


# --- schemas ---------------------------------------------------------------------------------

class ScopeIn(Schema):
    region: str = Field(..., description="GB/T 2260 region code")
    period: str = Field(..., description="2026, 2026-Q1 or 2026-03")


class FindingOut(Schema):
    id: int
    rule: str
    article_item: str
    organization_id: int
    organization: str = Field(..., alias="organization.name")
    period: str
    object_type: str
    object_id: str
    object_repr: str
    text: str
    evidence: dict[str, Any]
    status: str
    first_found_at: datetime
    last_found_at: datetime
    resolved_at: datetime | None


class InspectionOut(Schema):
    id: int
    region: str = Field(..., alias="region.code")
    period: str
    trigger: str
    started_at: datetime
    finished_at: datetime | None
    counts: dict[str, int]


class NoticeIn(Schema):
    organization_id: int
    finding_ids: list[int]
    requirements: str
    due_date: date


class NoticeEventOut(Schema):
    action: str
    actor_name: str
    at: datetime
    comment: str


class NoticeOut(Schema):
    id: int
    number: str
    organization_id: int
    organization: str = Field(..., alias="organization.name")
    finding_ids: list[int]
    requirements: str
    due_date: date
    state: str
    overdue: bool
    issued_by: str = Field(..., alias="issued_by.username")
    issued_at: datetime
    answer: str
    answered_at: datetime | None
    closed_at: datetime | None
    events: list[NoticeEventOut]

    @staticmethod
    def resolve_finding_ids(obj):
        return list(obj.findings.values_list("pk", flat=True))

    @staticmethod
    def resolve_overdue(obj):
        return obj.is_overdue()

    @staticmethod
    def resolve_events(obj):
        return list(obj.events.all())


class AnswerIn(Schema):
    answer: str


class DeclineIn(Schema):
    reasons: str


class CloseIn(Schema):
    comment: str = ""


class ReopenIn(Schema):
    comment: str
    due_date: date


class SweepOut(Schema):
    listed: int


class CriticismOut(Schema):
    id: int
    organization_id: int
    organization: str = Field(..., alias="organization.name")
    notice: str = Field(..., alias="notice.number")
    reason: str
    text: str
    listed_at: datetime
    published_at: datetime | None


class PartOut(Schema):
    key: str
    label: str
    formula: str
    weight: float


class EntryOut(Schema):
    rank: int
    organization_id: int
    organization: str = Field(..., alias="organization.name")
    score: float
    parts: dict[str, float]
    counts: dict[str, int]


class RankingOut(Schema):
    region: str
    period: str
    formula: str
    parts: list[PartOut]
    findings_cap: int | None
    computed_at: datetime | None
    entries: list[EntryOut]


class PlannedResourceIn(Schema):
    name: str = ""
    resource: str | None = Field(None, description="the resource code, once catalogued")


class PlannedSystemIn(Schema):
    name: str
    application_id: int | None = None
    node_id: int | None = None


class ProjectIn(Schema):
    department_id: int
    name: str
    funding: Decimal
    description: str = ""
    is_secret: bool = False
    resources: list[PlannedResourceIn] = []
    systems: list[PlannedSystemIn] = []


class PlannedResourceOut(Schema):
    name: str
    resource: str | None
    published: bool

    @staticmethod
    def resolve_resource(obj):
        return obj.resource.code if obj.resource_id else None

    @staticmethod
    def resolve_published(obj):
        return bool(obj.resource_id and obj.resource.status == Resource.Status.PUBLISHED)


class PlannedSystemOut(Schema):
    name: str
    application_id: int | None
    node_id: int | None


class ProjectOut(Schema):
    id: int
    name: str
    department_id: int
    department: str = Field(..., alias="department.name")
    funding: Decimal
    description: str
    is_secret: bool
    state: str
    resources: list[PlannedResourceOut]
    systems: list[PlannedSystemOut]
    decided_at: datetime | None
    decision_comment: str

    @staticmethod
    def resolve_resources(obj):
        return list(obj.planned_resources.select_related("resource"))

    @staticmethod
    def resolve_systems(obj):
        return list(obj.systems.all())


class DecisionIn(Schema):
    comment: str = ""


class ReportOut(Schema):
    id: int
    region: str = Field(..., alias="region.code")
    period: str
    created_at: datetime
    created_by: str
    summary: dict[str, Any]
    pdf_url: str
    xlsx_url: str

    @staticmethod
    def resolve_pdf_url(obj):
        return f"/api/v1/supervision/reports/{obj.pk}/report.pdf"

    @staticmethod
    def resolve_xlsx_url(obj):
        return f"/api/v1/supervision/reports/{obj.pk}/report.xlsx"


# --- findings and inspections ----------------------------------------------------------------

@router.get("/findings", response=list[FindingOut])
def finding_list(request, region: str = "", period: str = "", rule: str = "",
                 status: str = "", organization_id: int | None = None):
    findings = Finding.objects.restrict(request.auth).select_related("organization")
    if region:
        findings = findings.filter(organization__in=organizations_in(_region(region)))
    if period:
        findings = findings.filter(period=parse_period(period).key)
    filters = {"rule": rule, "status": status, "organization_id": organization_id}
    return findings.filter(**{k: v for k, v in filters.items() if v})[:1000]


@router.get("/findings/{finding_id}", response=FindingOut)
def finding_detail(request, finding_id: int):
    return _found(Finding.objects.restrict(request.auth).select_related("organization"),
                  pk=finding_id)


@router.post("/inspections", response={201: InspectionOut})
def inspection_run(request, payload: ScopeIn):
    return Status(201, services.inspection_run(request.auth, _region(payload.region),
                                               payload.period))


# --- notices ---------------------------------------------------------------------------------

def _notices(request):
    return RectificationNotice.objects.restrict(request.auth).select_related(
        "organization", "issued_by")


@router.get("/notices", response=list[NoticeOut])
def notice_list(request, state: str = ""):
    notices = _notices(request)
    return notices.filter(state=state) if state else notices


@router.post("/notices", response={201: NoticeOut})
def notice_issue(request, payload: NoticeIn):
    organization = _found(Organization.objects, pk=payload.organization_id)
    findings = list(Finding.objects.restrict(request.auth).filter(pk__in=payload.finding_ids))
    if len(findings) != len(set(payload.finding_ids)):
        raise ValidationError({"finding_ids": [_("有的问题不存在或不可见。")]})
    return Status(201, services.notice_issue(
        request.auth, organization, findings=findings, requirements=payload.requirements,
        due_date=payload.due_date))


# Declared before /notices/{notice_id}: Django's resolver tries routes in order, and the
# parameter's pattern would take "sweep" and answer 405.
@router.post("/notices/sweep", response=SweepOut)
def notice_sweep(request, region: str):
    return {"listed": services.notice_sweep(request.auth, _region(region))}


@router.get("/notices/{notice_id}", response=NoticeOut)
def notice_detail(request, notice_id: int):
    return _found(_notices(request), pk=notice_id)


@router.post("/notices/{notice_id}/answer", response=NoticeOut)
def notice_answer(request, notice_id: int, payload: AnswerIn):
    return services.notice_answer(request.auth, _found(_notices(request), pk=notice_id),
                                  answer=payload.answer)


@router.post("/notices/{notice_id}/decline", response=NoticeOut)
def notice_decline(request, notice_id: int, payload: DeclineIn):
    return services.notice_decline(request.auth, _found(_notices(request), pk=notice_id),
                                   reasons=payload.reasons)


@router.post("/notices/{notice_id}/close", response=NoticeOut)
def notice_close(request, notice_id: int, payload: CloseIn):
    return services.notice_close(request.auth, _found(_notices(request), pk=notice_id),
                                 comment=payload.comment)


@router.post("/notices/{notice_id}/reopen", response=NoticeOut)
def notice_reopen(request, notice_id: int, payload: ReopenIn):
    return services.notice_reopen(request.auth, _found(_notices(request), pk=notice_id),
                                  comment=payload.comment, due_date=payload.due_date)


# --- criticism -------------------------------------------------------------------------------

@router.get("/criticisms", response=list[CriticismOut], auth=None)
def criticism_list(request):
    """The published criticism list: public, no login needed."""
    return Criticism.objects.published().select_related("organization", "notice")


@router.post("/criticisms/{criticism_id}/publish", response=CriticismOut)
def criticism_publish(request, criticism_id: int):
    criticism = _found(Criticism.objects.select_related("organization__region", "notice"),
                       pk=criticism_id)
    return services.criticism_publish(request.auth, criticism)


# --- rankings --------------------------------------------------------------------------------

@router.get("/rankings", response=RankingOut)
def ranking_detail(request, region: str, period: str = ""):
    """A region's ranking for a period, with the formula and weights it was computed with."""
    found_region = _region(region)
    period_key = parse_period(period or current_period().key).key
    ranking = Ranking.objects.filter(region=found_region, period=period_key).first()
    weighting = ranking.weights if ranking else rankings.weights()
    return {
        "region": found_region.code, "period": period_key,
        "formula": "score = 100 × Σ(weight × part) ÷ Σ weight",
        "parts": [{"key": p.key, "label": str(p.label), "formula": str(p.formula),
                   "weight": weighting.get(p.key, 0)} for p in rankings.PARTS],
        "findings_cap": ranking.findings_cap if ranking else None,
        "computed_at": ranking.computed_at if ranking else None,
        "entries": list(ranking.entries.select_related("organization")) if ranking else [],
    }


@router.post("/rankings", response={201: RankingOut})
def ranking_compute(request, payload: ScopeIn):
    ranking = services.ranking_compute(request.auth, _region(payload.region), payload.period)
    return Status(201, ranking_detail(request, payload.region, ranking.period))


@router.get("/rankings/export.xlsx")
def ranking_export(request, region: str, period: str):
    ranking = _found(Ranking.objects, region=_region(region), period=parse_period(period).key)
    response = HttpResponse(
        ranking_xlsx(ranking),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="ranking-{region}-{period}.xlsx"'
    return response


# --- projects --------------------------------------------------------------------------------

def _projects(request):
    return InfoProject.objects.restrict(request.auth).select_related("department__region")


def _planned(payload: ProjectIn):
    resources = []
    for entry in payload.resources:
        resource = None
        if entry.resource:
            resource = Resource.objects.filter(code=entry.resource).first()
            if resource is None:
                raise ValidationError({"resources": [
                    _("未知的资源代码 %(code)s。") % {"code": entry.resource}]})
        resources.append({"name": entry.name, "resource": resource})
    systems = [{"name": entry.name,
                "application": Application.objects.filter(pk=entry.application_id).first()
                if entry.application_id else None,
                "node": Node.objects.filter(pk=entry.node_id).first() if entry.node_id else None}
               for entry in payload.systems]
    return resources, systems


@router.get("/projects", response=list[ProjectOut])
def project_list(request, state: str = ""):
    projects = _projects(request)
    return projects.filter(state=state) if state else projects


@router.post("/projects", response={201: ProjectOut})
def project_create(request, payload: ProjectIn):
    department = _found(Organization.objects, pk=payload.department_id)
    resources, systems = _planned(payload)
    return Status(201, services.project_create(
        request.auth, department, name=payload.name, funding=payload.funding,
        description=payload.description, is_secret=payload.is_secret, resources=resources,
        systems=systems))


@router.get("/projects/{project_id}", response=ProjectOut)
def project_detail(request, project_id: int):
    return _found(_projects(request), pk=project_id)


@router.post("/projects/{project_id}/submit", response=ProjectOut)
def project_submit(request, project_id: int):
    return services.project_submit(request.auth, _found(_projects(request), pk=project_id))


@router.post("/projects/{project_id}/approve", response=ProjectOut)
def project_approve(request, project_id: int, payload: DecisionIn):
    return services.project_approve(request.auth, _found(_projects(request), pk=project_id),
                                    comment=payload.comment)


@router.post("/projects/{project_id}/reject", response=ProjectOut)
def project_reject(request, project_id: int, payload: DecisionIn):
    return services.project_reject(request.auth, _found(_projects(request), pk=project_id),
                                   comment=payload.comment)


# --- reports ---------------------------------------------------------------------------------

@router.get("/reports", response=list[ReportOut])
def report_list(request):
    return SupervisionReport.objects.restrict(request.auth).select_related("region")


@router.post("/reports", response={201: ReportOut})
def report_generate(request, payload: ScopeIn):
    return Status(201, services.supervision_report_generate(request.auth, _region(payload.region),
                                                payload.period))


@router.get("/reports/{report_id}/report.{kind}")
def report_file(request, report_id: int, kind: str):
    report = _found(SupervisionReport.objects.restrict(request.auth), pk=report_id)
    if kind not in ("pdf", "xlsx"):
        raise NotFound()
    return FileResponse((report.pdf if kind == "pdf" else report.xlsx).open("rb"),
                        as_attachment=True,
                        filename=f"supervision-{report.region.code}-{report.period}.{kind}")

