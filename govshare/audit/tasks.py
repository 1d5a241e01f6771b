"""Periodic checkpoints of the audit chain, run by the task worker.

django-tasks has no scheduler, so the task books its own next run (`run_after`) each time it
runs; `schedule_checkpoints()` books the first one and is called when the platform starts
(`govshare serve`) and by `govshare audit checkpoint --schedule`. At most one future run is
kept booked, however often it is called.
"""

from datetime import timedelta

from django.conf import settings
from django_tasks import task

from govshare.core import clock
from govshare.core.tasks import book_once

from .checkpoints import make_checkpoint
from .sealer import seal


@task()
def audit_checkpoint() -> int | None:
    """Book the next run, chain pending accesses, then sign the chain head if it moved since
    the last checkpoint. Booking first keeps the schedule alive when signing fails (an
    unreadable key file)."""
    schedule_checkpoints()
    seal()
    checkpoint = make_checkpoint(only_if_moved=True)
    return checkpoint.pk if checkpoint else None


def schedule_checkpoints():
    """Book the next periodic checkpoint unless one is booked already (`book_once`)."""
    interval = timedelta(minutes=settings.GOVSHARE_AUDIT_CHECKPOINT_MINUTES)
    return book_once(audit_checkpoint, clock.now() + interval)
