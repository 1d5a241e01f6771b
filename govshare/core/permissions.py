"""Authorisation: one named rule per operation, checked by the service that performs it.

Each app declares its rules in its own `permissions.py` with `@rule("entity.verb")`; every
service opens with `authorize(actor, "entity.verb", obj)`. Views and API handlers never decide
permissions themselves; they may call `can()` only to hide a button the service would refuse.

A refusal of an authenticated actor is announced by the `permission_denied` signal (the audit
log records it). It must outlive the failed service, whose transaction rolls back when the
denial propagates out of it, so it is sent only where no transaction is open:
- at once, when `authorize` runs outside any atomic block;
- otherwise when the enclosing `denials_recorded()` block ends. Each web and API request runs in
  one (core.middleware), outside the transaction of any service it calls; tasks and commands
  that act for an actor wrap their work in one too.
Inside a transaction with no such block around it (a service called from the shell), the
denial is logged as a warning instead: recording it there would roll back with the service.
"""

import contextvars
import logging
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.dispatch import Signal
from django.utils.translation import gettext as _

from .exceptions import NotAuthenticated, PermissionDenied

Rule = Callable[[Any, Any], bool]
_rules: dict[str, Rule] = {}

# Sent with actor=, action=, obj= when an authenticated actor is refused.
permission_denied = Signal()
_pending: contextvars.ContextVar[list | None] = contextvars.ContextVar("pending_denials",
                                                                      default=None)
logger = logging.getLogger(__name__)


def rule(action: str):
    """Register the predicate deciding whether an actor may perform `action` on an object."""

    def register(predicate: Rule) -> Rule:
        if action in _rules:
            raise RuntimeError(f"permission rule {action!r} is registered twice")
        _rules[action] = predicate
        return predicate

    return register


def is_authenticated(actor) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


def _allowed(actor, action: str, obj) -> bool:
    """Whether the authenticated `actor` may perform `action`; NotAuthenticated for nobody."""
    predicate = _rules[action]
    if not is_authenticated(actor):
        raise NotAuthenticated()
    return getattr(actor, "is_active", True) and predicate(actor, obj)


def authorize(actor, action: str, obj=None) -> None:
    """Raise NotAuthenticated or PermissionDenied unless `actor` may perform `action` on `obj`;
    a refusal is recorded (see the module docstring for when)."""
    if not _allowed(actor, action, obj):
        _announce_denial({"actor": actor, "action": action, "obj": obj})
        raise PermissionDenied(
            _("您无权执行此操作（%(action)s）。") % {"action": action},
            action=action,
        )


def can(actor, action: str, obj=None) -> bool:
    """True when `authorize` would let the actor through. Asking is not a denial: nothing is
    recorded."""
    try:
        return bool(_allowed(actor, action, obj))
    except NotAuthenticated:
        return False


def _announce_denial(denial: dict) -> None:
    pending = _pending.get()
    if pending is not None:
        pending.append(denial)
    elif not connection.in_atomic_block:
        permission_denied.send(sender=authorize, **denial)
    else:
        logger.warning("permission denied inside a transaction with no denials_recorded() "
                       "block around it; not audited: %s by %s", denial["action"],
                       denial["actor"])


@contextmanager
def denials_recorded():
    """Collect the denials raised inside the block and announce them when it ends, after the
    transactions of the services that raised them have rolled back."""
    pending: list = []
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
        for denial in pending:
            permission_denied.send(sender=authorize, **denial)


def registered_actions() -> list[str]:
    return sorted(_rules)
