"""Who registers a resource's service and its operations, and who watches their health."""

from govshare.core.permissions import rule
from govshare.orgs.models import Role, User


def _provider_or_operator(actor, resource) -> bool:
    """The provider's own people declare what their interface offers; the operator docks it."""
    return isinstance(actor, User) and (actor.is_operator or actor.has_org_role(
        resource.provider, Role.DEPT_ADMIN, Role.SHARING_OFFICER))


@rule("service.register")
def service_register(actor, resource):
    return _provider_or_operator(actor, resource)


@rule("service.operations_import")
def service_operations_import(actor, endpoint):
    return _provider_or_operator(actor, endpoint.resource)


@rule("service.operation_define")
def service_operation_define(actor, endpoint):
    return _provider_or_operator(actor, endpoint.resource)


@rule("service.health_view")
def service_health_view(actor, _obj):
    return isinstance(actor, User) and actor.is_operator
