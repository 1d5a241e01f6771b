"""Supervision periods: a year (`2026`), a quarter (`2026-Q1`) or a month (`2026-03`).

A period runs from the start of its first day to the start of the day after its last, in the
platform's time zone (Asia/Shanghai), so an event at 23:59 on 31 March belongs to March.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from govshare.core import clock
from govshare.core.exceptions import ValidationError

_FORMS = re.compile(r"^(?P<year>\d{4})(?:-(?:Q(?P<quarter>[1-4])|(?P<month>0[1-9]|1[0-2])))?$")


@dataclass(frozen=True)
class Period:
    key: str
    start: date
    end: date  # the last day, inclusive

    @property
    def start_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def end_at(self) -> datetime:
        """The first instant after the period."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    def as_of(self) -> datetime:
        """The instant a state is judged at: the period's end, or now while it runs."""
        return min(clock.now(), self.end_at)

    @property
    def label(self) -> str:
        year, _sep, rest = self.key.partition("-")
        if not rest:
            return _("%(year)s年") % {"year": year}
        if rest.startswith("Q"):
            return _("%(year)s年第%(quarter)s季度") % {"year": year, "quarter": rest[1]}
        return _("%(year)s年%(month)d月") % {"year": year, "month": int(rest)}

    def __str__(self):
        return self.key


def parse_period(text) -> Period:
    """The period named by `text`; ValidationError naming `period` otherwise."""
    if isinstance(text, Period):
        return text
    match = _FORMS.match(str(text or "").strip())
    if not match:
        raise ValidationError({"period": [_("期间应写作 2026、2026-Q1 或 2026-03。")]})
    year = int(match["year"])
    if match["quarter"]:
        first = 3 * (int(match["quarter"]) - 1) + 1
        start, months = date(year, first, 1), 3
    elif match["month"]:
        start, months = date(year, int(match["month"]), 1), 1
    else:
        start, months = date(year, 1, 1), 12
    following = start.month - 1 + months
    end = date(year + following // 12, following % 12 + 1, 1) - timedelta(days=1)
    return Period(match.group(0), start, end)


def period_of(day: date, kind: str | None = None) -> Period:
    """The period of `kind` (month, quarter, year; the setting by default) containing `day`."""
    kind = kind or settings.GOVSHARE_SUPERVISION_PERIOD
    if kind == "year":
        return parse_period(f"{day.year}")
    if kind == "quarter":
        return parse_period(f"{day.year}-Q{(day.month - 1) // 3 + 1}")
    return parse_period(f"{day:%Y-%m}")


def current_period() -> Period:
    return period_of(clock.today())
