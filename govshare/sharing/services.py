"""Every change to share requests, grants, objections and the working-day calendar (R12–R16).

Each service checks its permission first, validates, moves its object along the table of
`workflow.py`, closes the step's deadline and opens the next one, writes an immutable timeline
entry (with its attachments) and the audit record, and sends its notifications, all in one
transaction.
"""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from govshare.audit.services import audit_record
from govshare.catalog.models import Resource, ShareType
from govshare.core import clock
from govshare.core.exceptions import (
    DeadlinePassed,
    InvalidTransition,
    PermissionDenied,
    ValidationError,
)
from govshare.core.permissions import authorize
from govshare.core.validation import require, validated
from govshare.notifications.dispatch import notify
from govshare.notifications.models import Notification

from . import parties
from .deadlines import due_date, end_of, step_duration
from .models import (
    Attachment,
    CalendarOverride,
    Deadline,
    Grant,
    Objection,
    Party,
    ShareRequest,
    TimelineEntry,
)
from .rowfilter import row_filter_errors
from .workflow import GRANT, OBJECTION, SHARE_REQUEST

# The longest validity a request may ask for; renewal is by a new request.
MAX_VALIDITY = timedelta(days=3 * 366)
R = ShareRequest.State


# --- helpers shared by the services -----------------------------------------------------

def _refuse_self_approval(actor, share_request):
    """Requester and approver are always different people (R13)."""
    if parties.is_requester(actor, share_request):
        raise PermissionDenied(
            _("申请人（requested_by）不能审批、说明或决定本人提出的申请；"
              "申请人与办理人须为不同人员。"),
            field="requested_by",
        )


def _check_attachments(files):
    limit = settings.GOVSHARE_ATTACHMENT_MAX_BYTES
    too_big = [f.name for f in files if f.size is None or f.size > limit]
    require({"attachments": [
        _("附件“%(name)s”超过大小上限（%(mb)s MB）。") % {"name": name, "mb": limit >> 20}
        for name in too_big
    ]})


def _store_attachments(entry, files):
    for upload in files:
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        attachment = Attachment(
            entry=entry, name=upload.name[:200], size=upload.size, sha256=digest.hexdigest(),
            content_type=getattr(upload, "content_type", "") or "",
        )
        attachment.file.save(upload.name, upload, save=False)
        attachment.save()


def _record(subject, actor, party, action, *, from_state, to_state, comment="", data=None,
            attachments=()):
    """Append one timeline entry to a request or an objection."""
    is_user = not parties.is_platform(actor)
    entry = TimelineEntry.objects.create(
        share_request=subject if isinstance(subject, ShareRequest) else None,
        objection=subject if isinstance(subject, Objection) else None,
        action=action, from_state=from_state or "", to_state=to_state or "",
        actor=actor if is_user else None,
        actor_name=str(actor) if is_user else _("平台（自动）"),
        role=party, organization=actor.organization if is_user else None,
        comment=comment.strip(), data=data or {},
    )
    _store_attachments(entry, attachments)
    return entry


def _warn_operators(missing_years):
    """Tell every operator, once per year, that the year's official calendar is missing."""
    for year in missing_years:
        event = f"calendar.missing.{year}"
        if Notification.objects.filter(event=event).exists():
            continue
        notify(parties.operators(), event=event,
               message=gettext_noop("%(year)s年的国家法定节假日安排尚未收录，办理期限暂按周末"
                                    "和已录入的节假日计算，请在工作日历中录入该年的安排。"),
               params={"year": year}, url=reverse("sharing:calendar"))


def _responsible(subject, party):
    """(organisation, region) holding a step, for the deadline row."""
    resource = subject.resource
    if party == Party.PROVIDER:
        return resource.provider, None
    if party == Party.CONSUMER:
        return subject.consumer, None
    if party == Party.AUTHORITY:
        region = (subject.coordinating_region if isinstance(subject, ShareRequest)
                  else resource.provider.region)
        return None, region
    return None, None


def _open_deadline(subject, machine, state):
    """Start the time limit of the step `state` waits for, if it waits for anyone."""
    waiting = machine.deadline_of(state)
    if waiting is None:
        return None
    party, key = waiting
    duration = step_duration(key)
    due = due_date(clock.today(), duration)
    organization, region = _responsible(subject, party)
    deadline = Deadline.objects.create(
        share_request=subject if isinstance(subject, ShareRequest) else None,
        objection=subject if isinstance(subject, Objection) else None,
        step=state, party=party, organization=organization, region=region,
        duration=str(duration), due_date=due.date, due_at=end_of(due.date),
        missing_calendar_years=list(due.missing_years), supervised=party != Party.CONSUMER,
    )
    _warn_operators(due.missing_years)
    return deadline


def _close_deadlines(subject):
    now = clock.now()
    for deadline in subject.deadlines.filter(closed_at__isnull=True):
        deadline.closed_at = now
        if deadline.supervised and now > deadline.due_at and deadline.overdue_at is None:
            deadline.overdue_at = now
        deadline.save(update_fields=["closed_at", "overdue_at"])


