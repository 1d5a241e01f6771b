"""The audit log's answers to signals other parts of the platform send."""

from .services import audit_record


def record_denial(sender, *, actor, action, obj, **kwargs) -> None:
    """core.permissions.permission_denied: the refusal, recorded with outcome `denied`."""
    audit_record(actor, action, obj, {"reason": "permission"}, outcome="denied")
