"""The periodic deadline sweep as a background task (see `govshare sharing_sweep`)."""

from django_tasks import task

from . import services
from .parties import PLATFORM


@task()
def sweep_deadlines():
    """Record and report overdue steps, close lapsed refusals, expire grants."""
    return services.share_request_sweep(PLATFORM)