def _move(subject, machine, action, actor, party, *, comment="", data=None, attachments=()):
    """Take the table's row for `action`: new state, deadlines, timeline entry."""
    transition = machine.find(subject.state, action)
    from_state = subject.state
    subject.state = transition.target
    subject.updated_at = clock.now()
    subject.save()
    _close_deadlines(subject)
    deadline = _open_deadline(subject, machine, transition.target)
    entry_data = dict(data or {})
    if deadline is not None:
        entry_data["due_date"] = deadline.due_date.isoformat()
    entry = _record(subject, actor, party, action, from_state=from_state,
                    to_state=transition.target, comment=comment, data=entry_data,
                    attachments=attachments)
    return entry, deadline


def _request_url(share_request):
    return reverse("sharing:request_detail", args=[share_request.pk])


def _request_payload(share_request, grant=None):
    payload = {"share_request": {"id": share_request.pk, "number": share_request.number,
                                 "state": share_request.state,
                                 "resource": share_request.resource.code}}
    if grant is not None:
        payload["grant"] = {"id": grant.pk, "state": grant.state, "items": grant.items,
                            "row_filter": grant.row_filter,
                            "valid_until": grant.valid_until.isoformat(),
                            "daily_quota": grant.daily_quota}
    return payload


def _tell(recipients, share_request, event, message, *, grant=None, webhook=True, **params):
    notify(recipients, event=event, message=message,
           params={"number": share_request.number, "resource": share_request.resource.name,
                   **params},
           url=_request_url(share_request),
           application=share_request.application if webhook else None,
           data=_request_payload(share_request, grant))


def _authority(share_request):
    return parties.authority_reviewers(share_request.coordinating_region)


def _provider(share_request):
    return parties.sharing_officers(share_request.resource.provider)


def _item_types(resource):
    return dict(resource.data_items().values_list("identifier", "data_type"))


def _items_errors(items, item_types, resource):
    if not isinstance(items, list | tuple) or not items:
        return [_("请至少选择一个信息项。")]
    unknown = [i for i in items if i not in item_types]
    if unknown:
        return [_("信息项 %(items)s 不属于资源“%(resource)s”。")
                % {"items": "、".join(map(str, unknown)), "resource": resource.name}]
    return []


def _content(share_request, *, items, row_filter, valid_until, daily_quota):
    """The agreed content of a grant, defaulting to what was requested; it may narrow the
    request, never widen it."""
    items = list(dict.fromkeys(share_request.items if items is None else items))
    row_filter = share_request.row_filter if row_filter is None else row_filter
    valid_until = valid_until or share_request.requested_until
    item_types = _item_types(share_request.resource)
    errors = {"items": _items_errors(items, item_types, share_request.resource)}
    if not errors["items"] and not set(items) <= set(share_request.items):
        errors["items"] = [_("同意的信息项不能超出申请的范围。")]
    errors["row_filter"] = row_filter_errors(row_filter, item_types)
    if valid_until <= clock.today():
        errors["valid_until"] = [_("有效期须晚于今天。")]
    elif valid_until > share_request.requested_until:
        errors["valid_until"] = [_("有效期不能超过申请的期限（%(date)s）。")
                                 % {"date": share_request.requested_until}]
    if daily_quota is not None and (not isinstance(daily_quota, int) or daily_quota < 1):
        errors["daily_quota"] = [_("每日配额须为正整数，或留空表示不限。")]
    require(errors)
    return {"items": items, "row_filter": row_filter or {}, "valid_until": valid_until,
            "daily_quota": daily_quota}


def _require_text(**fields):
    require({name: [_("此项必填。")] for name, value in fields.items()
             if not (value or "").strip()})


def _activate(grant, actor, party, comment=""):
    """Put an agreed grant into force and close its request as granted."""
    transition = GRANT.find(grant.state, "activate")
    if grant.valid_until < clock.today():
        raise InvalidTransition(_("授权的有效期已过，不能实施；请重新申请。"))
    grant.state = transition.target
    grant.valid_from = clock.today()
    grant.activated_at = grant.state_changed_at = clock.now()
    grant.activated_by = actor if party == Party.OPERATOR else None
    grant.save()
    share_request = grant.share_request
    _move(share_request, SHARE_REQUEST, "activate", actor, party, comment=comment,
          data={"grant": grant.pk})
    _tell(parties.consumer_people(share_request) + _provider(share_request), share_request,
          "grant.activated", gettext_noop("共享申请 %(number)s（%(resource)s）的授权已生效。"),
          grant=grant)
    return grant


def _agreed(share_request, actor, action, content, *, comment="", data=None, attachments=()):
    """The consultation, coordination or joint consultation reached agreement: the grant is
    prepared, the authority and the operator are told, and the operator (or the platform)
    implements it (R13, R14)."""
    grant = Grant.objects.create(
        application=share_request.application, resource=share_request.resource,
        share_request=share_request, **content,
    )
    recorded = {**(data or {}), "content": {**content,
                                            "valid_until": content["valid_until"].isoformat()}}
    party = Party.PROVIDER if action == "agree" else Party.AUTHORITY
    _move(share_request, SHARE_REQUEST, action, actor, party, comment=comment, data=recorded,
          attachments=attachments)
    _tell(parties.consumer_people(share_request), share_request, "share_request.agreed",
          gettext_noop("共享申请 %(number)s（%(resource)s）已同意共享。"), grant=grant)
    _tell(_authority(share_request), share_request, "share_request.agreed.report",
          gettext_noop("报告：共享申请 %(number)s（%(resource)s）已达成共享意见。"), webhook=False)
    if settings.GOVSHARE_SHARING_AUTO_ACTIVATE:
        _activate(grant, parties.PLATFORM, Party.PLATFORM)
    else:
        _tell(parties.operators(), share_request, "grant.pending",
              gettext_noop("请实施共享申请 %(number)s（%(resource)s）的授权。"), webhook=False)
    return grant


