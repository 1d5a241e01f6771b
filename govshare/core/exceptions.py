"""The errors services raise, and nothing else does.

Hierarchy::

    ServiceError
    ├── NotAuthenticated      no valid login or credential (HTTP 401)
    ├── PermissionDenied      the actor may not do this (HTTP 403)
    ├── NotFound              the object does not exist or is not visible (HTTP 404)
    ├── ValidationError       input is wrong; field_errors names each field (HTTP 400)
    ├── InvalidTransition     the object's state does not allow this step (HTTP 409)
    ├── DeadlinePassed        the step's legal deadline is over (HTTP 409)
    ├── QuotaExceeded         a grant's quota is used up; retry_after in seconds (HTTP 429)
    ├── PeerUnavailable       another platform is down, refused, or answered garbage (HTTP 502)
    └── PeerTimeout           another platform did not answer in time (HTTP 504)

Each maps to an HTTP response in exactly one place: `govshare.core.api` for the API and
`govshare.core.middleware` for the web interface.
"""

from django.utils.translation import gettext_lazy as _


class ServiceError(Exception):
    """Base of every error a service raises on purpose."""

    status_code = 400
    default_message = _("请求未能完成。")

    def __init__(self, message=None, **context):
        self.message = message or self.default_message
        self.context = context
        super().__init__(str(self.message))


class NotAuthenticated(ServiceError):
    """No valid session or credential was presented."""

    status_code = 401
    default_message = _("需要登录或有效的访问凭证。")


class PermissionDenied(ServiceError):
    """The actor is known but may not perform the action on this object."""

    status_code = 403
    default_message = _("您无权执行此操作。")


class NotFound(ServiceError):
    """The object does not exist, or the actor may not know that it exists."""

    status_code = 404
    default_message = _("未找到。")


class ValidationError(ServiceError):
    """Input was rejected; `field_errors` maps each field name to its messages."""

    status_code = 400
    default_message = _("输入不正确。")

    def __init__(self, field_errors=None, message=None, **context):
        self.field_errors = {k: [str(m) for m in v] for k, v in (field_errors or {}).items()}
        if message is None and self.field_errors:
            message = "; ".join(
                f"{field}: {' '.join(msgs)}" for field, msgs in self.field_errors.items()
            )
        super().__init__(message, **context)

    @classmethod
    def from_django(cls, error):
        """Convert Django's ValidationError (from full_clean) into ours, keeping field names."""
        if hasattr(error, "error_dict"):
            return cls({field: [m for e in errs for m in e.messages]
                        for field, errs in error.error_dict.items()})
        return cls({"__all__": error.messages})


class InvalidTransition(ServiceError):
    """The object's current state does not allow the requested step."""

    status_code = 409
    default_message = _("当前状态下不允许此操作。")


class DeadlinePassed(ServiceError):
    """The legal deadline for this step has passed."""

    status_code = 409
    default_message = _("此环节的办理期限已过。")


class QuotaExceeded(ServiceError):
    """A grant's quota is used up until `retry_after` seconds from now."""

    status_code = 429
    default_message = _("配额已用完。")


class PeerUnavailable(ServiceError):
    """A federated platform could not serve the call: unreachable, refusing, or garbled."""

    status_code = 502
    default_message = _("对方平台无法完成请求。")


class PeerTimeout(ServiceError):
    """A federated platform did not answer within the configured time."""

    status_code = 504
    default_message = _("对方平台未在规定时间内应答。")
