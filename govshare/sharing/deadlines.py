"""Due dates of the workflow's steps, in calendar days or working days (R13, R16).

Each step's time limit is a setting (GOVSHARE_SHARING_DEADLINES): "15d" is fifteen calendar days,
"10wd" ten working days. Counting starts the day after the step opens, and a calendar-day limit
whose last day is a rest day ends on the next working day: the Civil Code counts periods so
(art. 201: the first day is not counted; art. 203: a period ending on a statutory holiday ends
on the day after it).

Working days follow China's official arrangement of holidays and adjusted working days (the
`chinese-calendar` package), corrected by the operator's dated overrides (`CalendarOverride`).
The package knows only the years of its release; for any other year weekends and the operator's
entries decide, and the result names that year in `missing_years` so the operator is warned to
enter the official arrangement.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import chinese_calendar
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from .models import CalendarOverride, missing_calendar_warning

CALENDAR = "calendar"
WORKING = "working"
_DURATION = re.compile(r"^\s*(\d{1,3})\s*(d|wd)\s*$")


@dataclass(frozen=True)
class Duration:
    """A time limit: `days` calendar days or working days."""

    days: int
    unit: str = CALENDAR

    @classmethod
    def parse(cls, text: str) -> "Duration":
        match = _DURATION.match(str(text))
        if not match or int(match[1]) < 1:
            raise ValueError(f"{text!r} is not a time limit like '15d' or '10wd'")
        return cls(int(match[1]), WORKING if match[2] == "wd" else CALENDAR)

    def __str__(self):
        return f"{self.days}{'wd' if self.unit == WORKING else 'd'}"


@dataclass(frozen=True)
class Due:
    """A due date, and the years for which the official calendar was missing while counting."""

    date: date
    missing_years: tuple[int, ...] = field(default=())

    @property
    def warning(self):
        return missing_calendar_warning(self.missing_years)


@lru_cache(maxsize=64)
def official_calendar_covers(year: int) -> bool:
    """True when the installed chinese-calendar release knows `year`'s holidays."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def step_duration(step: str) -> Duration:
    """The configured time limit of a workflow step."""
    try:
        return Duration.parse(settings.GOVSHARE_SHARING_DEADLINES[step])
    except (KeyError, ValueError) as error:
        raise ImproperlyConfigured(f"GOVSHARE_SHARING_DEADLINES[{step!r}]: {error}") from None


class _Days:
    """Working-day answers over a span, with the operator's overrides read once."""

    def __init__(self, start: date, end: date):
        self.overrides = dict(
            CalendarOverride.objects.filter(date__gte=start, date__lte=end)
            .values_list("date", "kind")
        )
        self.missing: set[int] = set()

    def is_working_day(self, day: date) -> bool:
        kind = self.overrides.get(day)
        if kind is not None:
            if not official_calendar_covers(day.year):
                self.missing.add(day.year)
            return kind == CalendarOverride.Kind.WORKDAY
        if official_calendar_covers(day.year):
            return chinese_calendar.is_workday(day)
        self.missing.add(day.year)
        return day.weekday() < 5


def due_date(start: date, duration: Duration) -> Due:
    """The last day of a step opened on `start` with the time limit `duration`."""
    # Long enough for any run of holidays the operator may enter after the nominal end.
    days = _Days(start, start + timedelta(days=duration.days * 2 + 400))
    day = start
    if duration.unit == WORKING:
        counted = 0
        while counted < duration.days:
            day += timedelta(days=1)
            counted += days.is_working_day(day)
    else:
        day = start + timedelta(days=duration.days)
        while not days.is_working_day(day):
            day += timedelta(days=1)
    return Due(day, tuple(sorted(days.missing)))


def is_working_day(day: date) -> tuple[bool, tuple[int, ...]]:
    """Whether `day` is a working day, and the years whose official calendar was missing."""
    days = _Days(day, day)
    working = days.is_working_day(day)
    return working, tuple(sorted(days.missing))


def end_of(day: date) -> datetime:
    """The last instant of `day` in the platform's time zone: a step is overdue after it."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min)) - timedelta(
        microseconds=1)
