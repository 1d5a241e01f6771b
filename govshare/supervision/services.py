"""Every change supervision makes: inspections and their findings, rectification notices and
the criticism list, rankings, the information-project register, supervision reports.

Each service checks its permission first, validates, writes, and records the audit entry, all in
one transaction.
"""

from datetime import date

from django.conf import settings
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
from govshare.orgs.models import Organization, Role, RoleAssignment, User
from govshare.sharing import parties

from . import inspections, rankings, reports
from .models import (
    Criticism,
    Finding,
    InfoProject,
    Inspection,
    NoticeEvent,
    ProjectResource,
    ProjectSystem,
    Ranking,
    RankingEntry,
    RectificationNotice,
    SupervisionReport,
)
from .periods import parse_period
from .projects import sharing_gaps


def _department_people(organization):
    """Those who answer for a department: its administrators and sharing officers."""
    return list(User.objects.filter(is_active=True, pk__in=RoleAssignment.objects.filter(
        organization=organization, role__in=[Role.DEPT_ADMIN, Role.SHARING_OFFICER],
    ).values("user_id")))


def _user(actor):
    return actor if isinstance(actor, User) else None


# --- inspections --------------------------------------------------------------------------

@transaction.atomic
def inspection_run(actor, region, period, *, trigger=Inspection.Trigger.ON_DEMAND):
    """Run every rule over `region` (and below) for `period`: new violations become findings,
    known ones are brought up to date, and open ones no longer found are marked resolved."""
    authorize(actor, "inspection.run", region)
    period = parse_period(period)
    now = clock.now()
    inspection = Inspection.objects.create(region=region, period=period.key, trigger=trigger,
                                           run_by=_user(actor), started_at=now)
    seen, new, counts = set(), [], {}
    # Messages and evidence are kept in the platform's language, whoever runs the inspection.
    with translation.override(settings.LANGUAGE_CODE):
        hits = list(inspections.inspect(region, period))
    for hit in hits:
        finding, created = Finding.objects.get_or_create(
            rule=hit.rule, organization=hit.organization, period=period.key,
            object_type=hit.object_type, object_id=hit.object_id,
            defaults={"object_repr": hit.object_repr, "message": hit.message,
                      "params": hit.params, "evidence": hit.evidence,
                      "inspection": inspection, "first_found_at": now, "last_found_at": now})
        if not created:
            finding.object_repr, finding.message = hit.object_repr, hit.message
            finding.params, finding.evidence = hit.params, hit.evidence
            finding.inspection, finding.last_found_at = inspection, now
            if finding.status == Finding.Status.RESOLVED:
                finding.status, finding.resolved_at = Finding.Status.OPEN, None
            finding.save()
        else:
            new.append(finding)
        seen.add(finding.pk)
        counts[hit.rule] = counts.get(hit.rule, 0) + 1
    resolved = (Finding.objects.open().filter(period=period.key,
                                              organization__in=inspections.organizations_in(region))
                .exclude(pk__in=seen).update(status=Finding.Status.RESOLVED, resolved_at=now))
    inspection.counts, inspection.finished_at = counts, clock.now()
    inspection.save(update_fields=["counts", "finished_at"])
    _tell_new_findings(new, period)
    audit_record(actor, "inspection.run", inspection, {
        "region": region.code, "period": period.key, "found": len(hits), "new": len(new),
        "resolved": resolved, "by_rule": counts})
    return inspection


def _tell_new_findings(findings, period):
    by_organization = {}
    for finding in findings:
        by_organization.setdefault(finding.organization, []).append(finding)
    for organization, found in by_organization.items():
        notify(_department_people(organization), event="supervision.findings",
               message=gettext_noop("监督检查（%(period)s）发现本单位新问题%(count)d个，"
                                    "请查看并整改。"),
               params={"period": period.key, "count": len(found)},
               url=reverse("supervision:findings") + f"?period={period.key}")


# --- rectification notices ----------------------------------------------------------------

def _event(notice, action, actor, comment=""):
    NoticeEvent.objects.create(notice=notice, action=action, actor=_user(actor),
                               actor_name=str(actor)[:200], comment=comment)


def _notice_url(notice):
    return reverse("supervision:notice_detail", args=[notice.pk])


