"""Who may read the audit log. Which records each reader sees is `AuditRecord.objects.restrict`.

Roles are compared by their stored values so the audit app imports no other app.
"""

from govshare.core.permissions import rule

READER_ROLES = ("operator", "authority_reviewer", "supervisor", "dept_admin")


@rule("audit.view")
def audit_view(actor, _obj=None):
    return getattr(actor, "actor_type", None) == "user" and actor.has_role(*READER_ROLES)