def _closed(share_request, actor, action, *, ground, comment, data=None, attachments=()):
    share_request.refusal_ground = ground.strip()
    _move(share_request, SHARE_REQUEST, action, actor, Party.AUTHORITY, comment=comment,
          data={**(data or {}), "statutory_ground": ground.strip()}, attachments=attachments)
    _tell(parties.consumer_people(share_request) + _provider(share_request), share_request,
          "share_request.closed",
          gettext_noop("共享申请 %(number)s（%(resource)s）已办结：不予共享。"))


# --- share requests ---------------------------------------------------------------------

@transaction.atomic
def share_request_file(actor, *, application, resource, items, purpose, duty,
                       requested_until, legal_basis="", expected_volume=None, row_filter=None,
                       renews=None, comment="", attachments=()):
    """File a request. An unconditional resource is granted at once and the authority
    informed; any other goes to the provider for consultation (R12, R13)."""
    share_request = ShareRequest(
        consumer=application.organization, application=application, resource=resource,
        items=list(dict.fromkeys(items or [])), row_filter=row_filter or {},
        purpose=(purpose or "").strip(), duty=(duty or "").strip(),
        legal_basis=(legal_basis or "").strip(), requested_until=requested_until,
        expected_volume=expected_volume, renews=renews, requested_by=actor,
        coordinating_region=parties.coordinating_region(application.organization.region,
                                                        resource.provider.region),
    )
    authorize(actor, "share_request.file", share_request)
    version = resource.current
    if resource.status != Resource.Status.PUBLISHED or version is None:
        raise ValidationError({"resource": [_("该资源未发布，不能申请。")]})
    item_types = _item_types(resource)
    errors = {
        "application": [] if application.is_active else [_("应用系统已停用。")],
        "items": _items_errors(share_request.items, item_types, resource),
        "row_filter": row_filter_errors(share_request.row_filter, item_types),
        "purpose": [] if share_request.purpose else [_("请说明用途。")],
        "duty": [] if share_request.duty else [_("请说明申请所服务的职责。")],
    }
    if version.share_type == ShareType.NOT_SHARED and not share_request.legal_basis:
        errors["legal_basis"] = [_("申请不予共享的资源，须注明所依据的法律、法规。")]
    today = clock.today()
    if requested_until is None or requested_until <= today:
        errors["requested_until"] = [_("使用期限须晚于今天。")]
    elif requested_until > today + MAX_VALIDITY:
        errors["requested_until"] = [_("使用期限最长三年，期满可重新申请续期。")]
    if expected_volume is not None and expected_volume < 0:
        errors["expected_volume"] = [_("预计调用量不能为负数。")]
    if renews is not None and (renews.application_id != application.pk
                               or renews.resource_id != resource.pk):
        errors["renews"] = [_("只能续期本应用系统对同一资源的授权。")]
    if ShareRequest.objects.open().filter(application=application, resource=resource).exists():
        errors["resource"] = [_("本应用系统对该资源已有办理中的申请。")]
    require(errors)
    _check_attachments(attachments)
    share_request.resource_version = version
    share_request.share_type = version.share_type
    unconditional = version.share_type == ShareType.UNCONDITIONAL
    transition = SHARE_REQUEST.find(None, "file_unconditional" if unconditional else "file")
    share_request.state = transition.target
    share_request.save()
    _record(share_request, actor, Party.CONSUMER, transition.action, from_state=None,
            to_state=transition.target, comment=comment,
            data={"items": share_request.items}, attachments=attachments)
    audit_record(actor, "share_request.file", share_request,
                 {"resource": resource.code, "application": application.pk,
                  "items": share_request.items, "share_type": share_request.share_type})
    if unconditional:
        grant = Grant.objects.create(
            application=application, resource=resource, share_request=share_request,
            items=share_request.items, row_filter=share_request.row_filter,
            state=Grant.State.ACTIVE, valid_from=today, valid_until=requested_until,
            activated_at=clock.now(),
        )
        _tell(parties.consumer_people(share_request), share_request, "grant.activated",
              gettext_noop("共享申请 %(number)s（%(resource)s）为无条件共享，已即时授权。"),
              grant=grant)
        _tell(_authority(share_request) + _provider(share_request), share_request,
              "share_request.granted.report",
              gettext_noop("告知：共享申请 %(number)s（%(resource)s）为无条件共享，已即时授权。"),
              webhook=False)
        return share_request
    deadline = _open_deadline(share_request, SHARE_REQUEST, share_request.state)
    _tell(_provider(share_request), share_request, "share_request.filed",
          gettext_noop("收到共享申请 %(number)s（%(resource)s），请于 %(due)s 前答复。"),
          due=deadline.due_date)
    return share_request