def _due_date_errors(due_date):
    if not isinstance(due_date, date):
        return [_("请填写整改期限。")]
    if due_date <= clock.today():
        return [_("整改期限应晚于今天。")]
    return []


@transaction.atomic
def notice_issue(actor, organization, *, findings, requirements, due_date):
    """Order `organization` to rectify `findings` (open, its own) by `due_date`."""
    authorize(actor, "notice.issue", organization)
    findings = list(findings)
    require({
        "findings": ([_("请至少选择一个问题。")] if not findings else
                     [_("只能选择该单位待整改的问题。")]
                     if any(f.organization_id != organization.pk
                            or f.status != Finding.Status.OPEN for f in findings) else []),
        "requirements": [] if (requirements or "").strip() else [_("请写明整改要求。")],
        "due_date": _due_date_errors(due_date),
    })
    notice = RectificationNotice.objects.create(
        organization=organization, requirements=requirements.strip(), due_date=due_date,
        issued_by=actor, issued_at=clock.now())
    notice.findings.set(findings)
    _event(notice, "issue", actor, notice.requirements)
    notify(_department_people(organization), event="supervision.notice.issued",
           message=gettext_noop("收到整改通知 %(number)s，涉及问题%(count)d个，请于%(due)s前"
                                "整改并报送整改情况。"),
           params={"number": notice.number, "count": len(findings), "due": due_date.isoformat()},
           url=_notice_url(notice))
    audit_record(actor, "notice.issue", notice, {
        "organization": organization.pk, "findings": [f.pk for f in findings],
        "due_date": due_date.isoformat()})
    return notice


def _require_state(notice, *states):
    if notice.state not in states:
        raise InvalidTransition(_("整改通知当前状态（%(state)s）下不能执行此操作。")
                                % {"state": notice.get_state_display()})


@transaction.atomic
def notice_answer(actor, notice, *, answer):
    """The department reports what it did."""
    authorize(actor, "notice.answer", notice)
    _require_state(notice, RectificationNotice.State.ISSUED)
    require({"answer": [] if (answer or "").strip() else [_("请写明整改情况。")]})
    notice.state, notice.answer, notice.answered_at = (
        RectificationNotice.State.ANSWERED, answer.strip(), clock.now())
    notice.save(update_fields=["state", "answer", "answered_at"])
    _event(notice, "answer", actor, notice.answer)
    notify([notice.issued_by], event="supervision.notice.answered",
           message=gettext_noop("%(organization)s已报送整改通知 %(number)s 的整改情况，请审核。"),
           params={"organization": notice.organization.name, "number": notice.number},
           url=_notice_url(notice))
    audit_record(actor, "notice.answer", notice, {"late": clock.today() > notice.due_date})
    return notice


def _list_for_criticism(notice, reason):
    """Put the notice's department on the criticism list (once per notice)."""
    message = (gettext_noop("%(organization)s未在整改期限（%(due)s）内完成整改通知 %(number)s "
                            "要求的整改。") if reason == Criticism.Reason.OVERDUE else
               gettext_noop("%(organization)s拒不执行整改通知 %(number)s 要求的整改。"))
    criticism, created = Criticism.objects.get_or_create(notice=notice, defaults={
        "organization": notice.organization, "reason": reason, "message": message,
        "params": {"organization": notice.organization.name, "number": notice.number,
                   "due": notice.due_date.isoformat()},
        "listed_at": clock.now()})
    if created:
        notify(parties.authority_reviewers(notice.organization.region),
               event="supervision.criticism.listed",
               message=gettext_noop("%(organization)s因“%(reason)s”列入通报批评名单，待发布。"),
               params={"organization": notice.organization.name,
                       "reason": str(Criticism.Reason(reason).label)},
               url=reverse("supervision:criticisms"))
    return criticism, created


