"""What an app declares so the audit tests call each of its services (R18).

Each app with a `services.py` lists one `AuditCase` per public service in
`govshare/<app>/tests/audit_cases.py`, as `CASES = [...]`. The audit app's
`test_every_service_audited.py` finds those modules, calls each case with the demo data loaded,
and checks that exactly the declared actions were appended to the chain; it fails for any public
service without a case. See `govshare/orgs/tests/audit_cases.py` for the pattern.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AuditCase:
    """`call(person)` performs `service` (named "<app>.<function>") as a demo user fetched with
    `person("username")`; it must append the records `actions`, in that order, all `ok`.

    Every record's actor is a user unless `actor_types` names each record's actor type: a few
    services act only for a machine or an outsider (a node registers itself and pushes its
    batches; a registrant of open data applies). Only a person's records carry an organisation."""

    service: str
    call: Callable[[Callable[[str], Any]], Any]
    actions: tuple[str, ...]
    actor_types: tuple[str, ...] = ()

    @property
    def expected(self) -> list[tuple[str, str]]:
        """(action, actor type) of each record the case appends."""
        types = self.actor_types or ("user",) * len(self.actions)
        return list(zip(self.actions, types, strict=True))

    def __str__(self):
        return self.service