@transaction.atomic
def share_request_agree(actor, share_request, *, items=None, row_filter=None, valid_until=None,
                        daily_quota=None, comment="", attachments=()):
    """The provider agrees and states the content: data items, rows, validity, quota (R13)."""
    _refuse_self_approval(actor, share_request)
    authorize(actor, "share_request.agree", share_request)
    SHARE_REQUEST.find(share_request.state, "agree")
    content = _content(share_request, items=items, row_filter=row_filter,
                       valid_until=valid_until, daily_quota=daily_quota)
    _check_attachments(attachments)
    grant = _agreed(share_request, actor, "agree", content, comment=comment,
                    attachments=attachments)
    audit_record(actor, "share_request.agree", share_request, {"grant": grant.pk})
    return grant


@transaction.atomic
def share_request_refuse(actor, share_request, *, reasons, statutory_ground, secrecy=False,
                         attachments=()):
    """The provider refuses, giving its reasons and the statutory ground (R12, R13)."""
    _refuse_self_approval(actor, share_request)
    authorize(actor, "share_request.refuse", share_request)
    SHARE_REQUEST.find(share_request.state, "refuse")
    require({
        "reasons": [] if (reasons or "").strip() else [_("不同意共享须说明理由。")],
        "statutory_ground": [] if (statutory_ground or "").strip() else [
            _("拒绝共享须注明法定依据（法律、行政法规或国家有关规定的名称和条款）。")],
    })
    _check_attachments(attachments)
    share_request.refusal_ground = statutory_ground.strip()
    share_request.refusal_secrecy = bool(secrecy)
    _entry, deadline = _move(
        share_request, SHARE_REQUEST, "refuse", actor, Party.PROVIDER, comment=reasons,
        data={"statutory_ground": share_request.refusal_ground, "secrecy": bool(secrecy)},
        attachments=attachments)
    audit_record(actor, "share_request.refuse", share_request,
                 {"statutory_ground": share_request.refusal_ground, "secrecy": bool(secrecy)})
    _tell(parties.consumer_people(share_request), share_request, "share_request.refused",
          gettext_noop("共享申请 %(number)s（%(resource)s）未获同意；如有异议，可于 %(due)s "
                       "前向信息共享主管部门提出申请。"), due=deadline.due_date)
    return share_request


def _within_appeal_window(share_request):
    deadline = share_request.open_deadline()
    if deadline is not None and clock.now() > deadline.due_at:
        raise DeadlinePassed(_("提出申请的期限已于 %(date)s 届满。")
                             % {"date": deadline.due_date})


@transaction.atomic
def share_request_appeal(actor, share_request, *, comment, attachments=()):
    """After a refusal the consumer applies to the authority, which asks the provider for a
    written explanation within the time limit (15 days by default) (R13)."""
    authorize(actor, "share_request.appeal", share_request)
    SHARE_REQUEST.find(share_request.state, "appeal")
    _within_appeal_window(share_request)
    _require_text(comment=comment)
    _check_attachments(attachments)
    _entry, deadline = _move(share_request, SHARE_REQUEST, "appeal", actor, Party.CONSUMER,
                             comment=comment, attachments=attachments)
    audit_record(actor, "share_request.appeal", share_request,
                 {"explanation_due": deadline.due_date})
    _tell(_provider(share_request), share_request, "share_request.explanation_requested",
          gettext_noop("需求方就共享申请 %(number)s（%(resource)s）向主管部门提出申请，"
                       "请于 %(due)s 前提交书面说明。"), due=deadline.due_date, webhook=False)
    _tell(_authority(share_request), share_request, "share_request.appealed",
          gettext_noop("收到关于共享申请 %(number)s（%(resource)s）的协调申请；"
                       "提供方书面说明期限为 %(due)s。"), due=deadline.due_date)
    return share_request


@transaction.atomic
def share_request_dispute_secrecy(actor, share_request, *, comment, attachments=()):
    """The consumer disputes that the data is a state secret: the secrecy department decides,
    and the authority records its determination (R12)."""
    authorize(actor, "share_request.dispute_secrecy", share_request)
    SHARE_REQUEST.find(share_request.state, "dispute_secrecy")
    if not share_request.refusal_secrecy:
        raise InvalidTransition(_("提供方并非以涉及国家秘密为由拒绝，请向主管部门提出申请。"))
    _within_appeal_window(share_request)
    _require_text(comment=comment)
    _check_attachments(attachments)
    _entry, deadline = _move(share_request, SHARE_REQUEST, "dispute_secrecy", actor,
                             Party.CONSUMER, comment=comment, attachments=attachments)
    audit_record(actor, "share_request.dispute_secrecy", share_request)
    _tell(_authority(share_request) + _provider(share_request), share_request,
          "share_request.secrecy_disputed",
          gettext_noop("共享申请 %(number)s（%(resource)s）涉密争议已提请保密部门认定，"
                       "请于 %(due)s 前录入认定结果。"), due=deadline.due_date, webhook=False)
    return share_request


