"""Monitoring's periodic work, run by the task worker: anomaly detection every few minutes,
the statistics every hour, the monthly reports.

django-tasks has no scheduler, so each task books its own next run (`run_after`), as the audit
checkpoints do; `schedule_monitoring()` books the first runs (`govshare monitor schedule`) and
keeps at most one future run of each booked.
"""

from datetime import timedelta

from django.conf import settings
from django_tasks import task
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from govshare.core import clock
from govshare.core.permissions import denials_recorded

from . import services


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


def _book(periodic_task, run_after):
    """Book `periodic_task` to run at `run_after` unless a run is booked already; the task
    result, or None."""
    backend = periodic_task.get_backend()
    if not backend.supports_defer:
        return None
    if isinstance(backend, DatabaseBackend) and DBTaskResult.objects.filter(
        task_path=periodic_task.module_path, status="READY",
    ).exists():
        return None
    return periodic_task.using(run_after=run_after).enqueue()


@task()
def detect_anomalies() -> int:
    """Run the detector over the new access records, then book the next run."""
    with denials_recorded():
        raised = services.alert_detect(MONITOR)
    _book(detect_anomalies, clock.now() + timedelta(
        minutes=settings.GOVSHARE_ALERTS["interval_minutes"]))
    return len(raised)


def schedule_monitoring() -> list:
    """Book the first run of each periodic monitoring task not booked yet."""
    now = clock.now()
    booked = [_book(detect_anomalies, now)]
    return [result for result in booked if result is not None]
