"""Who is who in a share request: the people of each party, the coordinating region, and the
platform itself as the actor of automatic steps.

The authority that coordinates a dispute is the authority of the lowest region containing both
the consumer and the provider: the provider's own region when both are in it (or the consumer is
below it), the common higher region otherwise (two cities' departments go to the province). Its
reviewers, and those of any region above it, may act.
"""

from govshare.orgs.models import Region, Role, RoleAssignment, User


class Platform:
    """The platform acting on its own: deadline sweeps, automatic grants and activations.

    It is authenticated for the rules that name it, and for nothing else."""

    actor_type = "system"
    pk = ""
    organization_id = None
    is_authenticated = True
    is_active = True

    def __str__(self):
        return "platform"


PLATFORM = Platform()


def is_platform(actor) -> bool:
    return isinstance(actor, Platform)


def coordinating_region(consumer_region: Region, provider_region: Region) -> Region:
    """The lowest region containing both regions."""
    consumer_path = consumer_region.path.split("/")
    provider_path = provider_region.path.split("/")
    common = []
    for a, b in zip(consumer_path, provider_path, strict=False):
        if a != b:
            break
        common.append(a)
    if not common:
        # Regions of two provinces meet at no province: the provider's side coordinates.
        return provider_region
    return Region.objects.get(code=common[-1])


def _holders(role, **scope):
    return list(User.objects.filter(
        is_active=True,
        pk__in=RoleAssignment.objects.filter(role=role, **scope).values("user_id"),
    ))


def sharing_officers(organization):
    return _holders(Role.SHARING_OFFICER, organization=organization)


def consumer_people(share_request):
    """The requester and the consumer's sharing officers."""
    people = {u.pk: u for u in sharing_officers(share_request.consumer)}
    people[share_request.requested_by_id] = share_request.requested_by
    return list(people.values())


def authority_reviewers(region):
    """The reviewers of `region`; when it has none, those of the nearest region above."""
    for candidate in [region, *reversed(region.ancestors())]:
        reviewers = _holders(Role.AUTHORITY_REVIEWER, region=candidate)
        if reviewers:
            return reviewers
    return []


def operators():
    return _holders(Role.OPERATOR)


def is_consumer(actor, share_request) -> bool:
    """The consumer's sharing officers and staff act for it."""
    return isinstance(actor, User) and actor.has_org_role(
        share_request.consumer, Role.SHARING_OFFICER, Role.DEPT_STAFF)


def is_provider(actor, resource) -> bool:
    """The provider's sharing officers answer for it."""
    return isinstance(actor, User) and actor.has_org_role(resource.provider, Role.SHARING_OFFICER)


def is_authority(actor, region) -> bool:
    return isinstance(actor, User) and actor.has_region_role(region, Role.AUTHORITY_REVIEWER)


def is_operator(actor) -> bool:
    return isinstance(actor, User) and actor.is_operator


def is_requester(actor, share_request) -> bool:
    return isinstance(actor, User) and actor.pk == share_request.requested_by_id
