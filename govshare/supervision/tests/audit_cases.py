"""Each supervision service, called once as the demo user allowed to call it (see
audit/testing.py). Findings, notices and criticism the services start from are written
directly, like fixtures, so each case appends only its own service's record."""

import datetime

from govshare.audit.testing import AuditCase
from govshare.core import clock
from govshare.orgs.models import Organization, Region
from govshare.supervision import services
from govshare.supervision.models import (
    Criticism,
    Finding,
    InfoProject,
    Inspection,
    RectificationNotice,
    Rule,
)

PERIOD = "2026-Q1"


def _province():
    return Region.objects.get(code="130000")


def _gat():
    return Organization.objects.get(name="河北省公安厅")


def _finding():
    inspection = Inspection.objects.create(region=_province(), period=PERIOD,
                                           trigger=Inspection.Trigger.TASK)
    return Finding.objects.create(
        rule=Rule.CATALOG_MISSING, organization=_gat(), period=PERIOD,
        object_type="orgs.organization", object_id=str(_gat().pk), object_repr="河北省公安厅",
        message="未编制信息资源目录。", inspection=inspection)


def _notice(person, state=RectificationNotice.State.ISSUED, due_in=30):
    notice = RectificationNotice.objects.create(
        organization=_gat(), requirements="编制并报送目录", issued_by=person("hb_reviewer"),
        due_date=clock.today() + datetime.timedelta(days=due_in), state=state)
    notice.findings.set([_finding()])
    return notice


def _criticism(person):
    notice = _notice(person, state=RectificationNotice.State.DECLINED)
    return Criticism.objects.create(notice=notice, organization=_gat(),
                                    reason=Criticism.Reason.DECLINED, message="拒不整改。")


def _project(person, state=InfoProject.State.DRAFT):
    return InfoProject.objects.create(name="警务云项目", department=_gat(), funding=500,
                                      is_secret=True, state=state,
                                      created_by=person("gat_officer"))


def _today_plus(days):
    return clock.today() + datetime.timedelta(days=days)


CASES = [
    AuditCase("supervision.inspection_run", lambda person: services.inspection_run(
        person("supervisor"), _province(), PERIOD), ("inspection.run",)),
    AuditCase("supervision.notice_issue", lambda person: services.notice_issue(
        person("hb_reviewer"), _gat(), findings=[_finding()], requirements="编制目录",
        due_date=_today_plus(30)), ("notice.issue",)),
    AuditCase("supervision.notice_answer", lambda person: services.notice_answer(
        person("gat_officer"), _notice(person), answer="已编制并报送"), ("notice.answer",)),
    AuditCase("supervision.notice_decline", lambda person: services.notice_decline(
        person("gat_admin"), _notice(person), reasons="不同意"), ("notice.decline",)),
    AuditCase("supervision.notice_close", lambda person: services.notice_close(
        person("hb_reviewer"), _notice(person, state=RectificationNotice.State.ANSWERED)),
        ("notice.close",)),
    AuditCase("supervision.notice_reopen", lambda person: services.notice_reopen(
        person("hb_reviewer"), _notice(person, state=RectificationNotice.State.ANSWERED),
        comment="未整改到位", due_date=_today_plus(15)), ("notice.reopen",)),
    AuditCase("supervision.notice_sweep", lambda person: (
        _notice(person, due_in=-1), services.notice_sweep(person("hb_reviewer"),
                                                          _province())), ("notice.sweep",)),
    AuditCase("supervision.criticism_publish", lambda person: services.criticism_publish(
        person("hb_reviewer"), _criticism(person)), ("criticism.publish",)),
    AuditCase("supervision.ranking_compute", lambda person: services.ranking_compute(
        person("hb_reviewer"), _province(), PERIOD), ("ranking.compute",)),
    AuditCase("supervision.project_create", lambda person: services.project_create(
        person("gat_officer"), _gat(), name="警务云项目", funding="500", is_secret=True),
        ("project.create",)),
    AuditCase("supervision.project_update", lambda person: services.project_update(
        person("gat_officer"), _project(person), funding="450"), ("project.update",)),
    AuditCase("supervision.project_submit", lambda person: services.project_submit(
        person("gat_admin"), _project(person)), ("project.submit",)),
    AuditCase("supervision.project_approve", lambda person: services.project_approve(
        person("hb_reviewer"), _project(person, InfoProject.State.SUBMITTED)),
        ("project.approve",)),
    AuditCase("supervision.project_reject", lambda person: services.project_reject(
        person("hb_reviewer"), _project(person, InfoProject.State.SUBMITTED),
        comment="预算不实"), ("project.reject",)),
    AuditCase("supervision.supervision_report_generate",
              lambda person: services.supervision_report_generate(
                  person("supervisor"), Region.objects.get(code="130123"), PERIOD),
              ("supervision_report.generate",)),
]
