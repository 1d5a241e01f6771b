"""Due dates in calendar days and working days, across official holidays, the operator's
overrides, and a year the official calendar does not know (R13, R16)."""

from datetime import date

import pytest

from govshare.core.exceptions import PermissionDenied, ValidationError
from govshare.sharing import services
from govshare.sharing.deadlines import Duration, due_date, is_working_day, official_calendar_covers
from govshare.sharing.models import CalendarOverride

D = Duration.parse


def test_r13_durations_parse_and_reject_nonsense():
    assert D("15d") == Duration(15, "calendar")
    assert D("10wd") == Duration(10, "working")
    assert str(D(" 30d ")) == "30d"
    for bad in ["", "0d", "15", "d15", "-3d", "15 days", "1.5d"]:
        with pytest.raises(ValueError):
            D(bad)


@pytest.mark.django_db
def test_r13_calendar_days_ending_in_national_day_move_to_the_next_working_day():
    # 2026-09-20 + 15 days = 2026-10-05, inside the National Day holiday (Oct 1-7).
    due = due_date(date(2026, 9, 20), D("15d"))
    assert due.date == date(2026, 10, 8)
    assert due.missing_years == () and due.warning == ""
    # An end on an ordinary working day stays where it is.
    assert due_date(date(2026, 9, 1), D("15d")).date == date(2026, 9, 16)


@pytest.mark.django_db
def test_r13_working_days_skip_national_day_and_count_the_adjusted_saturday():
    # From Monday 2026-09-28: 9-29, 9-30, then 10-8, 10-9, Saturday 10-10 (adjusted working
    # day), 10-12 … 10-16 is the tenth working day.
    due = due_date(date(2026, 9, 28), D("10wd"))
    assert due.date == date(2026, 10, 16)
    # Counted as calendar days the same start lands on a working day without any skipping.
    assert due_date(date(2026, 9, 28), D("10d")).date == date(2026, 10, 8)


@pytest.mark.django_db
def test_r13_year_end_without_official_calendar_falls_back_and_warns():
    assert official_calendar_covers(2026) and not official_calendar_covers(2027)
    # From Thursday 2026-12-24: 12-25, 28, 29, 30, 31 (5), then 2027 by weekends only:
    # 1-1 (6), 1-4 … 1-7 (10).
    due = due_date(date(2026, 12, 24), D("10wd"))
    assert due.date == date(2027, 1, 7)
    assert due.missing_years == (2027,)
    assert "2027" in due.warning and "节假日" in due.warning


@pytest.mark.django_db
def test_r13_operator_holidays_count_in_a_year_without_official_calendar(person):
    operator = person("operator")
    services.calendar_override_set(operator, date=date(2027, 1, 1), kind="holiday",
                                   note="元旦")
    due = due_date(date(2026, 12, 24), D("10wd"))
    assert due.date == date(2027, 1, 8)
    assert due.missing_years == (2027,)  # still warned: the operator's entries may be partial
    # Calendar days ending on the entered holiday move past it (and past the weekend).
    assert due_date(date(2026, 12, 17), D("15d")).date == date(2027, 1, 4)


@pytest.mark.django_db
def test_r13_operator_overrides_beat_the_official_calendar(person):
    operator = person("operator")
    # Declare the official adjusted working Saturday a rest day and a holiday a working day.
    services.calendar_override_set(operator, date=date(2026, 10, 10), kind="holiday")
    services.calendar_override_set(operator, date=date(2026, 10, 7), kind="workday")
    assert is_working_day(date(2026, 10, 10)) == (False, ())
    assert is_working_day(date(2026, 10, 7)) == (True, ())
    # 9-29, 9-30, 10-7, 10-8, 10-9, 10-12 … 10-16: still ten, now ending 10-16.
    assert due_date(date(2026, 9, 28), D("10wd")).date == date(2026, 10, 16)
    assert due_date(date(2026, 9, 28), D("3wd")).date == date(2026, 10, 7)
    # Setting the same date again replaces the entry; removing it restores the official day.
    services.calendar_override_set(operator, date=date(2026, 10, 7), kind="holiday")
    assert CalendarOverride.objects.filter(date=date(2026, 10, 7)).count() == 1
    saturday = CalendarOverride.objects.get(date=date(2026, 10, 10))
    services.calendar_override_remove(operator, saturday)
    assert is_working_day(date(2026, 10, 10)) == (True, ())


@pytest.mark.django_db
def test_r6_only_the_operator_edits_the_calendar(person):
    for username in ["hb_reviewer", "gat_officer", "mzt_admin"]:
        with pytest.raises(PermissionDenied):
            services.calendar_override_set(person(username), date=date(2027, 1, 1),
                                           kind="holiday")
    with pytest.raises(ValidationError) as error:
        services.calendar_override_set(person("operator"), date=date(2027, 1, 1), kind="rest")
    assert "kind" in error.value.field_errors
    assert not CalendarOverride.objects.exists()


def test_r6_operator_edits_the_calendar_in_the_admin(login):
    client = login("operator")
    response = client.post("/admin/sharing/calendaroverride/add/",
                           {"date": "2027-02-05", "kind": "holiday", "note": "春节"})
    assert response.status_code == 302, response.content.decode()[:2000]
    override = CalendarOverride.objects.get(date=date(2027, 2, 5))
    assert override.created_by.username == "operator"
    response = client.post(f"/admin/sharing/calendaroverride/{override.pk}/delete/",
                           {"post": "yes"})
    assert response.status_code == 302
    assert not CalendarOverride.objects.exists()
    assert login("gat_admin").get("/admin/sharing/calendaroverride/").status_code == 302
