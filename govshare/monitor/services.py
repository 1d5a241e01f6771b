"""Every change monitoring makes: anomaly detection and the operator's decision on an alert,
the daily statistics, the periodic reports.

Each service checks its permission first, validates, writes, and records the audit entry in
the same transaction. The platform's own tasks act as `tasks.MONITOR` (an actor of type
`system`).
"""

import hashlib
from collections import Counter

from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from govshare.audit.services import audit_record
from govshare.core import clock
from govshare.core.exceptions import InvalidTransition, ValidationError
from govshare.core.permissions import authorize
from govshare.core.validation import require
from govshare.notifications.dispatch import notify

from . import detection, recipients, reporting, stats
from .models import Alert, DetectorCursor, Report


def _alert_url(alert):
    return reverse("monitor:alert_detail", args=[alert.pk])


def _raise(finding):
    """The alert for `finding`: a new one (returned with True), or the open one of the same
    window brought up to date."""
    application = (apps.get_model("orgs", "Application").objects
                   .select_related("organization__region").get(pk=finding.application_id))
    alert, created = Alert.objects.get_or_create(
        rule=finding.rule, application=application, subject=finding.subject,
        window_start=finding.window_start,
        defaults={"organization": application.organization, "window_end": finding.window_end,
                  "observed": finding.observed, "threshold": finding.threshold,
                  "resource_code": finding.resource_code, "evidence": finding.evidence,
                  "opened_at": clock.now()})
    if not created and alert.state == Alert.State.OPEN and finding.observed > alert.observed:
        alert.observed = finding.observed
        alert.threshold = finding.threshold
        alert.evidence = finding.evidence
        alert.save(update_fields=["observed", "threshold", "evidence"])
    return alert, created


def _announce(alert):
    """Alert the operators and the authority of the application's region, with the figures."""
    notify(recipients.operators() + recipients.authority_of(alert.organization.region),
           event=f"alert.{alert.rule}", url=_alert_url(alert),
           message=gettext_noop("异常告警 %(number)s：应用系统“%(application)s”（%(organization)s）"
                                "%(rule)s，观测值 %(observed)s，阈值 %(threshold)s，请核查。"),
           params={"number": alert.number, "application": alert.application.name,
                   "organization": alert.organization.name, "rule": alert.get_rule_display(),
                   "observed": round(alert.observed), "threshold": round(alert.threshold)})


@transaction.atomic
def alert_detect(actor):
    """Read the access records since the last run, update the windows and baselines, and raise
    an alert for each rule that fires (R15). Returns the new alerts."""
    authorize(actor, "alert.detect")
    cursor, _created = DetectorCursor.objects.select_for_update().get_or_create(pk=1)
    head, read, findings = detection.run(cursor.last_record_id)
    raised = []
    for finding in findings:
        alert, created = _raise(finding)
        if created:
            raised.append(alert)
    cursor.last_record_id = head
    cursor.last_run_at = clock.now()
    cursor.save()
    for alert in raised:
        audit_record(actor, "alert.raise", alert,
                     {"rule": alert.rule, "application": alert.application_id,
                      "subject": alert.subject, "observed": alert.observed,
                      "threshold": alert.threshold})
        _announce(alert)
    audit_record(actor, "alert.detect", cursor,
                 {"records": read, "last_record": head, "raised": [a.pk for a in raised]})
    return raised


def _decide(actor, alert, action, state, comment, redistribution=False):
    if alert.state != Alert.State.OPEN:
        raise InvalidTransition(_("该告警已处理（%(state)s），不能再次处理。")
                                % {"state": alert.get_state_display()}, state=alert.state)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": [_("请填写处理意见。")]})
    alert.state = state
    alert.comment = comment
    alert.redistribution = redistribution
    alert.decided_by = actor
    alert.decided_at = clock.now()
    alert.save(update_fields=["state", "comment", "redistribution", "decided_by",
                              "decided_at"])
    audit_record(actor, f"alert.{action}", alert,
                 {"rule": alert.rule, "application": alert.application_id,
                  "redistribution": redistribution, "comment": comment})
    notify(recipients.authority_of(alert.organization.region), event=f"alert.{action}",
           url=_alert_url(alert),
           message=gettext_noop("异常告警 %(number)s（%(application)s）已由平台运维单位%(state)s："
                                "%(comment)s"),
           params={"number": alert.number, "application": alert.application.name,
                   "state": alert.get_state_display(), "comment": comment})
    return alert


