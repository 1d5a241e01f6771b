"""The periodic harvest of every approved peer's catalog changes (see `govshare federation
harvest`): every GOVSHARE_FEDERATION_HARVEST_MINUTES, each run booking the next, the first
booked by `govshare serve` (`govshare.core.tasks`)."""

import logging
from datetime import timedelta

from django.conf import settings
from django_tasks import task

from govshare.core import clock
from govshare.core.exceptions import ServiceError
from govshare.core.tasks import book_once
from govshare.sharing.parties import PLATFORM

from . import services
from .models import Peer

logger = logging.getLogger(__name__)


@task()
def harvest_peers() -> dict:
    """Book the next harvest, then harvest each approved peer from its cursor. A peer that
    cannot be harvested now (down, refusing, garbled) is logged and tried again next run; the
    others are harvested all the same."""
    schedule_harvest()
    done = {}
    for peer in Peer.objects.approved():
        try:
            done[peer.name] = services.peer_harvest(PLATFORM, peer)
        except ServiceError as error:
            logger.warning("harvesting %s failed: %s", peer.name, error.message)
            done[peer.name] = {"error": str(error.message)}
    return done


def schedule_harvest():
    """Book the next harvest unless one is booked already (`book_once`)."""
    interval = timedelta(minutes=settings.GOVSHARE_FEDERATION_HARVEST_MINUTES)
    return book_once(harvest_peers, clock.now() + interval)
