"""Rectification notices and the criticism list (R21): issued to a department with findings and a
due date, answered, closed or reopened by the issuer; overdue or declined notices go on the
criticism list, public once the authority publishes it."""

import datetime

import pytest
import time_machine
from django.test import Client

from govshare.core.exceptions import InvalidTransition, PermissionDenied, ValidationError
from govshare.exchange.models import Record
from govshare.notifications.models import Notification
from govshare.supervision import services
from govshare.supervision.models import Criticism, Finding, RectificationNotice
from govshare.supervision.tests.conftest import INSPECTED, PERIOD

pytestmark = pytest.mark.django_db
DUE = datetime.date(2026, 6, 20)


@pytest.fixture
def found(county, person, at_inspection):
    """公安局's resource has no data: one open finding."""
    Record.objects.filter(resource=county.police_resource).delete()
    services.inspection_run(person("zd_reviewer"), county.region, PERIOD)
    return Finding.objects.get()


def _issue(person, county, finding, due=DUE):
    return services.notice_issue(person("zd_reviewer"), county.police, findings=[finding],
                                 requirements="一个月内补齐数据并接入前置交换系统", due_date=due)


def test_r21_the_rectification_loop_closes_the_findings(county, person, found):
    notice = _issue(person, county, found)
    assert notice.state == RectificationNotice.State.ISSUED
    assert Notification.objects.filter(event="supervision.notice.issued",
                                       recipient=county.police_officer).exists()
    services.notice_answer(county.police_officer, notice, answer="已补推全部数据")
    assert Notification.objects.filter(event="supervision.notice.answered",
                                       recipient__username="zd_reviewer").exists()
    services.notice_reopen(person("zd_reviewer"), notice, comment="数据仍不完整",
                           due_date=datetime.date(2026, 7, 1))
    notice.refresh_from_db()
    assert notice.state == RectificationNotice.State.ISSUED
    assert notice.due_date == datetime.date(2026, 7, 1)
    services.notice_answer(county.police_officer, notice, answer="已补齐，并复核")
    services.notice_close(person("zd_reviewer"), notice, comment="整改到位")
    notice.refresh_from_db()
    found.refresh_from_db()
    assert notice.state == RectificationNotice.State.CLOSED and notice.closed_at
    assert found.status == Finding.Status.RECTIFIED
    assert [e.action for e in notice.events.all()] == [
        "issue", "answer", "reopen", "answer", "close"]
    assert not Criticism.objects.exists()


def test_r21_a_notice_names_open_findings_of_that_department_and_a_future_date(county, person,
                                                                            found):
    reviewer = person("zd_reviewer")
    with pytest.raises(ValidationError) as error:
        services.notice_issue(reviewer, county.civil, findings=[found], requirements="x",
                              due_date=DUE)
    assert "findings" in error.value.field_errors
    with pytest.raises(ValidationError) as error:
        services.notice_issue(reviewer, county.police, findings=[], requirements="",
                              due_date=INSPECTED.date())
    assert set(error.value.field_errors) == {"findings", "requirements", "due_date"}
    assert not RectificationNotice.objects.exists()


def test_r21_who_may_issue_answer_and_close(county, person, found):
    for username in ("gat_admin", "operator", "sjz_gaj_admin"):
        with pytest.raises(PermissionDenied):
            _issue(lambda _name, u=username: person(u), county, found)
    notice = services.notice_issue(person("supervisor"), county.police, findings=[found],
                                   requirements="补齐数据", due_date=DUE)
    with pytest.raises(PermissionDenied):
        services.notice_answer(county.civil_officer, notice, answer="不是我们")
    with pytest.raises(PermissionDenied):
        services.notice_answer(person("zd_reviewer"), notice, answer="代为答复")
    services.notice_answer(county.police_officer, notice, answer="已补齐")
    with pytest.raises(PermissionDenied):
        services.notice_close(county.police_officer, notice)
    with pytest.raises(InvalidTransition):
        services.notice_answer(county.police_officer, notice, answer="再答一次")
    # The authority of the region closes a notice a supervisor issued.
    services.notice_close(person("zd_reviewer"), notice)


def test_r21_a_declined_notice_goes_on_the_criticism_list(county, person, found):
    notice = _issue(person, county, found)
    with pytest.raises(ValidationError):
        services.notice_decline(county.police_officer, notice, reasons=" ")
    services.notice_decline(county.police_officer, notice, reasons="我局认为无须整改")
    criticism = Criticism.objects.get()
    assert criticism.organization == county.police
    assert criticism.reason == Criticism.Reason.DECLINED and criticism.published_at is None
    assert "拒不执行整改通知" in criticism.text
    assert Notification.objects.filter(event="supervision.criticism.listed",
                                       recipient__username="zd_reviewer").exists()


def test_r21_an_overdue_notice_goes_on_the_criticism_list_once(county, person, found):
    notice = _issue(person, county, found)
    with time_machine.travel(datetime.datetime(2026, 6, 20, 23, 0, tzinfo=INSPECTED.tzinfo)):
        assert services.notice_sweep(person("zd_reviewer"), county.region) == 0
    with time_machine.travel(datetime.datetime(2026, 6, 21, 9, 0, tzinfo=INSPECTED.tzinfo)):
        assert notice.is_overdue()
        assert services.notice_sweep(person("zd_reviewer"), county.region) == 1
        assert services.notice_sweep(person("zd_reviewer"), county.region) == 0
    criticism = Criticism.objects.get()
    assert criticism.reason == Criticism.Reason.OVERDUE and criticism.notice == notice


def test_r21_an_answered_notice_is_not_criticised_as_overdue(county, person, found):
    notice = _issue(person, county, found)
    services.notice_answer(county.police_officer, notice, answer="已整改")
    with time_machine.travel(datetime.datetime(2026, 7, 1, 9, 0, tzinfo=INSPECTED.tzinfo)):
        assert services.notice_sweep(person("zd_reviewer"), county.region) == 0


def test_r21_the_authority_publishes_criticism_and_the_public_page_shows_it(county, person,
                                                                          found):
    notice = _issue(person, county, found)
    services.notice_decline(county.police_officer, notice, reasons="无须整改")
    criticism = Criticism.objects.get()
    public = Client()
    assert "正定县公安局" not in public.get("/supervision/criticisms/").content.decode()
    with pytest.raises(PermissionDenied):
        services.criticism_publish(person("supervisor"), criticism)
    with pytest.raises(PermissionDenied):
        services.criticism_publish(person("gat_admin"), criticism)
    services.criticism_publish(person("zd_reviewer"), criticism)
    with pytest.raises(InvalidTransition):
        services.criticism_publish(person("hb_reviewer"), criticism)
    page = public.get("/supervision/criticisms/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "正定县公安局" in text and "拒不整改" in text
    assert Notification.objects.filter(event="supervision.criticism.published",
                                       recipient=county.police_officer).exists()
