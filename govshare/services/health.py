"""Each service's health over time, from the calls the gateway counted: availability (calls
the provider answered, even with "not found"), mean latency of answered calls, error rate
(calls that failed for any reason on the provider's side, a malformed answer included)."""

from datetime import timedelta

from django.db.models import Avg, Count, Q
from django.db.models.functions import TruncHour
from django.utils import timezone

from govshare.core import clock

from .models import ServiceCall, ServiceEndpoint

DOWN = (ServiceCall.Outcome.UNREACHABLE, ServiceCall.Outcome.TIMEOUT,
        ServiceCall.Outcome.PROVIDER_ERROR)


def _ratio(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def report(hours: int = 24) -> dict:
    """{hours: [labels], services: [{endpoint, calls, availability, latency_ms, error_rate,
    series: {availability, latency_ms, error_rate}}]} for the last `hours` hours."""
    end = clock.now().replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    start = end - timedelta(hours=hours)
    slots = [start + timedelta(hours=h) for h in range(hours)]
    rows = (ServiceCall.objects.filter(at__gte=start, at__lt=end)
            .annotate(hour=TruncHour("at")).values("endpoint_id", "hour")
            .annotate(calls=Count("pk"), down=Count("pk", filter=Q(outcome__in=DOWN)),
                      errors=Count("pk", filter=~Q(outcome=ServiceCall.Outcome.OK)),
                      latency=Avg("latency_ms", filter=~Q(outcome__in=DOWN))))
    by_endpoint: dict[int, dict] = {}
    for row in rows:
        by_endpoint.setdefault(row["endpoint_id"], {})[row["hour"]] = row
    services = []
    for endpoint in ServiceEndpoint.objects.select_related("resource__provider",
                                                           "resource__published_version"):
        hourly = by_endpoint.get(endpoint.pk, {})
        series = {"availability": [], "latency_ms": [], "error_rate": []}
        for slot in slots:
            row = hourly.get(slot)
            calls = row["calls"] if row else 0
            series["availability"].append(_ratio(calls - row["down"], calls) if row else None)
            series["error_rate"].append(_ratio(row["errors"], calls) if row else None)
            latency = row["latency"] if row else None
            series["latency_ms"].append(round(latency, 1) if latency is not None else None)
        calls = sum(r["calls"] for r in hourly.values())
        answered = [(r["latency"], r["calls"] - r["down"]) for r in hourly.values()
                    if r["latency"] is not None]
        weight = sum(n for _l, n in answered)
        services.append({
            "endpoint": endpoint, "calls": calls,
            "availability": _ratio(calls - sum(r["down"] for r in hourly.values()), calls),
            "error_rate": _ratio(sum(r["errors"] for r in hourly.values()), calls),
            "latency_ms": round(sum(lat * n for lat, n in answered) / weight, 1)
            if weight else None,
            "series": series})
    return {"hours": [timezone.localtime(s).strftime("%Y-%m-%d %H:00") for s in slots],
            "services": services}
