"""`govshare monitor`: the periodic work run by hand (R17)."""

from datetime import date, datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from govshare.monitor.models import Report, StatsDay

from .conftest import SHANGHAI

pytestmark = pytest.mark.django_db


def _run(*args):
    out = StringIO()
    call_command("monitor", *args, stdout=out)
    return out.getvalue()


def test_r17_the_command_computes_detects_and_reports(demo, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(datetime(2026, 4, 2, 9, 0, tzinfo=SHANGHAI), tick=False):
        assert "2026-03-31" in _run("stats", "--day", "2026-03-31")
        assert "0 new alert(s)" in _run("detect")
        assert "2026年3月" in _run("report", "--region", "130100", "--month", "2026-03")
    report = Report.objects.get()
    assert (report.period_start, report.period_end) == (date(2026, 3, 1), date(2026, 3, 31))
    assert StatsDay.objects.filter(day=date(2026, 3, 31)).exists()
    assert "booked 0" in _run("schedule")  # tests run tasks at once: nothing to book
