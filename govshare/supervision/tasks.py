"""Supervision's background work: the periodic inspection (with the criticism sweep and the
ranking it feeds) and the report (see `govshare supervision_inspect`). The inspection of the top
regions runs every GOVSHARE_SUPERVISION_INSPECT_HOURS, each run booking the next, the first
booked by `govshare serve` (`govshare.core.tasks`)."""

from datetime import timedelta

from django.conf import settings
from django_tasks import task

from govshare.core import clock
from govshare.core.tasks import book_once
from govshare.orgs.models import Region
from govshare.sharing.parties import PLATFORM

from . import services
from .models import Inspection
from .periods import current_period


def _regions(region_code):
    if region_code:
        return list(Region.objects.filter(code=region_code))
    return list(Region.objects.filter(parent__isnull=True))


@task()
def inspect(region_code: str = "", period: str = ""):
    """Inspect each region (the top regions by default) for `period` (the current one by
    default), list overdue notices for criticism, and recompute the ranking."""
    period = period or current_period().key
    done = {}
    for region in _regions(region_code):
        inspection = services.inspection_run(PLATFORM, region, period,
                                             trigger=Inspection.Trigger.TASK)
        listed = services.notice_sweep(PLATFORM, region)
        services.ranking_compute(PLATFORM, region, period)
        done[region.code] = {"findings": sum(inspection.counts.values()), "criticised": listed}
    return done


@task()
def periodic_inspection():
    """Book the next periodic inspection, then inspect the top regions for the current
    period."""
    schedule_inspection()
    return inspect.call()


def schedule_inspection():
    """Book the next periodic inspection unless one is booked already (`book_once`)."""
    interval = timedelta(hours=settings.GOVSHARE_SUPERVISION_INSPECT_HOURS)
    return book_once(periodic_inspection, clock.now() + interval)


@task()
def report(region_code: str = "", period: str = ""):
    """Generate and deliver the supervision report of each region for `period`."""
    period = period or current_period().key
    return {region.code: services.supervision_report_generate(PLATFORM, region, period).pk
            for region in _regions(region_code)}
