"""Monitoring's web pages and `/metrics`: the dashboards, the reports, the alerts.

Views parse, call a service or a read-only query, and render; which rows a viewer sees is the
models' `restrict(actor)`, what they may do is the services' (`can()` only hides buttons).
"""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from govshare.core.exceptions import NotAuthenticated, NotFound, PermissionDenied
from govshare.core.permissions import authorize, can
from govshare.orgs.authentication import application_from_token

from . import services
from .collectors import TaskQueueCollector
from .forms import DecisionForm
from .metrics import REGISTRY, multiprocess_dir
from .models import Alert


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
        "may_view_alerts": can(user, "alert.view", None), **context})


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
