"""Who may act on share requests, grants, objections and the working-day calendar.

The rules of the three state machines come from their tables (`workflow.py`): an action is
allowed to the people of the parties its row names. The consumer acts through its sharing
officers or staff, the provider through its sharing officers, the authority through reviewers of
the coordinating region or a region above it, the operator through the platform operators, and
the platform through the sweep (`parties.PLATFORM`). Nobody but the consumer's people acts on a
request they filed themselves: requester and approver are always different people.
"""

from govshare.core.permissions import rule
from govshare.orgs.models import Role, User

from .models import Party
from .parties import is_authority, is_operator, is_platform, is_provider
from .workflow import GRANT, OBJECTION, SHARE_REQUEST, verb_of


def _is_consumer(actor, organization) -> bool:
    return isinstance(actor, User) and actor.has_org_role(
        organization, Role.SHARING_OFFICER, Role.DEPT_STAFF)


def _acts_for(actor, party, *, consumer, resource, region) -> bool:
    if party == Party.CONSUMER:
        return _is_consumer(actor, consumer)
    if party == Party.PROVIDER:
        return is_provider(actor, resource)
    if party == Party.AUTHORITY:
        return is_authority(actor, region)
    if party == Party.OPERATOR:
        return is_operator(actor)
    return is_platform(actor)


def _allowed(actor, parties, *, requester_id, **scope) -> bool:
    """Whether `actor` belongs to one of `parties`; only the consumer's side may be the
    person who filed."""
    for party in parties:
        if not _acts_for(actor, party, **scope):
            continue
        if party == Party.CONSUMER or getattr(actor, "pk", None) != requester_id:
            return True
    return False


def _request_rule(parties):
    def predicate(actor, share_request):
        return _allowed(actor, parties, requester_id=share_request.requested_by_id,
                        consumer=share_request.consumer, resource=share_request.resource,
                        region=share_request.coordinating_region)
    return predicate


def _grant_rule(parties):
    def predicate(actor, grant):
        share_request = grant.share_request
        return _allowed(actor, parties, requester_id=share_request.requested_by_id,
                        consumer=grant.application.organization, resource=grant.resource,
                        region=share_request.coordinating_region)
    return predicate


def _objection_rule(parties):
    def predicate(actor, objection):
        return _allowed(actor, parties, requester_id=objection.raised_by_id,
                        consumer=objection.consumer, resource=objection.resource,
                        region=objection.resource.provider.region)
    return predicate


for _machine, _make in ((SHARE_REQUEST, _request_rule), (GRANT, _grant_rule),
                        (OBJECTION, _objection_rule)):
    for _verb in dict.fromkeys(verb_of(t.action) for t in _machine.transitions):
        rule(f"{_machine.name}.{_verb}")(_make(tuple(_machine.parties_of(_verb))))


@rule("share_request.sweep")
def share_request_sweep(actor, obj):
    """The platform's periodic sweep; the operator may start it by hand."""
    return is_platform(actor) or is_operator(actor)


@rule("calendar_override.set")
def calendar_override_set(actor, override):
    return is_operator(actor)


@rule("calendar_override.remove")
def calendar_override_remove(actor, override):
    return is_operator(actor)
