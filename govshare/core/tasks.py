"""Periodic tasks on django-tasks, which has no scheduler: each run of a periodic task books
the next (`book_once`), and `govshare serve` books the first runs when it starts."""

from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult


def book_once(periodic_task, run_after):
    """Book `periodic_task` to run at `run_after` unless a run is booked already, so however
    often it is called at most one future run waits; the task result, or None when nothing was
    booked (one is waiting, or the backend cannot defer tasks, as in the tests)."""
    backend = periodic_task.get_backend()
    if not backend.supports_defer:
        return None
    if isinstance(backend, DatabaseBackend) and DBTaskResult.objects.filter(
        task_path=periodic_task.module_path, status="READY",
    ).exists():
        return None
    return periodic_task.using(run_after=run_after).enqueue()
