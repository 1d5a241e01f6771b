"""Periodic checkpoints of the audit chain, run by the task worker.

django-tasks has no scheduler, so the task books its own next run (`run_after`) each time it
runs; `schedule_checkpoints()` books the first one and is called when the platform starts
(`govshare serve`) and by `govshare audit checkpoint --schedule`. At most one future run is
kept booked, however often it is called.
"""

from datetime import timedelta

from django.conf import settings
from django_tasks import task
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from govshare.core import clock

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
    """Book the next periodic checkpoint unless one is booked already; the task result, or
    None when nothing was booked (one is waiting, or the backend cannot defer tasks)."""
    backend = audit_checkpoint.get_backend()
    if not backend.supports_defer:
        return None
    if isinstance(backend, DatabaseBackend) and DBTaskResult.objects.filter(
        task_path=audit_checkpoint.module_path, status="READY",
    ).exists():
        return None
    interval = timedelta(minutes=settings.GOVSHARE_AUDIT_CHECKPOINT_MINUTES)
    return audit_checkpoint.using(run_after=clock.now() + interval).enqueue()
