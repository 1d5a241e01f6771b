"""Who may act on share requests, grants, objections and the working-day calendar.

Each party of a share request acts through its people: the consumer's sharing officer or staff,
the provider's sharing officer, the authority reviewers of the coordinating region (or of a
region above it), and the platform operator. `parties.py` says who is who for a given request.
"""

from govshare.core.permissions import rule
from govshare.orgs.models import User


def _operator(actor) -> bool:
    return isinstance(actor, User) and actor.is_operator


@rule("calendar_override.set")
def calendar_override_set(actor, override):
    return _operator(actor)


@rule("calendar_override.remove")
def calendar_override_remove(actor, override):
    return _operator(actor)
