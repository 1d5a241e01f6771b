"""The one clock of the platform: every service asks it for the time, so tests can freeze it."""

from django.utils import timezone


def now():
    """The current aware datetime."""
    return timezone.now()


def today():
    """The current date in the platform's time zone."""
    return timezone.localdate(now())
