"""The operator's health view of the services docked into the platform."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from govshare.core.permissions import authorize

from . import health

PERIODS = (24, 72, 168)


@login_required
def health_view(request):
    authorize(request.user, "service.health_view")
    try:
        hours = int(request.GET.get("hours", PERIODS[0]))
    except ValueError:
        hours = PERIODS[0]
    hours = hours if hours in PERIODS else PERIODS[0]
    found = health.report(hours)
    names = {s["endpoint"].pk: s["endpoint"].resource.name or s["endpoint"].resource.code
             for s in found["services"]}

    def chart(title, measure):
        return {"title": title, "days": found["hours"],
                "series": [{"label": names[s["endpoint"].pk], "values": s["series"][measure]}
                           for s in found["services"]]}

    charts = {"availability": chart(_("可用率（%）"), "availability"),
              "latency": chart(_("平均时延（毫秒）"), "latency_ms"),
              "errors": chart(_("错误率（%）"), "error_rate")}
    return render(request, "services/health.html", {
        "services": found["services"], "charts": charts, "hours": hours, "periods": PERIODS})