@transaction.atomic
def notice_decline(actor, notice, *, reasons):
    """The department refuses to rectify; it goes on the criticism list."""
    authorize(actor, "notice.decline", notice)
    _require_state(notice, RectificationNotice.State.ISSUED)
    require({"reasons": [] if (reasons or "").strip() else [_("请写明不整改的理由。")]})
    notice.state = RectificationNotice.State.DECLINED
    notice.answer, notice.answered_at = reasons.strip(), clock.now()
    notice.save(update_fields=["state", "answer", "answered_at"])
    _event(notice, "decline", actor, notice.answer)
    criticism, _created = _list_for_criticism(notice, Criticism.Reason.DECLINED)
    notify([notice.issued_by], event="supervision.notice.declined",
           message=gettext_noop("%(organization)s拒绝执行整改通知 %(number)s，已列入通报批评"
                                "名单。"),
           params={"organization": notice.organization.name, "number": notice.number},
           url=_notice_url(notice))
    audit_record(actor, "notice.decline", notice, {"criticism": criticism.pk})
    return notice


@transaction.atomic
def notice_close(actor, notice, *, comment=""):
    """The issuer accepts the rectification: the notice and its findings are closed."""
    authorize(actor, "notice.close", notice)
    _require_state(notice, RectificationNotice.State.ANSWERED)
    now = clock.now()
    notice.state, notice.closed_at = RectificationNotice.State.CLOSED, now
    notice.save(update_fields=["state", "closed_at"])
    rectified = notice.findings.filter(status=Finding.Status.OPEN).update(
        status=Finding.Status.RECTIFIED, resolved_at=now)
    _event(notice, "close", actor, (comment or "").strip())
    notify(_department_people(notice.organization), event="supervision.notice.closed",
           message=gettext_noop("整改通知 %(number)s 已办结。"), params={"number": notice.number},
           url=_notice_url(notice))
    audit_record(actor, "notice.close", notice, {"findings_rectified": rectified})
    return notice


@transaction.atomic
def notice_reopen(actor, notice, *, comment, due_date):
    """The issuer finds the rectification wanting: the department must act again by
    `due_date`."""
    authorize(actor, "notice.reopen", notice)
    _require_state(notice, RectificationNotice.State.ANSWERED)
    require({"comment": [] if (comment or "").strip() else [_("请写明重新整改的理由。")],
             "due_date": _due_date_errors(due_date)})
    notice.state, notice.due_date = RectificationNotice.State.ISSUED, due_date
    notice.save(update_fields=["state", "due_date"])
    _event(notice, "reopen", actor, comment.strip())
    notify(_department_people(notice.organization), event="supervision.notice.reopened",
           message=gettext_noop("整改通知 %(number)s 的整改情况未获认可，请于%(due)s前重新整改。"),
           params={"number": notice.number, "due": due_date.isoformat()},
           url=_notice_url(notice))
    audit_record(actor, "notice.reopen", notice, {"due_date": due_date.isoformat()})
    return notice


@transaction.atomic
def notice_sweep(actor, region):
    """List the departments of `region` (and below) whose notices ran past their due date
    unanswered on the criticism list. Returns how many were added."""
    authorize(actor, "notice.sweep", region)
    overdue = (RectificationNotice.objects.filter(
        state=RectificationNotice.State.ISSUED, due_date__lt=clock.today(),
        organization__in=inspections.organizations_in(region),
        criticism__isnull=True).select_related("organization__region").order_by("pk"))
    listed = [notice.pk for notice in overdue
              if _list_for_criticism(notice, Criticism.Reason.OVERDUE)[1]]
    audit_record(actor, "notice.sweep", region, {"listed": listed})
    return len(listed)


@transaction.atomic
def criticism_publish(actor, criticism):
    """The authority publishes the criticism: it appears on the public page."""
    authorize(actor, "criticism.publish", criticism)
    if criticism.published_at is not None:
        raise InvalidTransition(_("该通报已发布。"))
    criticism.published_at, criticism.published_by = clock.now(), actor
    criticism.save(update_fields=["published_at", "published_by"])
    notify(_department_people(criticism.organization), event="supervision.criticism.published",
           message=gettext_noop("本单位因“%(reason)s”被通报批评。"),
           params={"reason": str(criticism.get_reason_display())},
           url=reverse("supervision:criticisms"))
    audit_record(actor, "criticism.publish", criticism,
                 {"organization": criticism.organization_id, "reason": criticism.reason})
    return criticism


# --- rankings -----------------------------------------------------------------------------

