"""The periodic refresh of the hot terms' postings, run by the task worker.

django-tasks has no scheduler, so the task books its own next run (`run_after`) each time it
runs, as the audit checkpoints do; `schedule_refresh()` books the first one (`govshare search
schedule`, run where the platform starts). At most one future run is kept booked. The refresh
takes no lock the index writers wait for (`aggregates.refresh_hot_terms`).
"""

from datetime import timedelta

from django.conf import settings
from django_tasks import task
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from govshare.core import clock

from .aggregates import refresh_hot_terms


@task()
def refresh_search_postings() -> int:
    """Book the next run, then rebuild the postings; returns how many terms are hot."""
    schedule_refresh()
    return refresh_hot_terms(settings.GOVSHARE_SEARCH_HOT_MIN_DOCUMENTS)


def schedule_refresh():
    """Book the next refresh unless one is booked already; the task result, or None when
    nothing was booked (one is waiting, or the backend cannot defer tasks)."""
    backend = refresh_search_postings.get_backend()
    if not backend.supports_defer:
        return None
    if isinstance(backend, DatabaseBackend) and DBTaskResult.objects.filter(
        task_path=refresh_search_postings.module_path, status="READY",
    ).exists():
        return None
    interval = timedelta(hours=settings.GOVSHARE_SEARCH_REFRESH_HOURS)
    return refresh_search_postings.using(run_after=clock.now() + interval).enqueue()
