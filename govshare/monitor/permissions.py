"""Who may scrape the metrics, see which dashboard, make and read reports, and handle alerts.

Roles are compared by their stored values and regions by their paths, so monitor imports no
other app. "The platform" is any actor of type `system` (the platform's own tasks).
"""

from govshare.core.permissions import rule

DEPARTMENT_ROLES = ("dept_admin", "sharing_officer", "dept_staff")


def _person(actor):
    return actor if getattr(actor, "actor_type", None) == "user" else None


def _is_platform(actor) -> bool:
    return getattr(actor, "actor_type", None) == "system"


def _reviews(user, region) -> bool:
    return user.has_region_role(region, "authority_reviewer")


@rule("metrics.scrape")
def metrics_scrape(actor, _obj=None):
    """The operator's monitoring system, by its own credential; no person, no department."""
    organization = getattr(actor, "organization", None)
    return (getattr(actor, "actor_type", None) == "application"
            and organization is not None and organization.duty == "operator")


@rule("dashboard.view_platform")
def dashboard_view_platform(actor, _obj=None):
    user = _person(actor)
    return bool(user) and user.is_operator


@rule("dashboard.view_region")
def dashboard_view_region(actor, region):
    """The authority of the region or of a region above it, supervisors over it, the
    operator."""
    user = _person(actor)
    return bool(user) and (user.is_operator or _reviews(user, region)
                           or user.has_region_role(region, "supervisor"))


@rule("dashboard.view_organization")
def dashboard_view_organization(actor, organization):
    """A department's own people, and whoever may see its region's dashboard."""
    user = _person(actor)
    return bool(user) and (user.has_org_role(organization, *DEPARTMENT_ROLES)
                           or dashboard_view_region(actor, organization.region))


@rule("stats.compute")
def stats_compute(actor, _day=None):
    user = _person(actor)
    return _is_platform(actor) or (bool(user) and user.is_operator)


@rule("report.generate")
def report_generate(actor, region):
    """The region's authority (or one above it) and the operator; the schedule as the
    platform."""
    user = _person(actor)
    return _is_platform(actor) or (bool(user) and (user.is_operator or _reviews(user, region)))


@rule("report.view")
def report_view(actor, report):
    """`report` None asks whether the actor may read any report (the list, the menu)."""
    user = _person(actor)
    if not user:
        return False
    if user.has_role("operator", "supervisor"):
        return True
    if report is None:
        return user.has_role("authority_reviewer")
    return _reviews(user, report.region)


@rule("alert.view")
def alert_view(actor, alert):
    """`alert` None asks whether the actor may read any alert (the list, the menu)."""
    user = _person(actor)
    if not user:
        return False
    if user.has_role("operator", "supervisor"):
        return True
    if alert is None:
        return user.has_role("authority_reviewer")
    return _reviews(user, alert.organization.region)


@rule("alert.detect")
def alert_detect(actor, _obj=None):
    user = _person(actor)
    return _is_platform(actor) or (bool(user) and user.is_operator)


@rule("alert.confirm")
def alert_confirm(actor, _alert):
    """Only the platform operator decides an alert (R6): confirming one is what supervision
    later counts against the department."""
    user = _person(actor)
    return bool(user) and user.is_operator


@rule("alert.dismiss")
def alert_dismiss(actor, alert):
    return alert_confirm(actor, alert)