@transaction.atomic
def share_request_explain(actor, share_request, *, explanation, attachments=()):
    """The provider's written explanation to the authority; the authority's 30 days start
    (R13). A late explanation is accepted and its lateness recorded."""
    _refuse_self_approval(actor, share_request)
    authorize(actor, "share_request.explain", share_request)
    SHARE_REQUEST.find(share_request.state, "explain")
    _require_text(explanation=explanation)
    _check_attachments(attachments)
    _entry, deadline = _move(share_request, SHARE_REQUEST, "explain", actor, Party.PROVIDER,
                             comment=explanation, attachments=attachments)
    audit_record(actor, "share_request.explain", share_request,
                 {"decision_due": deadline.due_date})
    _tell(_authority(share_request), share_request, "share_request.explained",
          gettext_noop("提供方已就共享申请 %(number)s（%(resource)s）提交书面说明，"
                       "请于 %(due)s 前协调确定。"), due=deadline.due_date, webhook=False)
    _tell(parties.consumer_people(share_request), share_request, "share_request.coordinating",
          gettext_noop("共享申请 %(number)s（%(resource)s）进入主管部门协调。"))
    return share_request


@transaction.atomic
def share_request_proceed(actor, share_request, *, comment=""):
    """The explanation is overdue: the authority coordinates without it (R13)."""
    _refuse_self_approval(actor, share_request)
    authorize(actor, "share_request.proceed", share_request)
    SHARE_REQUEST.find(share_request.state, "proceed")
    deadline = share_request.open_deadline()
    if deadline is not None and clock.now() <= deadline.due_at:
        raise InvalidTransition(_("提供方书面说明的期限（%(date)s）尚未届满。")
                                % {"date": deadline.due_date})
    _entry, deadline = _move(share_request, SHARE_REQUEST, "proceed", actor, Party.AUTHORITY,
                             comment=comment)
    audit_record(actor, "share_request.proceed", share_request,
                 {"decision_due": deadline.due_date})
    _tell(parties.consumer_people(share_request) + _provider(share_request), share_request,
          "share_request.coordinating",
          gettext_noop("共享申请 %(number)s（%(resource)s）进入主管部门协调。"), webhook=False)
    return share_request


@transaction.atomic
def share_request_decide(actor, share_request, *, grant, items=None, row_filter=None,
                         valid_until=None, daily_quota=None, statutory_ground="", comment="",
                         attachments=()):
    """The authority's coordinated decision: share (with its content) or not (with the
    statutory ground) (R12, R13)."""
    _refuse_self_approval(actor, share_request)
    authorize(actor, "share_request.decide", share_request)
    action = "decide_grant" if grant else "decide_refuse"
    SHARE_REQUEST.find(share_request.state, action)
    result = _decision(share_request, actor, action, grant=grant, items=items,
                       row_filter=row_filter, valid_until=valid_until, daily_quota=daily_quota,
                       statutory_ground=statutory_ground, comment=comment,
                       attachments=attachments)
    audit_record(actor, "share_request.decide", share_request, {"grant": bool(grant)})
    return result


def _decision(share_request, actor, action, *, grant, items, row_filter, valid_until,
              daily_quota, statutory_ground, comment, attachments, data=None):
    if grant:
        content = _content(share_request, items=items, row_filter=row_filter,
                           valid_until=valid_until, daily_quota=daily_quota)
        _check_attachments(attachments)
        return _agreed(share_request, actor, action, content, comment=comment, data=data,
                       attachments=attachments)
    require({"statutory_ground": [] if (statutory_ground or "").strip() else [
        _("决定不予共享须注明法定依据（法律、行政法规或国家有关规定的名称和条款）。")]})
    _check_attachments(attachments)
    _closed(share_request, actor, action, ground=statutory_ground, comment=comment, data=data,
            attachments=attachments)
    return share_request


@transaction.atomic
def share_request_escalate(actor, share_request, *, comment, attachments=()):
    """Coordination failed: a joint consultation with the establishment and secrecy
    departments decides (R13)."""
    _refuse_self_approval(actor, share_request)
    authorize(actor, "share_request.escalate", share_request)
    SHARE_REQUEST.find(share_request.state, "escalate")
    _require_text(comment=comment)
    _check_attachments(attachments)
    _entry, deadline = _move(share_request, SHARE_REQUEST, "escalate", actor, Party.AUTHORITY,
                             comment=comment, attachments=attachments)
    audit_record(actor, "share_request.escalate", share_request)
    _tell(parties.consumer_people(share_request) + _provider(share_request), share_request,
          "share_request.joint_consultation",
          gettext_noop("共享申请 %(number)s（%(resource)s）协调未达成一致，已提请机构编制、"
                       "保密等部门联合会商。"))
    return share_request


@transaction.atomic
def share_request_joint_decide(actor, share_request, *, grant, establishment, secrecy,
                               items=None, row_filter=None, valid_until=None, daily_quota=None,
                               statutory_ground="", comment="", attachments=()):
    """The authority records the joint consultation's decision, naming the establishment
    (编办) and secrecy (保密) departments that took part (R13)."""
    _refuse_self_approval(actor, share_request)
    authorize(actor, "share_request.joint_decide", share_request)
    action = "joint_grant" if grant else "joint_refuse"
    SHARE_REQUEST.find(share_request.state, action)
    require({
        "establishment": [] if (establishment or "").strip() else [
            _("请注明参加会商的机构编制部门。")],
        "secrecy": [] if (secrecy or "").strip() else [_("请注明参加会商的保密部门。")],
    })
    participants = {"establishment": establishment.strip(), "secrecy": secrecy.strip()}
    result = _decision(share_request, actor, action, grant=grant, items=items,
                       row_filter=row_filter, valid_until=valid_until, daily_quota=daily_quota,
                       statutory_ground=statutory_ground, comment=comment,
                       attachments=attachments, data={"participants": participants})
    audit_record(actor, "share_request.joint_decide", share_request,
                 {"grant": bool(grant), **participants})
    return result


