"""Who may manage organisations, people, roles, applications and credentials."""

from govshare.core.permissions import rule

from .models import ORGANIZATION_ROLES, Role, User
from .tenancy import serves


def _person(actor):
    """The actor as a user, or None for an application or node (they manage nothing here)."""
    return actor if isinstance(actor, User) else None


def _manages_people_of(actor, organization) -> bool:
    user = _person(actor)
    return bool(user) and (user.is_operator or user.has_org_role(organization, Role.DEPT_ADMIN))


def _manages_applications_of(actor, organization) -> bool:
    user = _person(actor)
    return bool(user) and user.has_org_role(organization, Role.DEPT_ADMIN, Role.SHARING_OFFICER)


@rule("organization.create")
def organization_create(actor, region):
    """The operator, inside the region subtree this installation serves (R4, R8)."""
    user = _person(actor)
    return bool(user) and user.is_operator and serves(region)


@rule("organization.update")
def organization_update(actor, organization):
    user = _person(actor)
    return bool(user) and user.is_operator and serves(organization.region)


@rule("user.create")
def user_create(actor, organization):
    return _manages_people_of(actor, organization)


@rule("user.update")
def user_update(actor, target):
    return target.organization_id is not None and _manages_people_of(actor, target.organization)


@rule("user.view")
def user_view(actor, target):
    user = _person(actor)
    return bool(user) and (user.pk == target.pk or user_update(actor, target))


@rule("role.assign")
def role_assign(actor, assignment):
    """Department administrators hand out department roles to their own people; the operator
    hands out every role, including the region-scoped ones; no one scopes a role outside the
    subtree this installation serves."""
    user = _person(actor)
    scope = assignment.region if assignment.region_id else (
        assignment.organization.region if assignment.organization_id else None)
    if not user or not serves(scope):
        return False
    if user.is_operator:
        return True
    return (
        assignment.role in ORGANIZATION_ROLES
        and assignment.organization_id is not None
        and assignment.user.organization_id == assignment.organization_id
        and user.has_org_role(assignment.organization, Role.DEPT_ADMIN)
    )


@rule("role.revoke")
def role_revoke(actor, assignment):
    return role_assign(actor, assignment)


@rule("application.create")
def application_create(actor, organization):
    return _manages_applications_of(actor, organization)


@rule("application.update")
def application_update(actor, application):
    return _manages_applications_of(actor, application.organization)


@rule("credential.issue")
def credential_issue(actor, application):
    return _manages_applications_of(actor, application.organization)


@rule("credential.revoke")
def credential_revoke(actor, credential):
    return _manages_applications_of(actor, credential.application.organization)
