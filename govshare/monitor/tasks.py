"""Monitoring's periodic work, run by the task worker: anomaly detection every few minutes,
the statistics every hour, the monthly reports.

django-tasks has no scheduler, so each task books its own next run (`run_after`), as the audit
checkpoints do; `schedule_monitoring()` books the first runs (`govshare serve` when it starts,
`govshare monitor schedule`) and keeps at most one future run of each booked.
"""

from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.utils import timezone
from django_tasks import task

from govshare.core import clock
from govshare.core.permissions import denials_recorded
from govshare.core.tasks import book_once

from . import services, stats
from .models import Report

# Days back the hourly statistics run looks for days never computed after they ended.
STATS_LOOKBACK_DAYS = 7


class _Monitor:
    """The platform's monitoring tasks acting on their own; authenticated for the rules that
    admit the platform (actor type `system`) and for nothing else."""

    actor_type = "system"
    pk = ""
    organization_id = None
    is_authenticated = True
    is_active = True

    def __str__(self):
        return "monitor"


MONITOR = _Monitor()


@task()
def detect_anomalies() -> int:
    """Run the detector over the new access records, then book the next run."""
    with denials_recorded():
        raised = services.alert_detect(MONITOR)
    book_once(detect_anomalies, clock.now() + timedelta(
        minutes=settings.GOVSHARE_ALERTS["interval_minutes"]))
    return len(raised)


@task()
def refresh_statistics() -> list[str]:
    """Compute today's statistics so far, and the last days' again until computed after
    they ended; then book the next run in an hour."""
    today = clock.today()
    days = [*stats.stale_days(today - timedelta(days=STATS_LOOKBACK_DAYS), today), today]
    with denials_recorded():
        for day in sorted(set(days)):
            services.stats_compute(MONITOR, day)
    book_once(refresh_statistics, clock.now() + timedelta(hours=1))
    return [day.isoformat() for day in sorted(set(days))]


def previous_month(today) -> tuple:
    """(first day, last day) of the month before `today`'s."""
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def _next_report_time(now):
    """The next monthly report time: GOVSHARE_REPORT_DAY at GOVSHARE_REPORT_HOUR."""
    local = timezone.localtime(now)
    at = local.replace(day=settings.GOVSHARE_REPORT_DAY, hour=settings.GOVSHARE_REPORT_HOUR,
                       minute=0, second=0, microsecond=0)
    if at <= local:
        at = (at.replace(day=28) + timedelta(days=4)).replace(day=settings.GOVSHARE_REPORT_DAY)
    return at


@task()
def make_monthly_reports() -> list[int]:
    """Last month's report for every region with a sharing authority (unless made already),
    then book next month's run."""
    start, end = previous_month(clock.today())
    organizations = apps.get_model("orgs", "Organization").objects
    regions = (apps.get_model("orgs", "Region").objects
               .filter(pk__in=organizations.filter(duty="authority").values("region_id"))
               .order_by("path"))
    made = []
    with denials_recorded():
        for region in regions:
            if Report.objects.filter(region=region, period_start=start,
                                     kind=Report.Kind.MONTHLY).exists():
                continue
            report = services.report_generate(MONITOR, region=region, start=start, end=end,
                                              kind=Report.Kind.MONTHLY)
            made.append(report.pk)
    book_once(make_monthly_reports, _next_report_time(clock.now()))
    return made


def schedule_monitoring() -> list:
    """Book the first run of each periodic monitoring task not booked yet."""
    now = clock.now()
    booked = [book_once(detect_anomalies, now), book_once(refresh_statistics, now),
              book_once(make_monthly_reports, _next_report_time(now))]
    return [result for result in booked if result is not None]
