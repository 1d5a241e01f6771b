"""The periodic refresh of the hot terms' postings, run by the task worker.

django-tasks has no scheduler, so the task books its own next run (`run_after`) each time it
runs, as the audit checkpoints do; `schedule_refresh()` books the first one (`govshare serve`
when it starts, `govshare search schedule`). At most one future run is kept booked. The refresh
takes no lock the index writers wait for (`aggregates.refresh_hot_terms`).
"""

from datetime import timedelta

from django.conf import settings
from django_tasks import task

from govshare.core import clock
from govshare.core.tasks import book_once

from .aggregates import refresh_hot_terms


@task()
def refresh_search_postings() -> int:
    """Book the next run, then rebuild the postings; returns how many terms are hot."""
    schedule_refresh()
    return refresh_hot_terms(settings.GOVSHARE_SEARCH_HOT_MIN_DOCUMENTS)


def schedule_refresh():
    """Book the next refresh unless one is booked already (`book_once`)."""
    interval = timedelta(hours=settings.GOVSHARE_SEARCH_REFRESH_HOURS)
    return book_once(refresh_search_postings, clock.now() + interval)
