"""The monitoring API (/api/v1/monitor/): statistics, dashboards' figures, reports, alerts."""

from datetime import datetime

from ninja import Router, Schema

from govshare.core.exceptions import NotFound
from govshare.core.permissions import authorize

from . import services
from .models import Alert

router = Router(tags=["monitor"])


def _found(queryset, **lookup):
    found = queryset.filter(**lookup).first()
    if found is None:
        raise NotFound()
    return found


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
