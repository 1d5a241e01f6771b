"""API of the sharing workflow (/api/v1/sharing/...): requests and their actions, grants and
the access check, objections, the working-day calendar.

Attachments travel inside the JSON as base64 (`{"name": …, "content_base64": …}`), so every
action is one JSON request.
"""

import base64
import binascii
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from govshare.catalog.models import Resource
from govshare.core.exceptions import NotFound, PermissionDenied, ValidationError
from govshare.core.permissions import can
from govshare.orgs.models import Application

from . import services
from .access import grant_check
from .deadlines import Duration, due_date
from .models import CalendarOverride, Grant, Objection, ShareRequest
from .workflow import OBJECTION, SHARE_REQUEST

router = Router(tags=["sharing"])


# --- schemas ---------------------------------------------------------------------------------

class AttachmentIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    content_base64: str


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    sha256: str
    url: str

    @staticmethod
    def resolve_url(obj):
        return reverse("sharing:attachment", args=[obj.pk])


class TimelineOut(Schema):
    action: str
    from_state: str
    to_state: str
    actor: str = Field(..., alias="actor_name")
    role: str
    organization_id: int | None
    at: datetime
    comment: str
    data: dict[str, Any]
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_attachments(obj):
        return list(obj.attachments.all())


class DeadlineOut(Schema):
    step: str
    party: str
    duration: str
    due_date: date
    due_at: datetime
    calendar_warning: str
    closed_at: datetime | None
    overdue_at: datetime | None


class ShareRequestOut(Schema):
    id: int
    number: str
    state: str
    consumer_id: int
    application_id: int
    resource: str = Field(..., alias="resource.code")
    share_type: str
    items: list[str]
    row_filter: dict[str, Any]
    purpose: str
    duty: str
    legal_basis: str
    requested_until: date
    expected_volume: int | None
    renews_id: int | None
    coordinating_region: str = Field(..., alias="coordinating_region.code")
    refusal_ground: str
    refusal_secrecy: bool
    requested_by: str = Field(..., alias="requested_by.username")
    created_at: datetime
    deadline: DeadlineOut | None = None
    grant_id: int | None = None

    @staticmethod
    def resolve_deadline(obj):
        return obj.open_deadline()

    @staticmethod
    def resolve_grant_id(obj):
        return Grant.objects.filter(share_request=obj).values_list("pk", flat=True).first()


class ShareRequestDetail(ShareRequestOut):
    timeline: list[TimelineOut]
    actions: list[str] = Field(..., description="What the caller may do now.")

    @staticmethod
    def resolve_timeline(obj):
        return list(obj.timeline.prefetch_related("attachments"))

    @staticmethod
    def resolve_actions(obj, context):
        actor = context["request"].auth
        return [verb for verb in SHARE_REQUEST.verbs_from(obj.state)
                if can(actor, f"share_request.{verb}", obj)]


class ShareRequestIn(Schema):
    application_id: int
    resource: str = Field(..., description="The resource code.")
    items: list[str]
    purpose: str
    duty: str
    legal_basis: str = ""
    requested_until: date
    expected_volume: int | None = None
    row_filter: dict[str, Any] | None = None
    renews_id: int | None = None
    comment: str = ""
    attachments: list[AttachmentIn] = []


class ContentIn(Schema):
    items: list[str] | None = None
    row_filter: dict[str, Any] | None = None
    valid_until: date | None = None
    daily_quota: int | None = None


class AgreeIn(ContentIn):
    comment: str = ""
    attachments: list[AttachmentIn] = []


class RefuseIn(Schema):
    reasons: str
    statutory_ground: str
    secrecy: bool = False
    attachments: list[AttachmentIn] = []


class CommentIn(Schema):
    comment: str = ""
    attachments: list[AttachmentIn] = []


class ExplainIn(Schema):
    explanation: str
    attachments: list[AttachmentIn] = []


class DecideIn(ContentIn):
    grant: bool
    statutory_ground: str = ""
    comment: str = ""
    attachments: list[AttachmentIn] = []


class JointDecideIn(DecideIn):
    establishment: str
    secrecy: str


class SecrecyIn(Schema):
    secret: bool
    determination: str
    comment: str = ""
    attachments: list[AttachmentIn] = []


class GrantOut(Schema):
    id: int
    number: str
    state: str
    application_id: int
    resource: str = Field(..., alias="resource.code")
    share_request_id: int
    items: list[str]
    row_filter: dict[str, Any]
    valid_from: date | None
    valid_until: date
    daily_quota: int | None
    state_reason: str
    activated_at: datetime | None


class ReasonIn(Schema):
    reason: str = ""


class ActivateIn(Schema):
    comment: str = ""


