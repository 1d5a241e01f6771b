"""Authorisation: one named rule per operation, checked by the service that performs it.

Each app declares its rules in its own `permissions.py` with `@rule("entity.verb")`; every
service opens with `authorize(actor, "entity.verb", obj)`. Views and API handlers never decide
permissions themselves; they may call `can()` only to hide a button the service would refuse.
"""

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from .exceptions import NotAuthenticated, PermissionDenied

Rule = Callable[[Any, Any], bool]
_rules: dict[str, Rule] = {}


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


def authorize(actor, action: str, obj=None) -> None:
    """Raise NotAuthenticated or PermissionDenied unless `actor` may perform `action` on `obj`."""
    predicate = _rules[action]
    if not is_authenticated(actor):
        raise NotAuthenticated()
    if not getattr(actor, "is_active", True) or not predicate(actor, obj):
        raise PermissionDenied(
            _("您无权执行此操作（%(action)s）。") % {"action": action},
            action=action,
        )


def can(actor, action: str, obj=None) -> bool:
    """True when `authorize` would let the actor through."""
    try:
        authorize(actor, action, obj)
    except (NotAuthenticated, PermissionDenied):
        return False
    return True


def registered_actions() -> list[str]:
    return sorted(_rules)