@transaction.atomic
def share_request_secrecy_determine(actor, share_request, *, secret, determination,
                                    comment="", attachments=()):
    """The authority records the secrecy department's determination: a secret closes the
    request; otherwise the provider must answer again without that ground (R12)."""
    _refuse_self_approval(actor, share_request)
    authorize(actor, "share_request.secrecy_determine", share_request)
    action = "secrecy_confirm" if secret else "secrecy_reject"
    SHARE_REQUEST.find(share_request.state, action)
    _require_text(determination=determination)
    _check_attachments(attachments)
    data = {"determination": determination.strip(), "secret": bool(secret)}
    if secret:
        _closed(share_request, actor, action, ground=share_request.refusal_ground,
                comment=comment, data=data, attachments=attachments)
    else:
        share_request.refusal_ground, share_request.refusal_secrecy = "", False
        _entry, deadline = _move(share_request, SHARE_REQUEST, action, actor, Party.AUTHORITY,
                                 comment=comment, data=data, attachments=attachments)
        _tell(_provider(share_request), share_request, "share_request.filed",
              gettext_noop("保密部门认定共享申请 %(number)s（%(resource)s）不涉密，"
                           "请于 %(due)s 前重新答复。"), due=deadline.due_date, webhook=False)
    audit_record(actor, "share_request.secrecy_determine", share_request, data)
    return share_request


@transaction.atomic
def share_request_withdraw(actor, share_request, *, comment=""):
    authorize(actor, "share_request.withdraw", share_request)
    SHARE_REQUEST.find(share_request.state, "withdraw")
    _move(share_request, SHARE_REQUEST, "withdraw", actor, Party.CONSUMER, comment=comment)
    audit_record(actor, "share_request.withdraw", share_request)
    _tell(_provider(share_request), share_request, "share_request.withdrawn",
          gettext_noop("共享申请 %(number)s（%(resource)s）已由需求方撤回。"))
    return share_request


@transaction.atomic
def share_request_sweep(actor):
    """The periodic sweep: record and report overdue steps (R13, R16), close refusals whose
    appeal window has passed, and expire grants past their validity. Each change is audited on
    the request, objection or grant it changed. Returns the counts."""
    authorize(actor, "share_request.sweep", None)
    now = clock.now()
    counts = {"overdue": 0, "lapsed": 0, "expired": 0}
    overdue = (Deadline.objects.filter(closed_at__isnull=True, overdue_at__isnull=True,
                                       supervised=True, due_at__lt=now)
               .select_related("share_request__resource__provider__region",
                               "objection__resource__provider__region"))
    for deadline in overdue:
        deadline.overdue_at = now
        deadline.save(update_fields=["overdue_at"])
        subject, machine = _report_overdue(deadline)
        audit_record(actor, f"{machine.name}.overdue", subject, {
            "step": deadline.step, "party": deadline.party, "due_date": deadline.due_date})
        counts["overdue"] += 1
    windows = Deadline.objects.filter(closed_at__isnull=True, supervised=False, due_at__lt=now,
                                      share_request__state=R.REFUSED)
    for deadline in windows.select_related("share_request"):
        share_request = deadline.share_request
        _move(share_request, SHARE_REQUEST, "lapse", parties.PLATFORM, Party.PLATFORM)
        audit_record(actor, "share_request.lapse", share_request,
                     {"appeal_due": deadline.due_date})
        counts["lapsed"] += 1
    expiring = Grant.objects.filter(state__in=[Grant.State.ACTIVE, Grant.State.SUSPENDED],
                                    valid_until__lt=clock.today())
    for grant in expiring.select_related("share_request", "resource", "application"):
        _grant_move(grant, "expire", parties.PLATFORM, Party.PLATFORM)
        audit_record(actor, "grant.expire", grant, {"valid_until": grant.valid_until})
        _tell(parties.consumer_people(grant.share_request), grant.share_request, "grant.expired",
              gettext_noop("共享申请 %(number)s（%(resource)s）的授权已到期；"
                           "如需继续使用，请提交续期申请。"), grant=grant)
        counts["expired"] += 1
    return counts


