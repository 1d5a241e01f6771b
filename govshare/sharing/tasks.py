"""The periodic deadline sweep as a background task (see `govshare sharing_sweep`): hourly,
each run booking the next, the first booked by `govshare serve` (`govshare.core.tasks`)."""

from datetime import timedelta

from django_tasks import task

from govshare.core import clock
from govshare.core.tasks import book_once

from . import services
from .parties import PLATFORM


@task()
def sweep_deadlines():
    """Book the next sweep an hour on, then record and report overdue steps, close lapsed
    refusals, expire grants. Booking first keeps the schedule alive when a sweep fails."""
    book_once(sweep_deadlines, clock.now() + timedelta(hours=1))
    return services.share_request_sweep(PLATFORM)


def schedule_sweep():
    """Book a sweep now unless one is booked already (`book_once`)."""
    return book_once(sweep_deadlines, clock.now())