@transaction.atomic
def ranking_compute(actor, region, period):
    """Score and rank every department of `region` (and below) for `period`, replacing the
    ranking computed before."""
    authorize(actor, "ranking.compute", region)
    period = parse_period(period)
    weighting, cap = rankings.weights(), settings.GOVSHARE_SUPERVISION_FINDINGS_CAP
    if sum(weighting.values()) <= 0 or min(weighting.values()) < 0 or cap < 1:
        raise ValidationError({"weights": [
            _("排名权重须为非负数且合计大于0，问题数封顶值须至少为1。")]})
    departments = list(inspections.organizations_in(region).filter(
        duty=Organization.Duty.DEPARTMENT).order_by("pk"))
    ranking, _created = Ranking.objects.update_or_create(
        region=region, period=period.key,
        defaults={"weights": weighting, "findings_cap": cap, "computed_at": clock.now()})
    ranking.entries.all().delete()
    RankingEntry.objects.bulk_create([
        RankingEntry(ranking=ranking, organization=department, counts=counts, score=score,
                     rank=rank, parts={k: round(v, 6) for k, v in parts.items()})
        for department, counts, parts, score, rank in rankings.compute(
            departments, period, weighting, cap)
    ])
    audit_record(actor, "ranking.compute", ranking, {
        "region": region.code, "period": period.key, "departments": len(departments),
        "weights": weighting, "findings_cap": cap})
    return ranking


# --- the information-project register -----------------------------------------------------

def _planned_rows(project, resources, systems):
    """Validate and build the project's planned resources and systems (unsaved)."""
    errors = {"resources": [], "systems": []}
    planned = []
    for entry in resources:
        name, resource = (entry.get("name") or "").strip(), entry.get("resource")
        if resource is not None and resource.provider_id != project.department_id:
            errors["resources"].append(_("资源 %(code)s 不是本单位的资源。")
                                       % {"code": resource.code})
        name = name or (resource.name if resource else "")
        if not name:
            errors["resources"].append(_("请填写资源名称。"))
        planned.append(ProjectResource(project=project, name=name[:200], resource=resource))
    running = []
    for entry in systems:
        name = (entry.get("name") or "").strip()
        application, node = entry.get("application"), entry.get("node")
        for registered in (application, node):
            if registered is not None and registered.organization_id != project.department_id:
                errors["systems"].append(_("“%(name)s”不是本单位登记的系统。")
                                         % {"name": registered.name})
        if not name:
            errors["systems"].append(_("请填写系统名称。"))
        running.append(ProjectSystem(project=project, name=name[:200], application=application,
                                     node=node))
    require(errors)
    return planned, running


def _project_fields(name, funding):
    errors = {"name": [] if (name or "").strip() else [_("请填写项目名称。")]}
    try:
        ok = funding is not None and float(funding) >= 0
    except (TypeError, ValueError):
        ok = False
    errors["funding"] = [] if ok else [_("请填写财政资金金额（万元，不小于0）。")]
    require(errors)


@transaction.atomic
def project_create(actor, department, *, name, funding, description="", is_secret=False,
                   resources=(), systems=()):
    """Register a project: `resources` are {name, resource} (a catalog resource once it is
    there), `systems` are {name, application or node} (its registration on the platform)."""
    authorize(actor, "project.create", department)
    _project_fields(name, funding)
    project = InfoProject(name=name.strip(), department=department, funding=funding,
                          description=description or "", is_secret=bool(is_secret),
                          created_by=actor, created_at=clock.now())
    planned, running = _planned_rows(project, resources, systems)
    project.save()
    for row in planned + running:
        row.project = project
    ProjectResource.objects.bulk_create(planned)
    ProjectSystem.objects.bulk_create(running)
    audit_record(actor, "project.create", project, {
        "department": department.pk, "funding": str(funding), "secret": project.is_secret})
    return project


@transaction.atomic
def project_update(actor, project, *, name=None, funding=None, description=None,
                   is_secret=None, resources=None, systems=None):
    """Change a draft or rejected project; `resources`/`systems`, when given, replace the
    lists."""
    authorize(actor, "project.update", project)
    if not project.is_editable:
        raise InvalidTransition(_("只有草稿或未批准的项目可以修改。"))
    for field, value in {"name": name, "funding": funding, "description": description,
                         "is_secret": is_secret}.items():
        if value is not None:
            setattr(project, field, value.strip() if isinstance(value, str) else value)
    _project_fields(project.name, project.funding)
    planned, running = _planned_rows(project, resources or (), systems or ())
    project.save()
    if resources is not None:
        project.planned_resources.all().delete()
        ProjectResource.objects.bulk_create(planned)
    if systems is not None:
        project.systems.all().delete()
        ProjectSystem.objects.bulk_create(running)
    audit_record(actor, "project.update", project, {"secret": project.is_secret})
    return project