@transaction.atomic
def alert_confirm(actor, alert, *, comment, redistribution=True):
    """The operator confirms the anomaly; `redistribution` says access was sold or passed on
    (R15), which is what supervision counts."""
    authorize(actor, "alert.confirm", alert)
    return _decide(actor, alert, "confirm", Alert.State.CONFIRMED, comment,
                   redistribution=bool(redistribution))


@transaction.atomic
def alert_dismiss(actor, alert, *, comment):
    """The operator finds the anomaly explained (a planned migration, a known batch job)."""
    authorize(actor, "alert.dismiss", alert)
    return _decide(actor, alert, "dismiss", Alert.State.DISMISSED, comment)


@transaction.atomic
def stats_compute(actor, day):
    """Compute `day`'s statistics from the source tables, replacing what was computed before
    (R17): running it twice for a day leaves one set of rows."""
    authorize(actor, "stats.compute", day)
    if day > clock.today():
        raise ValidationError({"day": [_("不能统计尚未到来的日期。")]})
    stats_day = stats.store(day)
    audit_record(actor, "stats.compute", stats_day,
                 {"day": day.isoformat(), "rows": stats_day.rows})
    return stats_day


MAX_REPORT_DAYS = 366


def _check_period(start, end):
    require({"end": [_("截止日期不能早于起始日期。")] if end < start else []})
    require({"end": [_("截止日期不能晚于今天。")] if end > clock.today() else []})
    require({"start": [_("报告期间不能超过一年。")]
             if (end - start).days >= MAX_REPORT_DAYS else []})


def _stored(report, field, suffix, content):
    digest = hashlib.sha256(content).hexdigest()
    getattr(report, field).save(f"{report.period_start:%Y%m%d}-{report.period_end:%Y%m%d}-"
                                f"{digest[:12]}.{suffix}", ContentFile(content), save=False)
    return digest


def _tell_departments(report):
    """Each department with problems in the report hears how many, and where to look (R17)."""
    counts: dict = {}
    for kind, rows in report.problems.items():
        for row in rows:
            if row.get("organization_id") and kind != "alerts":
                counts.setdefault(row["organization_id"], Counter())[kind] += 1
    organizations = apps.get_model("orgs", "Organization").objects.in_bulk(list(counts))
    for pk, kinds in counts.items():
        organization = organizations[pk]
        notify(recipients.officers_of(organization), event="report.problems",
               url=reverse("monitor:organization_dashboard", args=[pk]),
               message=gettext_noop("《%(title)s》列出本单位的问题：逾期环节 %(overdue)s 项，"
                                    "未按期更新的资源 %(stale)s 项，"
                                    "待办理的数据异议 %(objections)s 项。请及时整改。"),
               params={"title": report.title, "overdue": kinds["overdue"],
                       "stale": kinds["stale"], "objections": kinds["objections"]})


@transaction.atomic
def report_generate(actor, *, region, start, end, kind=Report.Kind.ON_DEMAND):
    """Make the sharing report of `region` for [start, end] (R17): bring the period's
    statistics up to date, write the PDF and the XLSX, archive both with their SHA-256, deliver
    the report to the authority's inbox and tell each department of its problems."""
    authorize(actor, "report.generate", region)
    _check_period(start, end)
    with translation.override(settings.LANGUAGE_CODE):
        for day in stats.stale_days(start, end):
            stats.store(day)
        content = reporting.build(region, start, end)
        generated_at = clock.now()
        title = reporting.title(region, start, end)
        report = Report(region=region, period_start=start, period_end=end, kind=kind,
                        title=title, created_at=generated_at,
                        requested_by=actor if getattr(actor, "actor_type", "") == "user"
                        else None,
                        figures=content.figures, problems=content.problems)
        report.pdf_sha256 = _stored(report, "pdf", "pdf",
                                    reporting.pdf(content, title, generated_at))
        report.xlsx_sha256 = _stored(report, "xlsx", "xlsx",
                                     reporting.xlsx(content, title, generated_at))
    report.save()
    audit_record(actor, "report.generate", report,
                 {"region": region.code, "start": start.isoformat(), "end": end.isoformat(),
                  "kind": kind, "pdf_sha256": report.pdf_sha256,
                  "xlsx_sha256": report.xlsx_sha256})
    notify(recipients.authority_of(region), event="report.generated",
           url=reverse("monitor:report_detail", args=[report.pk]),
           message=gettext_noop("《%(title)s》已生成，发现问题 %(problems)s 项。"),
           params={"title": report.title, "problems": report.problem_count})
    _tell_departments(report)
    return report
