"""The monitoring API (/api/v1/monitor/): statistics, dashboards' figures, reports, alerts."""

from datetime import date, datetime, timedelta

from django.apps import apps
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from govshare.core import clock
from govshare.core.exceptions import NotFound, ValidationError
from govshare.core.permissions import authorize

from . import reporting, services, stats
from .models import Alert, DailyStat, Report

router = Router(tags=["monitor"])


def _found(queryset, **lookup):
    found = queryset.filter(**lookup).first()
    if found is None:
        raise NotFound()
    return found


class StatsOut(Schema):
    start: date
    end: date
    totals: dict
    series: dict
    departments: list


@router.get("/stats", response=StatsOut)
def stats_figures(request, region: str | None = None, organization_id: int | None = None,
          start: date | None = None, end: date | None = None):
    """A dashboard's figures: of a region and the regions below it (`region`, a GB/T 2260
    code), of one department (`organization_id`), or of the platform (neither; the operator).
    Flows are summed over [start, end] (default: the last 30 days), stocks read on its last
    day; `series` has each measure per day."""
    end = end or clock.today()
    start = start or end - timedelta(days=29)
    if start > end or (end - start).days > 366:
        raise ValidationError({"start": [_("起始日期应早于截止日期，期间不超过一年。")]})
    if region:
        scope = _found(apps.get_model("orgs", "Region").objects, code=region)
        authorize(request.auth, "dashboard.view_region", scope)
        rows = DailyStat.objects.in_region(scope)
    elif organization_id:
        scope = _found(apps.get_model("orgs", "Organization").objects, pk=organization_id)
        authorize(request.auth, "dashboard.view_organization", scope)
        rows = DailyStat.objects.of_organization(scope)
    else:
        authorize(request.auth, "dashboard.view_platform")
        rows = DailyStat.objects.all()
    return {"start": start, "end": end, "totals": stats.totals(rows, start, end),
            "series": stats.series(rows, start, end, stats.NAMES),
            "departments": stats.by_department(rows, start, end)}


class ReportOut(Schema):
    id: int
    title: str
    region: str
    period_start: date
    period_end: date
    kind: str
    created_at: datetime
    figures: dict
    problems: dict
    pdf_sha256: str
    xlsx_sha256: str

    @staticmethod
    def resolve_region(report):
        return report.region.code


class ReportIn(Schema):
    region: str
    start: date
    end: date


def _reports(request):
    return Report.objects.restrict(request.auth).select_related("region")


@router.get("/reports", response=list[ReportOut])
def report_list(request, region: str | None = None, limit: int = 100):
    authorize(request.auth, "report.view", None)
    reports = _reports(request)
    if region:
        reports = reports.filter(region__code=region)
    return reports[: max(1, min(limit, 1000))]


@router.post("/reports", response={201: ReportOut})
def report_generate(request, payload: ReportIn):
    """Generate a report now (the authority of the region, or the operator)."""
    region = _found(apps.get_model("orgs", "Region").objects, code=payload.region)
    return Status(201, services.report_generate(request.auth, region=region,
                                                start=payload.start, end=payload.end))


@router.get("/reports/{report_id}", response=ReportOut)
def report_detail(request, report_id: int):
    report = _found(_reports(request), pk=report_id)
    authorize(request.auth, "report.view", report)
    return report


@router.get("/reports/{report_id}/{fmt}")
def report_file(request, report_id: int, fmt: str):
    """The report's PDF or XLSX (`fmt`), with its SHA-256 in `Repr-Digest`."""
    report = _found(_reports(request), pk=report_id)
    authorize(request.auth, "report.view", report)
    return reporting.download(report, fmt)


class AlertOut(Schema):
    id: int
    number: str
    rule: str
    rule_label: str
    application_id: int
    application: str
    organization_id: int
    organization: str
    resource_code: str
    subject: str
    window_start: datetime
    window_end: datetime
    observed: float
    threshold: float
    evidence: dict
    state: str
    redistribution: bool
    comment: str
    opened_at: datetime
    decided_at: datetime | None
    decided_by_id: int | None

    @staticmethod
    def resolve_rule_label(alert):
        return str(alert.get_rule_display())

    @staticmethod
    def resolve_application(alert):
        return alert.application.name

    @staticmethod
    def resolve_organization(alert):
        return alert.organization.name


class ConfirmIn(Schema):
    comment: str
    redistribution: bool = True


class DismissIn(Schema):
    comment: str


def _alerts(request):
    return Alert.objects.restrict(request.auth).select_related(
        "application", "organization__region")


@router.get("/alerts", response=list[AlertOut])
def alert_list(request, state: str | None = None, rule: str | None = None, limit: int = 100):
    """Alerts the caller may see, newest first (at most `limit`, ≤ 1000)."""
    authorize(request.auth, "alert.view", None)
    alerts = _alerts(request)
    if state:
        alerts = alerts.filter(state=state)
    if rule:
        alerts = alerts.filter(rule=rule)
    return alerts[: max(1, min(limit, 1000))]


@router.get("/alerts/{alert_id}", response=AlertOut)
def alert_detail(request, alert_id: int):
    alert = _found(_alerts(request), pk=alert_id)
    authorize(request.auth, "alert.view", alert)
    return alert


@router.post("/alerts/{alert_id}/confirm", response=AlertOut)
def alert_confirm(request, alert_id: int, payload: ConfirmIn):
    alert = _found(_alerts(request), pk=alert_id)
    return services.alert_confirm(request.auth, alert, comment=payload.comment,
                                  redistribution=payload.redistribution)


@router.post("/alerts/{alert_id}/dismiss", response=AlertOut)
def alert_dismiss(request, alert_id: int, payload: DismissIn):
    alert = _found(_alerts(request), pk=alert_id)
    return services.alert_dismiss(request.auth, alert, comment=payload.comment)