class ObjectionOut(Schema):
    id: int
    number: str
    state: str
    consumer_id: int
    resource: str = Field(..., alias="resource.code")
    kind: str
    record_key: str
    items: list[str]
    description: str
    raised_by: str = Field(..., alias="raised_by.username")
    created_at: datetime
    deadline: DeadlineOut | None = None

    @staticmethod
    def resolve_deadline(obj):
        return obj.open_deadline()


class ObjectionDetail(ObjectionOut):
    timeline: list[TimelineOut]
    actions: list[str]

    @staticmethod
    def resolve_timeline(obj):
        return list(obj.timeline.prefetch_related("attachments"))

    @staticmethod
    def resolve_actions(obj, context):
        actor = context["request"].auth
        return [verb for verb in OBJECTION.verbs_from(obj.state)
                if can(actor, f"objection.{verb}", obj)]


class ObjectionIn(Schema):
    resource: str
    kind: Objection.Kind
    description: str
    record_key: str = ""
    items: list[str] = []
    attachments: list[AttachmentIn] = []


class CorrectionIn(Schema):
    correction: str
    attachments: list[AttachmentIn] = []


class ReasonsIn(Schema):
    reasons: str
    attachments: list[AttachmentIn] = []


class AccessOut(Schema):
    allowed: bool
    reason: str = ""
    detail: str = ""
    grant: GrantOut | None = None


class DueOut(Schema):
    start: date
    duration: str
    due_date: date
    missing_years: list[int]
    warning: str


class OverrideIn(Schema):
    date: date
    kind: CalendarOverride.Kind
    note: str = ""


class OverrideOut(Schema):
    id: int
    date: date
    kind: str
    note: str


class SweepOut(Schema):
    overdue: int
    lapsed: int
    expired: int


# --- helpers -------------------------------------------------------------------------------------

def _found(queryset, **lookup):
    """One object the actor may see, or NotFound (never a hint that a hidden one exists)."""
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise NotFound()
    return obj


