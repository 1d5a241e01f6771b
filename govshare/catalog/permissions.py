"""Who may compile, submit, review, publish, change and withdraw catalog resources, maintain the
data element register and settle single-source conflicts."""

from govshare.core.permissions import rule
from govshare.orgs.models import ORGANIZATION_ROLES, Role, User


def _person(actor):
    return actor if isinstance(actor, User) else None


def _works_for(actor, organization) -> bool:
    """Department staff, sharing officers and administrators compile their own catalog (R7)."""
    user = _person(actor)
    return bool(user) and user.has_org_role(organization, *ORGANIZATION_ROLES)


def _speaks_for(actor, organization) -> bool:
    """The sharing officer or the administrator submits the catalog to the authority."""
    user = _person(actor)
    return bool(user) and user.has_org_role(organization, Role.SHARING_OFFICER, Role.DEPT_ADMIN)


def _reviews(actor, region) -> bool:
    """An authority reviewer of this region or of one above it (R7: the level's authority
    reviews, and the province's catalog rolls up every level)."""
    user = _person(actor)
    return bool(user) and user.has_region_role(region, Role.AUTHORITY_REVIEWER)


@rule("resource.create")
def resource_create(actor, provider):
    return _works_for(actor, provider)


@rule("resource.update")
def resource_update(actor, resource):
    return _works_for(actor, resource.provider)


@rule("resource.change")
def resource_change(actor, resource):
    return _works_for(actor, resource.provider)


@rule("resource.discard")
def resource_discard(actor, resource):
    return _works_for(actor, resource.provider)


@rule("resource.submit")
def resource_submit(actor, resource):
    return _speaks_for(actor, resource.provider)


def _may_review(actor, resource) -> bool:
    """The provider's authority (or a higher one) reviews; nobody reviews their own submission,
    and a reviewer who also compiles for the provider does not judge their own department."""
    user = _person(actor)
    if not user or not _reviews(user, resource.provider.region):
        return False
    if _works_for(user, resource.provider):
        return False
    pending = resource.pending_version
    return pending is None or pending.submitted_by_id != user.pk


@rule("resource.publish")
def resource_publish(actor, resource):
    return _may_review(actor, resource)


@rule("resource.return")
def resource_return(actor, resource):
    return _may_review(actor, resource)


@rule("resource.withdraw")
def resource_withdraw(actor, resource):
    return _speaks_for(actor, resource.provider) or _reviews(actor, resource.provider.region)


@rule("resource.mark_data_updated")
def resource_mark_data_updated(actor, resource):
    """The provider's people, its consuming systems and exchange nodes (any actor belonging to
    the provider), and the operator."""
    user = _person(actor)
    if user:
        return user.is_operator or _works_for(user, resource.provider)
    return getattr(actor, "organization_id", None) == resource.provider_id


@rule("data_element.create")
def data_element_create(actor, _obj):
    """Standards are the operator's work (R6), with the authorities that apply them."""
    user = _person(actor)
    return bool(user) and (user.is_operator or user.has_role(Role.AUTHORITY_REVIEWER))


@rule("data_element.update")
def data_element_update(actor, element):
    return data_element_create(actor, element)


@rule("source_conflict.resolve")
def source_conflict_resolve(actor, conflict):
    """An authority whose region holds every claimant decides which one is the source."""
    user = _person(actor)
    claims = list(conflict.claims.select_related("resource__provider__region"))
    return bool(user) and bool(claims) and all(
        _reviews(user, claim.resource.provider.region) for claim in claims
    )