@transaction.atomic
def project_submit(actor, project):
    authorize(actor, "project.submit", project)
    if not project.is_editable:
        raise InvalidTransition(_("只有草稿或未批准的项目可以报送审批。"))
    project.state = InfoProject.State.SUBMITTED
    project.save(update_fields=["state"])
    notify(parties.authority_reviewers(project.department.region),
           event="supervision.project.submitted",
           message=gettext_noop("%(department)s报送信息化项目“%(name)s”，待审批。"),
           params={"department": project.department.name, "name": project.name},
           url=reverse("supervision:project_detail", args=[project.pk]))
    audit_record(actor, "project.submit", project, {})
    return project


def _decide(actor, project, state, comment, event, message):
    project.state, project.decided_by, project.decided_at = state, actor, clock.now()
    project.decision_comment = (comment or "").strip()
    project.save(update_fields=["state", "decided_by", "decided_at", "decision_comment"])
    notify(_department_people(project.department), event=event, message=message,
           params={"name": project.name},
           url=reverse("supervision:project_detail", args=[project.pk]))


@transaction.atomic
def project_approve(actor, project, *, comment=""):
    """Approve a submitted project, unless it does not share (R9): refused naming what is
    missing, unless it is secret."""
    authorize(actor, "project.approve", project)
    if project.state != InfoProject.State.SUBMITTED:
        raise InvalidTransition(_("只有待审批的项目可以批准。"))
    gaps = sharing_gaps(project)
    if gaps:
        raise ValidationError(gaps, message=_("项目未实现信息共享，不予批准：%(gaps)s") % {
            "gaps": " ".join(m for messages in gaps.values() for m in messages)})
    _decide(actor, project, InfoProject.State.APPROVED, comment, "supervision.project.approved",
            gettext_noop("信息化项目“%(name)s”已获批准。"))
    audit_record(actor, "project.approve", project, {"secret": project.is_secret})
    return project


@transaction.atomic
def project_reject(actor, project, *, comment):
    authorize(actor, "project.reject", project)
    if project.state != InfoProject.State.SUBMITTED:
        raise InvalidTransition(_("只有待审批的项目可以退回。"))
    require({"comment": [] if (comment or "").strip() else [_("请写明不予批准的理由。")]})
    _decide(actor, project, InfoProject.State.REJECTED, comment, "supervision.project.rejected",
            gettext_noop("信息化项目“%(name)s”未获批准，请查看审批意见。"))
    audit_record(actor, "project.reject", project, {"comment": project.decision_comment})
    return project


# --- reports ------------------------------------------------------------------------------

@transaction.atomic
def supervision_report_generate(actor, region, period):
    """The supervision report of `region` for `period` (PDF and XLSX), delivered to the
    region's authority."""
    authorize(actor, "supervision_report.generate", region)
    period = parse_period(period)
    with translation.override(settings.LANGUAGE_CODE):
        content = reports.build(region, period)
        pdf, xlsx = reports.render_pdf(content), reports.render_xlsx(content)
    report = SupervisionReport(region=region, period=period.key, created_at=clock.now(),
                               created_by=str(actor)[:200], summary=content.summary)
    name = f"supervision-{region.code}-{period.key}"
    report.pdf.save(f"{name}.pdf", pdf, save=False)
    report.xlsx.save(f"{name}.xlsx", xlsx, save=False)
    report.save()
    notify(parties.authority_reviewers(region), event="supervision.report",
           message=gettext_noop("%(region)s%(period)s监督检查报告已生成。"),
           params={"region": region.name, "period": period.key},
           url=reverse("supervision:report_detail", args=[report.pk]))
    audit_record(actor, "supervision_report.generate", report, {"region": region.code,
                                                    "period": period.key})
    return report

