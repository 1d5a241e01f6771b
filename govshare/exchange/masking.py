"""De-identification (脱敏) of granted data items on their way out of the gateway, the change
feed and Delta Sharing.

Rules, by name:
- `id_number`: keep the region code and the last four characters (130102********1234);
- `name`: keep the surname (张**);
- `phone`: keep the first three and the last four digits (138****5678);
- `partial`: keep a quarter at each end;
- `hide`: replace the whole value.
"""

from collections.abc import Callable

RULES = ("id_number", "name", "phone", "partial", "hide")


def keep(value: str, head: int, tail: int) -> str:
    """`value` with all but its first `head` and last `tail` characters starred; wholly starred
    when it is no longer than what would be kept."""
    if len(value) <= head + tail:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + value[len(value) - tail:]


_MASKS: dict[str, Callable[[str], str]] = {
    "id_number": lambda v: keep(v, 6, 4),
    "name": lambda v: v[:1] + "*" * (len(v) - 1),
    "phone": lambda v: keep(v, 3, 4),
    "partial": lambda v: keep(v, len(v) // 4, len(v) // 4),
    "hide": lambda v: "******",
}


def mask(rule: str, value):
    """The masked text of `value` under `rule`; None stays None."""
    if value is None:
        return None
    return _MASKS[rule](str(value))