def _report_overdue(deadline):
    """Tell the party holding an overdue step, and the authority, and note it on the
    timeline; returns the late request or objection and its state machine."""
    subject = deadline.share_request or deadline.objection
    machine = SHARE_REQUEST if deadline.share_request_id else OBJECTION
    _record(subject, parties.PLATFORM, Party.PLATFORM, "overdue", from_state=subject.state,
            to_state=subject.state,
            data={"step": deadline.step, "due_date": deadline.due_date.isoformat(),
                  "party": deadline.party})
    if deadline.party == Party.PROVIDER:
        holders = parties.sharing_officers(subject.resource.provider)
    elif deadline.party == Party.OPERATOR:
        holders = parties.operators()
    else:
        holders = []
    region = (subject.coordinating_region if deadline.share_request_id
              else subject.resource.provider.region)
    authority = parties.authority_reviewers(region)
    if deadline.party == Party.AUTHORITY and region.parent_id:
        # The authority itself is late: the authority above it supervises.
        authority += parties.authority_reviewers(region.parent)
    params = {"number": subject.number, "resource": subject.resource.name,
              "step": machine.states(deadline.step).label, "due": deadline.due_date}
    url = (_request_url(subject) if deadline.share_request_id
           else reverse("sharing:objection_detail", args=[subject.pk]))
    notify(holders + authority, event=f"{machine.name}.overdue", params=params, url=url,
           message=gettext_noop("%(number)s（%(resource)s）的“%(step)s”环节已超过办理期限 "
                                "%(due)s，逾期情况已记录。"))
    return subject, machine


# --- grants -----------------------------------------------------------------------------

def _grant_move(grant, action, actor, party, *, reason=""):
    transition = GRANT.find(grant.state, action)
    from_state = grant.state
    grant.state = transition.target
    grant.state_reason = reason.strip()
    grant.state_changed_at = clock.now()
    grant.save()
    _record(grant.share_request, actor, party, f"grant.{action}", from_state=from_state,
            to_state=transition.target, comment=reason, data={"grant": grant.pk})


def _grant_party(actor, grant):
    """The party `actor` acts for on a grant, for the timeline."""
    if parties.is_operator(actor):
        return Party.OPERATOR
    if parties.is_provider(actor, grant.resource):
        return Party.PROVIDER
    if parties.is_authority(actor, grant.share_request.coordinating_region):
        return Party.AUTHORITY
    return Party.CONSUMER


@transaction.atomic
def grant_activate(actor, grant, *, comment=""):
    """The operator implements an agreed grant (R13, R14)."""
    _refuse_self_approval(actor, grant.share_request)
    authorize(actor, "grant.activate", grant)
    _activate(grant, actor, Party.OPERATOR, comment=comment)
    audit_record(actor, "grant.activate", grant,
                 {"application": grant.application_id, "resource": grant.resource.code})
    return grant


def _grant_change(actor, grant, action, event, message, *, reason):
    _grant_move(grant, action, actor, _grant_party(actor, grant), reason=reason)
    audit_record(actor, f"grant.{action}", grant, {"reason": reason.strip()})
    share_request = grant.share_request
    _tell(parties.consumer_people(share_request) + _provider(share_request), share_request,
          event, message, grant=grant, reason=reason.strip())
    return grant


@transaction.atomic
def grant_suspend(actor, grant, *, reason):
    """Stop access for now; it takes effect on the next data request."""
    authorize(actor, "grant.suspend", grant)
    GRANT.find(grant.state, "suspend")
    _require_text(reason=reason)
    return _grant_change(
        actor, grant, "suspend", "grant.suspended",
        gettext_noop("共享申请 %(number)s（%(resource)s）的授权已暂停：%(reason)s"), reason=reason)


@transaction.atomic
def grant_resume(actor, grant, *, reason=""):
    authorize(actor, "grant.resume", grant)
    GRANT.find(grant.state, "resume")
    return _grant_change(actor, grant, "resume", "grant.resumed",
                         gettext_noop("共享申请 %(number)s（%(resource)s）的授权已恢复。"),
                         reason=reason)


@transaction.atomic
def grant_revoke(actor, grant, *, reason):
    """End access for good; it takes effect on the next data request."""
    authorize(actor, "grant.revoke", grant)
    GRANT.find(grant.state, "revoke")
    _require_text(reason=reason)
    return _grant_change(
        actor, grant, "revoke", "grant.revoked",
        gettext_noop("共享申请 %(number)s（%(resource)s）的授权已撤销：%(reason)s"), reason=reason)


# --- objections (R16) -------------------------------------------------------------------

def _objection_url(objection):
    return reverse("sharing:objection_detail", args=[objection.pk])


def _tell_objection(recipients, objection, event, message, **params):
    notify(recipients, event=event, message=message,
           params={"number": objection.number, "resource": objection.resource.name, **params},
           url=_objection_url(objection))


def _objection_consumer(objection):
    people = {u.pk: u for u in parties.sharing_officers(objection.consumer)}
    people[objection.raised_by_id] = objection.raised_by
    return list(people.values())


