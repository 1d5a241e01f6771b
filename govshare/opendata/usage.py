"""Counting the use of open data for the statistics: per dataset and day in `DailyUsage`, and in
the Prometheus counters of govshare.monitor.metrics. Counts are statistics, not audit: the
public's downloads are anonymous; a registrant's downloads are in the audit log as accesses."""

from django.db import IntegrityError, transaction
from django.db.models import F

from govshare.core import clock
from govshare.monitor.metrics import OPENDATA_API_CALLS, OPENDATA_DOWNLOADS

from .models import DailyUsage


def _add(resource, field):
    today = clock.today()
    if DailyUsage.objects.filter(resource=resource, day=today).update(**{field: F(field) + 1}):
        return
    try:
        with transaction.atomic():
            DailyUsage.objects.create(resource=resource, day=today, **{field: 1})
    except IntegrityError:
        # Another request created today's row first.
        DailyUsage.objects.filter(resource=resource, day=today).update(**{field: F(field) + 1})


def count_download(resource, fmt: str) -> None:
    _add(resource, "downloads")
    OPENDATA_DOWNLOADS.labels(resource.code, fmt).inc()


def count_api_call(action: str, outcome: str, resource=None) -> None:
    if resource is not None:
        _add(resource, "api_calls")
    OPENDATA_API_CALLS.labels(action, outcome).inc()
