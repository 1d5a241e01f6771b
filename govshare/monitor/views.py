"""Monitoring's web pages and `/metrics`: the dashboards, the reports, the alerts.

Views parse, call a service or a read-only query, and render; which rows a viewer sees is the
models' `restrict(actor)`, what they may do is the services' (`can()` only hides buttons).
"""

import json
from datetime import timedelta

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django_tasks_db.models import DBTaskResult
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from govshare.core import clock
from govshare.core.exceptions import (
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from govshare.core.permissions import authorize, can
from govshare.orgs.authentication import application_from_token

from . import reporting, services, stats
from .collectors import TaskQueueCollector
from .forms import DecisionForm, PeriodForm, ReportForm
from .metrics import REGISTRY, multiprocess_dir
from .models import Alert, DailyStat, DetectorCursor, Report, StatsDay


def _exposition() -> bytes:
    scraped = CollectorRegistry(auto_describe=True)
    scraped.register(TaskQueueCollector())
    directory = multiprocess_dir()
    if directory:
        MultiProcessCollector(scraped, path=directory)
        return generate_latest(scraped)
    return generate_latest(REGISTRY) + generate_latest(scraped)


def _refusal(status, message):
    response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="govshare metrics"'
    return response


@require_GET
def metrics(request):
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    try:
        if scheme.lower() != "bearer":
            raise NotAuthenticated()
        application = application_from_token(token.strip())
        authorize(application, "metrics.scrape")
    except NotAuthenticated:
        return _refusal(401, _("需要平台运维单位监测系统的访问凭证。"))
    except PermissionDenied:
        return _refusal(403, _("此凭证无权读取监测指标。"))
    return HttpResponse(_exposition(), content_type=CONTENT_TYPE_LATEST)


def _found(queryset, **lookup):
    found = queryset.filter(**lookup).first()
    if found is None:
        raise NotFound()
    return found


def _page(request, template, context):
    """Render a monitoring page with the sub-navigation the viewer may use."""
    user = request.user
    return render(request, template, {
        "may_view_alerts": can(user, "alert.view", None),
        "may_view_reports": can(user, "report.view", None), **context})


# --- dashboards ---------------------------------------------------------------------------

DEFAULT_DAYS = 30


def _period(request):
    """The period asked for (the last 30 days by default), and the form showing it."""
    form = PeriodForm(request.GET or None)
    today = clock.today()
    data = form.cleaned_data if form.is_valid() else {}
    end = min(data.get("end") or today, today)
    start = data.get("start") or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end or (end - start).days > 366:
        start = end - timedelta(days=DEFAULT_DAYS - 1)
    form = PeriodForm(initial={"start": start, "end": end})
    return start, end, form


def _chart_data(rows, start, end):
    """What the page's ECharts draw: daily trends and the departments' calls."""
    labels = {m.name: str(m.label) for m in stats.MEASURES}
    series = stats.series(rows, start, end, stats.NAMES)
    departments = stats.by_department(rows, start, end)[:reporting.TOP_DEPARTMENTS]

    def lines(names):
        return {"days": series["days"],
                "series": [{"label": labels[n], "values": series[n]} for n in names]}

    return {
        "trend": {**lines(reporting.TREND), "title": _("每日接口调用与被拒绝访问")},
        "rows": {**lines(("rows_served", "rows_ingested")), "title": _("每日提供与汇聚记录数")},
        "requests": {**lines(reporting.REQUESTS), "title": _("每日共享申请办理"),
                     "kind": "bar"},
        "departments": {
            "title": _("各部门数据调用"), "kind": "hbar",
            "labels": [d["organization"] for d in departments],
            "series": [{"label": _("作为提供方被调用"),
                        "values": [d.get("served_calls", 0) for d in departments]},
                       {"label": _("作为使用方调用"),
                        "values": [d.get("calls", 0) for d in departments]}]},
    }


def _dashboard(request, template, rows, **context):
    start, end, form = _period(request)
    measures = stats.totals(rows, start, end)
    return _page(request, template, {
        "form": form, "start": start, "end": end,
        "measures": [(m, measures[m.name]) for m in stats.MEASURES],
        "charts": _chart_data(rows, start, end),
        "computed": StatsDay.objects.filter(day__lte=end).order_by("-day").first(),
        "departments": stats.by_department(rows, start, end),
        "columns": reporting.DEPARTMENT_COLUMNS, **context})


def _problem_tables(problems, organization=None):
    tables = []
    for key, heading, header in reporting.PROBLEM_SHEETS:
        rows = [row for row in problems[key] if organization is None
                or row.get("organization_id") == organization.pk]
        tables.append((key, heading, list(header.values()),
                       [[row.get(f, "") for f in header] for row in rows]))
    return tables


@login_required
def index(request):
    """Each viewer's own dashboard: the operator's platform, an authority's or a supervisor's
    region, a department's own."""
    user = request.user
    if can(user, "dashboard.view_platform"):
        return redirect("monitor:platform_dashboard")
    for assignment in user.role_assignments():
        if assignment.region_id and can(user, "dashboard.view_region", assignment.region):
            return redirect("monitor:region_dashboard", code=assignment.region.code)
    for assignment in user.role_assignments():
        if assignment.organization_id and can(user, "dashboard.view_organization",
                                              assignment.organization):
            return redirect("monitor:organization_dashboard", pk=assignment.organization_id)
    authorize(user, "dashboard.view_platform")


@login_required
def region_dashboard(request, code):
    region = _found(apps.get_model("orgs", "Region").objects, code=code)
    authorize(request.user, "dashboard.view_region", region)
    start, end, _form = _period(request)
    return _dashboard(
        request, "monitor/dashboard.html", DailyStat.objects.in_region(region),
        heading=_("%(region)s共享情况") % {"region": region.name}, region=region,
        children=region.children.order_by("code"),
        problems=_problem_tables(reporting.problems(region, start, end)),
        may_generate=can(request.user, "report.generate", region))


@login_required
def organization_dashboard(request, pk):
    organization = _found(apps.get_model("orgs", "Organization").objects.select_related(
        "region"), pk=pk)
    authorize(request.user, "dashboard.view_organization", organization)
    start, end, _form = _period(request)
    return _dashboard(
        request, "monitor/dashboard.html", DailyStat.objects.of_organization(organization),
        heading=_("%(organization)s共享情况") % {"organization": organization.name},
        organization=organization,
        problems=_problem_tables(reporting.problems(organization.region, start, end),
                                 organization))


@login_required
def platform_dashboard(request):
    authorize(request.user, "dashboard.view_platform")
    since = clock.now() - timedelta(days=1)
    tasks = dict(DBTaskResult.objects.filter(Q(status__in=["READY", "RUNNING"])
                                             | Q(status="FAILED", finished_at__gte=since))
                 .values_list("status").annotate(n=Count("id")))
    checkpoint = apps.get_model("audit", "AuditCheckpoint").objects.order_by("-id").first()
    return _dashboard(
        request, "monitor/dashboard.html", DailyStat.objects.all(),
        heading=_("平台运行情况"), platform=True,
        health=[
            (_("待执行的后台任务"), tasks.get("READY", 0)),
            (_("正在执行的后台任务"), tasks.get("RUNNING", 0)),
            (_("近24小时失败的后台任务"), tasks.get("FAILED", 0)),
            (_("待核查的异常告警"), Alert.objects.open().count()),
            (_("异常检测最近运行"), _when(DetectorCursor.objects.values_list(
                "last_run_at", flat=True).first())),
            (_("最近审计检查点"), _when(checkpoint.time if checkpoint else None)),
            (_("最近生成的报告"), Report.objects.order_by("-created_at").first() or "—"),
        ],
        regions=apps.get_model("orgs", "Region").objects.filter(level="province"))


def _when(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"


# --- reports ------------------------------------------------------------------------------

def _report_regions(user):
    """The regions the viewer may report on, for the form."""
    regions = (apps.get_model("orgs", "Region").objects
               .filter(organizations__duty="authority").distinct().order_by("path"))
    return [region for region in regions if can(user, "report.generate", region)]


@login_required
def report_list(request):
    authorize(request.user, "report.view", None)
    regions = _report_regions(request.user)
    form = ReportForm(request.POST or None, regions=regions, initial={
        "start": clock.today().replace(day=1), "end": clock.today()})
    if request.method == "POST":
        if not form.is_valid():
            raise ValidationError({k: list(v) for k, v in form.errors.items()})
        region = _found(apps.get_model("orgs", "Region").objects,
                        code=form.cleaned_data["region"])
        report = services.report_generate(request.user, region=region,
                                          start=form.cleaned_data["start"],
                                          end=form.cleaned_data["end"])
        messages.success(request, _("报告已生成。"))
        return redirect("monitor:report_detail", pk=report.pk)
    reports = Report.objects.restrict(request.user).select_related("region", "requested_by")
    return _page(request, "monitor/report_list.html", {
        "reports": reports[:200], "form": form if regions else None})


def _visible_report(request, pk):
    report = _found(Report.objects.restrict(request.user).select_related("region"), pk=pk)
    authorize(request.user, "report.view", report)
    return report


@login_required
def report_detail(request, pk):
    report = _visible_report(request, pk)
    return _page(request, "monitor/report_detail.html", {
        "report": report, "measures": [(m, report.figures.get("totals", {}).get(m.name, 0))
                                       for m in stats.MEASURES],
        "problems": _problem_tables(report.problems)})


@login_required
def report_download(request, pk, fmt):
    return reporting.download(_visible_report(request, pk), fmt)


# --- alerts -------------------------------------------------------------------------------

EVIDENCE_LABELS = {
    "calls": gettext_lazy("调用次数"),
    "usual_hourly_calls": gettext_lazy("平时每小时调用次数"),
    "by_resource": gettext_lazy("按资源的调用次数"),
    "distinct_keys": gettext_lazy("不同主键数"),
    "usual_daily_keys": gettext_lazy("平时每日不同主键数"),
    "rows": gettext_lazy("返回记录数"),
    "keys_by_hour": gettext_lazy("每小时不同主键数"),
    "network": gettext_lazy("新网络"),
    "addresses": gettext_lazy("来源地址"),
    "credentials": gettext_lazy("使用的凭证"),
    "known_networks": gettext_lazy("已知网络"),
    "off_hours_calls": gettext_lazy("非工作时间调用次数"),
    "share": gettext_lazy("非工作时间占比"),
    "usual_share": gettext_lazy("平时非工作时间占比"),
    "working_hours": gettext_lazy("工作时间"),
    "calls_by_hour": gettext_lazy("每小时调用次数"),
    "records": gettext_lazy("审计日志中的访问记录"),
}


def _evidence(alert):
    return [(EVIDENCE_LABELS.get(key, key),
             json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value)
            for key, value in alert.evidence.items()]


def _visible_alerts(user):
    return Alert.objects.restrict(user).select_related(
        "application", "organization__region", "decided_by")


@login_required
def alert_list(request):
    authorize(request.user, "alert.view", None)
    alerts = _visible_alerts(request.user)
    state = request.GET.get("state", "")
    if state in Alert.State.values:
        alerts = alerts.filter(state=state)
    return _page(request, "monitor/alert_list.html", {
        "alerts": alerts[:500], "state": state, "states": Alert.State.choices,
    })


@login_required
def alert_detail(request, pk):
    alert = _found(_visible_alerts(request.user), pk=pk)
    authorize(request.user, "alert.view", alert)
    return _page(request, "monitor/alert_detail.html", {
        "alert": alert, "form": DecisionForm(), "evidence": _evidence(alert),
        "may_decide": alert.state == Alert.State.OPEN and can(request.user, "alert.confirm",
                                                             alert),
    })


@login_required
@require_POST
def alert_decide(request, pk, verb):
    alert = _found(_visible_alerts(request.user), pk=pk)
    data = DecisionForm(request.POST).cleaned()
    if verb == "confirm":
        services.alert_confirm(request.user, alert, comment=data["comment"],
                               redistribution=data["redistribution"])
    elif verb == "dismiss":
        services.alert_dismiss(request.user, alert, comment=data["comment"])
    else:
        raise NotFound()
    messages.success(request, _("告警 %(number)s 已处理。") % {"number": alert.number})
    return redirect("monitor:alert_detail", pk=alert.pk)
