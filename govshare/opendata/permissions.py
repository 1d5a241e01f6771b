"""Who may propose and review de-identification rules, open and close datasets, and answer the
applications of registered enterprises and organisations (R19)."""

from govshare.core.permissions import rule
from govshare.orgs.models import ORGANIZATION_ROLES, Role, User

from .models import Registrant


def _person(actor):
    return actor if isinstance(actor, User) else None


def _speaks_for(actor, organization) -> bool:
    """The provider's sharing officer (or administrator) decides what its data releases."""
    user = _person(actor)
    return bool(user) and user.has_org_role(organization, Role.SHARING_OFFICER, Role.DEPT_ADMIN)


def _reviews(actor, region) -> bool:
    user = _person(actor)
    return bool(user) and user.has_region_role(region, Role.AUTHORITY_REVIEWER)


@rule("deidentification.propose")
def deidentification_propose(actor, resource):
    return _speaks_for(actor, resource.provider)


def _may_review(actor, deidentification) -> bool:
    """An authority reviewer of the provider's region (or above) who neither proposed these
    rules nor works for the provider: nobody approves their own."""
    user = _person(actor)
    provider = deidentification.resource.provider
    return (bool(user) and _reviews(user, provider.region)
            and deidentification.proposed_by_id != user.pk
            and not user.has_org_role(provider, *ORGANIZATION_ROLES))


@rule("deidentification.approve")
def deidentification_approve(actor, deidentification):
    return _may_review(actor, deidentification)


@rule("deidentification.return")
def deidentification_return(actor, deidentification):
    return _may_review(actor, deidentification)


@rule("dataset.open")
def dataset_open(actor, resource):
    return _speaks_for(actor, resource.provider)


@rule("dataset.close")
def dataset_close(actor, dataset):
    """The provider, its authority, or the operator (e.g. on a privacy complaint)."""
    provider = dataset.resource.provider
    user = _person(actor)
    return _speaks_for(actor, provider) or _reviews(actor, provider.region) or (
        bool(user) and user.is_operator)


@rule("registrant.register")
def registrant_register(actor, _obj):
    """An enterprise or organisation registers itself: the actor is its own unsaved record."""
    return isinstance(actor, Registrant) and actor.pk is None


@rule("registrant_credential.issue")
def registrant_credential_issue(actor, registrant):
    """A registrant issues its own credentials; the operator re-issues one that was lost."""
    if isinstance(actor, Registrant):
        return actor.pk == registrant.pk
    user = _person(actor)
    return bool(user) and user.is_operator


@rule("access_request.file")
def access_request_file(actor, resource):
    return isinstance(actor, Registrant) and actor.pk is not None


@rule("access_request.approve")
def access_request_approve(actor, access_request):
    return _speaks_for(actor, access_request.resource.provider)


@rule("access_request.refuse")
def access_request_refuse(actor, access_request):
    return _speaks_for(actor, access_request.resource.provider)


@rule("access_request.revoke")
def access_request_revoke(actor, access_request):
    """The provider, the operator, or the registrant giving up its own licence."""
    if isinstance(actor, Registrant):
        return actor.pk == access_request.registrant_id
    user = _person(actor)
    return _speaks_for(actor, access_request.resource.provider) or (
        bool(user) and user.is_operator)