@transaction.atomic
def objection_raise(actor, *, resource, kind, description, record_key="", items=(),
                    attachments=()):
    """A consumer disputes the accuracy, completeness or timeliness of a resource's data,
    optionally naming a record and data items, with evidence attached."""
    objection = Objection(
        consumer=getattr(actor, "organization", None), resource=resource, kind=kind,
        description=(description or "").strip(), record_key=(record_key or "").strip(),
        items=list(dict.fromkeys(items or [])), raised_by=actor,
    )
    if objection.consumer is None:
        raise PermissionDenied()
    authorize(actor, "objection.raise", objection)
    item_types = _item_types(resource)
    has_used = Grant.objects.filter(
        application__organization=objection.consumer, resource=resource,
        activated_at__isnull=False).exists()
    unknown = [i for i in objection.items if i not in item_types]
    require({
        "resource": [] if has_used else [_("本单位未获得过该资源的授权，不能对其提出异议。")],
        "kind": [] if kind in Objection.Kind.values else [_("请选择异议类型。")],
        "items": [_("信息项 %(items)s 不属于该资源。") % {"items": "、".join(unknown)}]
        if unknown else [],
        "description": [] if objection.description else [_("请说明异议内容。")],
    })
    _check_attachments(attachments)
    transition = OBJECTION.find(None, "raise")
    objection.state = transition.target
    objection.save()
    _record(objection, actor, Party.CONSUMER, "raise", from_state=None,
            to_state=objection.state, comment=objection.description,
            data={"kind": kind, "record_key": objection.record_key, "items": objection.items},
            attachments=attachments)
    deadline = _open_deadline(objection, OBJECTION, objection.state)
    audit_record(actor, "objection.raise", objection,
                 {"resource": resource.code, "kind": kind, "record_key": objection.record_key})
    _tell_objection(parties.sharing_officers(resource.provider), objection, "objection.raised",
                    gettext_noop("收到对资源“%(resource)s”的数据异议 %(number)s，"
                                 "请于 %(due)s 前核实答复。"), due=deadline.due_date)
    return objection


def _refuse_self_answer(actor, objection):
    if getattr(actor, "pk", None) == objection.raised_by_id:
        raise PermissionDenied(_("异议提出人（raised_by）不能答复本人提出的异议。"),
                               field="raised_by")


def _answer_objection(actor, objection, action, text, event, message, attachments):
    OBJECTION.find(objection.state, action)
    _check_attachments(attachments)
    _move(objection, OBJECTION, action, actor, Party.PROVIDER, comment=text,
          attachments=attachments)
    audit_record(actor, f"objection.{action}", objection)
    _tell_objection(_objection_consumer(objection), objection, event, message)
    return objection


@transaction.atomic
def objection_accept(actor, objection, *, correction, attachments=()):
    """The provider confirms the problem and states the correction made."""
    _refuse_self_answer(actor, objection)
    authorize(actor, "objection.accept", objection)
    _require_text(correction=correction)
    return _answer_objection(
        actor, objection, "accept", correction, "objection.corrected",
        gettext_noop("数据异议 %(number)s（%(resource)s）已核实更正，请确认。"), attachments)


@transaction.atomic
def objection_reject(actor, objection, *, reasons, attachments=()):
    """The provider finds the data right, and says why."""
    _refuse_self_answer(actor, objection)
    authorize(actor, "objection.reject", objection)
    _require_text(reasons=reasons)
    return _answer_objection(
        actor, objection, "reject", reasons, "objection.rejected",
        gettext_noop("数据异议 %(number)s（%(resource)s）经核实不予更正，请查看理由。"),
        attachments)


@transaction.atomic
def objection_confirm(actor, objection, *, comment=""):
    authorize(actor, "objection.confirm", objection)
    OBJECTION.find(objection.state, "confirm")
    _move(objection, OBJECTION, "confirm", actor, Party.CONSUMER, comment=comment)
    audit_record(actor, "objection.confirm", objection)
    _tell_objection(parties.sharing_officers(objection.resource.provider), objection,
                    "objection.closed", gettext_noop("数据异议 %(number)s（%(resource)s）已办结。"))
    return objection


@transaction.atomic
def objection_reopen(actor, objection, *, comment, attachments=()):
    """The consumer is not satisfied: the provider answers again, within a new time limit."""
    authorize(actor, "objection.reopen", objection)
    OBJECTION.find(objection.state, "reopen")
    _require_text(comment=comment)
    _check_attachments(attachments)
    _entry, deadline = _move(objection, OBJECTION, "reopen", actor, Party.CONSUMER,
                             comment=comment, attachments=attachments)
    audit_record(actor, "objection.reopen", objection)
    _tell_objection(parties.sharing_officers(objection.resource.provider), objection,
                    "objection.reopened",
                    gettext_noop("数据异议 %(number)s（%(resource)s）被重新提出，"
                                 "请于 %(due)s 前再次答复。"), due=deadline.due_date)
    return objection


# --- the working-day calendar -----------------------------------------------------------

@transaction.atomic
def calendar_override_set(actor, *, date, kind, note=""):
    """Declare `date` a holiday or a working day, whatever the official calendar says."""
    override = CalendarOverride.objects.filter(date=date).first() or CalendarOverride(date=date)
    authorize(actor, "calendar_override.set", override)
    if kind not in CalendarOverride.Kind.values:
        raise ValidationError({"kind": [_("类型须为休息日或工作日。")]})
    override.kind, override.note, override.created_by = kind, (note or "").strip(), actor
    validated(override).save()
    audit_record(actor, "calendar_override.set", override, {"date": date, "kind": kind})
    return override


@transaction.atomic
def calendar_override_remove(actor, override):
    authorize(actor, "calendar_override.remove", override)
    audit_record(actor, "calendar_override.remove", override,
                 {"date": override.date, "kind": override.kind})
    override.delete()