def _files(attachments):
    """Decode base64 attachments into files, naming the field when one is malformed."""
    limit = settings.GOVSHARE_ATTACHMENT_MAX_BYTES
    files = []
    for attachment in attachments:
        if len(attachment.content_base64) > (limit + 2) // 3 * 4 + 4:
            raise ValidationError({"attachments": [
                _("附件“%(name)s”超过大小上限。") % {"name": attachment.name}]})
        try:
            content = base64.b64decode(attachment.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError({"attachments": [
                _("附件“%(name)s”不是合法的 base64 内容。") % {"name": attachment.name}
            ]}) from None
        files.append(ContentFile(content, name=attachment.name))
    return files


def _request(request, request_id):
    return _found(ShareRequest.objects.restrict(request.auth).select_related(
        "resource", "consumer", "coordinating_region", "requested_by"), pk=request_id)


def _content(payload):
    return {"items": payload.items, "row_filter": payload.row_filter,
            "valid_until": payload.valid_until, "daily_quota": payload.daily_quota}


# --- share requests ---------------------------------------------------------------------------

@router.get("/requests", response=list[ShareRequestOut])
def request_list(request, box: str = "all", state: str | None = None, limit: int = 100):
    """Requests visible to the caller; `box` is mine, provider, authority, operator or all."""
    requests = ShareRequest.objects.restrict(request.auth).box(request.auth, box).select_related(
        "resource", "coordinating_region", "requested_by")
    if state:
        requests = requests.filter(state=state)
    return list(requests[:max(1, min(limit, 500))])


@router.post("/requests", response={201: ShareRequestDetail})
def request_file(request, payload: ShareRequestIn):
    application = _found(Application.objects.restrict(request.auth), pk=payload.application_id)
    resource = _found(Resource.objects.restrict(request.auth), code=payload.resource)
    renews = (_found(Grant.objects.restrict(request.auth), pk=payload.renews_id)
              if payload.renews_id else None)
    share_request = services.share_request_file(
        request.auth, application=application, resource=resource, items=payload.items,
        purpose=payload.purpose, duty=payload.duty, legal_basis=payload.legal_basis,
        requested_until=payload.requested_until, expected_volume=payload.expected_volume,
        row_filter=payload.row_filter, renews=renews, comment=payload.comment,
        attachments=_files(payload.attachments),
    )
    return Status(201, share_request)


@router.get("/requests/{request_id}", response=ShareRequestDetail)
def request_show(request, request_id: int):
    return _request(request, request_id)


@router.post("/requests/{request_id}/agree", response=GrantOut)
def request_agree(request, request_id: int, payload: AgreeIn):
    return services.share_request_agree(
        request.auth, _request(request, request_id), **_content(payload),
        comment=payload.comment, attachments=_files(payload.attachments))


@router.post("/requests/{request_id}/refuse", response=ShareRequestDetail)
def request_refuse(request, request_id: int, payload: RefuseIn):
    return services.share_request_refuse(
        request.auth, _request(request, request_id), reasons=payload.reasons,
        statutory_ground=payload.statutory_ground, secrecy=payload.secrecy,
        attachments=_files(payload.attachments))


@router.post("/requests/{request_id}/appeal", response=ShareRequestDetail)
def request_appeal(request, request_id: int, payload: CommentIn):
    return services.share_request_appeal(request.auth, _request(request, request_id),
                                         comment=payload.comment,
                                         attachments=_files(payload.attachments))


@router.post("/requests/{request_id}/dispute-secrecy", response=ShareRequestDetail)
def request_dispute_secrecy(request, request_id: int, payload: CommentIn):
    return services.share_request_dispute_secrecy(request.auth, _request(request, request_id),
                                                  comment=payload.comment,
                                                  attachments=_files(payload.attachments))


@router.post("/requests/{request_id}/explain", response=ShareRequestDetail)
def request_explain(request, request_id: int, payload: ExplainIn):
    return services.share_request_explain(request.auth, _request(request, request_id),
                                          explanation=payload.explanation,
                                          attachments=_files(payload.attachments))


@router.post("/requests/{request_id}/proceed", response=ShareRequestDetail)
def request_proceed(request, request_id: int, payload: CommentIn):
    return services.share_request_proceed(request.auth, _request(request, request_id),
                                          comment=payload.comment)


@router.post("/requests/{request_id}/decide", response=ShareRequestDetail)
def request_decide(request, request_id: int, payload: DecideIn):
    share_request = _request(request, request_id)
    services.share_request_decide(
        request.auth, share_request, grant=payload.grant, **_content(payload),
        statutory_ground=payload.statutory_ground, comment=payload.comment,
        attachments=_files(payload.attachments))
    return share_request


@router.post("/requests/{request_id}/escalate", response=ShareRequestDetail)
def request_escalate(request, request_id: int, payload: CommentIn):
    return services.share_request_escalate(request.auth, _request(request, request_id),
                                           comment=payload.comment,
                                           attachments=_files(payload.attachments))


@router.post("/requests/{request_id}/joint-decide", response=ShareRequestDetail)
def request_joint_decide(request, request_id: int, payload: JointDecideIn):
    share_request = _request(request, request_id)
    services.share_request_joint_decide(
        request.auth, share_request, grant=payload.grant, establishment=payload.establishment,
        secrecy=payload.secrecy, **_content(payload), statutory_ground=payload.statutory_ground,
        comment=payload.comment, attachments=_files(payload.attachments))
    return share_request


@router.post("/requests/{request_id}/secrecy-determine", response=ShareRequestDetail)
def request_secrecy_determine(request, request_id: int, payload: SecrecyIn):
    return services.share_request_secrecy_determine(
        request.auth, _request(request, request_id), secret=payload.secret,
        determination=payload.determination, comment=payload.comment,
        attachments=_files(payload.attachments))


@router.post("/requests/{request_id}/withdraw", response=ShareRequestDetail)
def request_withdraw(request, request_id: int, payload: CommentIn):
    return services.share_request_withdraw(request.auth, _request(request, request_id),
                                           comment=payload.comment)


@router.post("/sweep", response=SweepOut)
def sweep(request):
    """Run the deadline sweep now (the operator; the platform runs it periodically)."""
    return services.share_request_sweep(request.auth)


# --- grants ----------------------------------------------------------------------------------

def _grant(request, grant_id):
    return _found(Grant.objects.restrict(request.auth).select_related(
        "resource", "application__organization", "share_request"), pk=grant_id)


@router.get("/grants", response=list[GrantOut])
def grant_list(request, state: str | None = None, application_id: int | None = None):
    grants = Grant.objects.restrict(request.auth).select_related("resource")
    if state:
        grants = grants.filter(state=state)
    if application_id:
        grants = grants.filter(application_id=application_id)
    return list(grants[:500])


@router.get("/grants/{grant_id}", response=GrantOut)
def grant_show(request, grant_id: int):
    return _grant(request, grant_id)


@router.post("/grants/{grant_id}/activate", response=GrantOut)
def grant_activate(request, grant_id: int, payload: ActivateIn):
    return services.grant_activate(request.auth, _grant(request, grant_id),
                                   comment=payload.comment)


@router.post("/grants/{grant_id}/suspend", response=GrantOut)
def grant_suspend(request, grant_id: int, payload: ReasonIn):
    return services.grant_suspend(request.auth, _grant(request, grant_id),
                                  reason=payload.reason)


@router.post("/grants/{grant_id}/resume", response=GrantOut)
def grant_resume(request, grant_id: int, payload: ReasonIn):
    return services.grant_resume(request.auth, _grant(request, grant_id), reason=payload.reason)


@router.post("/grants/{grant_id}/revoke", response=GrantOut)
def grant_revoke(request, grant_id: int, payload: ReasonIn):
    return services.grant_revoke(request.auth, _grant(request, grant_id), reason=payload.reason)


@router.get("/access", response=AccessOut)
def access(request, resource: str, items: str = "", application_id: int | None = None):
    """Would this application be let through now? An application asks for itself; a person
    names one of their organisation's applications. `items` is comma-separated."""
    application = (request.auth if isinstance(request.auth, Application)
                   else _found(Application.objects.restrict(request.auth), pk=application_id))
    wanted = [i for i in items.split(",") if i]
    try:
        grant = grant_check(application, resource, wanted)
    except PermissionDenied as denied:
        return {"allowed": False, "reason": denied.context.get("reason", ""),
                "detail": str(denied.message)}
    return {"allowed": True, "grant": grant}


# --- objections -------------------------------------------------------------------------------

def _objection(request, objection_id):
    return _found(Objection.objects.restrict(request.auth).select_related(
        "resource__provider__region", "consumer", "raised_by"), pk=objection_id)


@router.get("/objections", response=list[ObjectionOut])
def objection_list(request, state: str | None = None):
    objections = Objection.objects.restrict(request.auth).select_related("resource", "raised_by")
    if state:
        objections = objections.filter(state=state)
    return list(objections[:500])


@router.post("/objections", response={201: ObjectionDetail})
def objection_raise(request, payload: ObjectionIn):
    resource = _found(Resource.objects.restrict(request.auth), code=payload.resource)
    objection = services.objection_raise(
        request.auth, resource=resource, kind=payload.kind, description=payload.description,
        record_key=payload.record_key, items=payload.items,
        attachments=_files(payload.attachments))
    return Status(201, objection)


@router.get("/objections/{objection_id}", response=ObjectionDetail)
def objection_show(request, objection_id: int):
    return _objection(request, objection_id)


@router.post("/objections/{objection_id}/accept", response=ObjectionDetail)
def objection_accept(request, objection_id: int, payload: CorrectionIn):
    return services.objection_accept(request.auth, _objection(request, objection_id),
                                     correction=payload.correction,
                                     attachments=_files(payload.attachments))


@router.post("/objections/{objection_id}/reject", response=ObjectionDetail)
def objection_reject(request, objection_id: int, payload: ReasonsIn):
    return services.objection_reject(request.auth, _objection(request, objection_id),
                                     reasons=payload.reasons,
                                     attachments=_files(payload.attachments))


@router.post("/objections/{objection_id}/confirm", response=ObjectionDetail)
def objection_confirm(request, objection_id: int, payload: CommentIn):
    return services.objection_confirm(request.auth, _objection(request, objection_id),
                                      comment=payload.comment)


@router.post("/objections/{objection_id}/reopen", response=ObjectionDetail)
def objection_reopen(request, objection_id: int, payload: CommentIn):
    return services.objection_reopen(request.auth, _objection(request, objection_id),
                                     comment=payload.comment,
                                     attachments=_files(payload.attachments))


# --- the working-day calendar -----------------------------------------------------------------

@router.get("/calendar/due", response=DueOut)
def calendar_due(request, start: date, duration: str):
    """The due date of a step opened on `start` with a limit like "15d" or "10wd"."""
    try:
        limit = Duration.parse(duration)
    except ValueError:
        raise ValidationError(
            {"duration": [_("时限格式应为“15d”（日）或“10wd”（工作日）。")]}) from None
    due = due_date(start, limit)
    return {"start": start, "duration": str(limit), "due_date": due.date,
            "missing_years": list(due.missing_years), "warning": due.warning}


@router.get("/calendar/overrides", response=list[OverrideOut])
def calendar_overrides(request, year: int | None = None):
    overrides = CalendarOverride.objects.all()
    if year:
        overrides = overrides.filter(date__year=year)
    return list(overrides)


@router.post("/calendar/overrides", response={201: OverrideOut})
def calendar_override_set(request, payload: OverrideIn):
    return Status(201, services.calendar_override_set(request.auth, date=payload.date,
                                                      kind=payload.kind, note=payload.note))


@router.delete("/calendar/overrides/{day}", response={204: None})
def calendar_override_remove(request, day: date):
    override = _found(CalendarOverride.objects, date=day)
    services.calendar_override_remove(request.auth, override)
    return Status(204, None)

