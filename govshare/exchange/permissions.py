"""Who may manage exchange nodes, and which node may push which resource (R9, R10, R18)."""

from govshare.core.permissions import rule
from govshare.orgs.models import Role, User

from .models import Node


def _user(actor):
    return actor if isinstance(actor, User) else None


@rule("registration_code.issue")
def registration_code_issue(actor, organization):
    """A department's administrator enrols its nodes; the operator may do it for anyone."""
    user = _user(actor)
    return bool(user) and (user.is_operator or user.has_org_role(organization, Role.DEPT_ADMIN))


@rule("node.register")
def node_register(actor, code):
    """A node proves itself with its own signature and a valid one-time code (checked by the
    service); it registers only for the organisation the code was issued to."""
    return isinstance(actor, Node) and actor.organization_id == code.organization_id


@rule("node.approve")
def node_approve(actor, node):
    user = _user(actor)
    return bool(user) and user.is_operator


@rule("node.revoke")
def node_revoke(actor, node):
    """The operator, or the department itself (a lost or retired machine)."""
    user = _user(actor)
    return bool(user) and (user.is_operator or user.has_org_role(node.organization,
                                                                   Role.DEPT_ADMIN))


@rule("batch.ingest")
def batch_ingest(actor, resource):
    """Only an approved node of the resource's own provider feeds it (一数一源, R9)."""
    return (isinstance(actor, Node) and actor.state == Node.State.APPROVED
            and actor.organization_id == resource.provider_id)


@rule("masking.set")
def masking_set(actor, grant):
    """The provider decides how its data is de-identified; the operator implements grants."""
    user = _user(actor)
    return bool(user) and (user.is_operator or user.has_org_role(
        grant.resource.provider, Role.DEPT_ADMIN, Role.SHARING_OFFICER))


@rule("file.upload")
def file_upload(actor, resource):
    """The provider's own people or its approved node publish the file's versions."""
    if isinstance(actor, Node):
        return batch_ingest(actor, resource)
    user = _user(actor)
    return bool(user) and user.has_org_role(resource.provider, Role.DEPT_STAFF,
                                            Role.SHARING_OFFICER, Role.DEPT_ADMIN)
