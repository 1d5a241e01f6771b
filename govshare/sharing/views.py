"""Web pages of the sharing workflow: the request form, the boxes of each party, details with
their timelines and the actions the viewer may take, grants, objections, the calendar.

Views parse a form, call a service, and render; the services decide what is allowed, `can()`
only hides what they would refuse.
"""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import OuterRef, Q, Subquery
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from govshare.catalog.models import Resource
from govshare.core import clock
from govshare.core.exceptions import NotFound, ValidationError
from govshare.core.permissions import can

from . import forms, services
from .deadlines import official_calendar_covers
from .models import (
    Attachment,
    CalendarOverride,
    Deadline,
    Grant,
    Objection,
    ShareRequest,
)
from .workflow import GRANT, OBJECTION, SHARE_REQUEST


def _apply_errors(form, error: ValidationError):
    """Show a service's field errors on the form that submitted the input."""
    for field, msgs in error.field_errors.items():
        for msg in msgs:
            form.add_error(field if field in form.fields else None, msg)


def _timeline(subject, machine):
    """The subject's timeline entries with the labels of their actions and new states."""
    entries = list(subject.timeline.select_related("actor", "organization")
                   .prefetch_related("attachments"))
    for entry in entries:
        if entry.action == "overdue":
            entry.label = OVERDUE_LABEL
        elif entry.action.startswith("grant."):
            entry.label = GRANT.action_label(entry.action.removeprefix("grant."))
        else:
            entry.label = machine.action_label(entry.action)
        states = GRANT.states if entry.action.startswith("grant.") else machine.states
        changed = entry.to_state and entry.to_state != entry.from_state
        entry.state_label = states(entry.to_state).label if changed else ""
    return entries


def _deadlines(subject, machine):
    deadlines = list(subject.deadlines.all())
    for deadline in deadlines:
        deadline.step_label = machine.states(deadline.step).label
    return deadlines


OVERDUE_LABEL = gettext_lazy("逾期提醒")


def _with_due(queryset, subject_field):
    """Annotate each row with its open step's due date and due time."""
    open_step = Deadline.objects.filter(**{subject_field: OuterRef("pk")},
                                        closed_at__isnull=True).order_by("-opened_at")
    return queryset.annotate(due_date=Subquery(open_step.values("due_date")[:1]),
                             due_at=Subquery(open_step.values("due_at")[:1]))


@login_required
def index(request):
    return redirect("sharing:request_list")


BOXES = {
    "mine": gettext_lazy("我的申请"),
    "provider": gettext_lazy("待答复（提供方）"),
    "authority": gettext_lazy("协调队列（主管部门）"),
    "operator": gettext_lazy("待实施授权（运维）"),
    "all": gettext_lazy("全部可见申请"),
}


def _subnav(box=None):
    return {"box": box, "boxes": list(BOXES.items())}


@login_required
def request_list(request):
    box = request.GET.get("box", "mine")
    if box not in BOXES:
        raise NotFound()
    rows = _with_due(ShareRequest.objects.restrict(request.user).box(request.user, box)
                     .select_related("resource__published_version", "consumer", "application"),
                     "share_request")
    if box not in ("mine", "all"):
        rows = rows.order_by("due_date", "created_at")
    return render(request, "sharing/request_list.html", {
        **_subnav(box), "rows": rows, "now": clock.now(),
    })


@login_required
def resource_pick(request):
    """Find the published resource to request (the catalog's pages link to the form too)."""
    q = request.GET.get("q", "").strip()
    resources = (Resource.objects.restrict(request.user).published()
                 .select_related("published_version", "provider"))
    if q:
        resources = resources.filter(Q(code__icontains=q) | Q(published_version__name__icontains=q))
    return render(request, "sharing/resource_pick.html", {
        **_subnav(), "q": q, "resources": resources[:100],
    })


def _published(code, user):
    resource = Resource.objects.restrict(user).published().filter(code=code).first()
    if resource is None:
        raise NotFound(_("资源不存在或未发布。"))
    return resource


@login_required
def request_new(request, code):
    resource = _published(code, request.user)
    form = forms.ShareRequestForm(request.POST or None, request.FILES or None,
                                  resource=resource, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            share_request = services.share_request_file(
                request.user, application=data["application"], resource=resource,
                items=data["items"], purpose=data["purpose"], duty=data["duty"],
                legal_basis=data["legal_basis"], requested_until=data["requested_until"],
                expected_volume=data["expected_volume"], row_filter=data["row_filter"],
                renews=data["renews"], comment=data["comment"], attachments=data["attachments"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("共享申请 %(number)s 已提交。")
                             % {"number": share_request.number})
            return redirect("sharing:request_detail", pk=share_request.pk)
    return render(request, "sharing/request_form.html", {"resource": resource, "form": form})


def _request_forms(share_request, user):
    """The forms of the actions `user` may take on the request now."""
    made = []
    deadline = share_request.open_deadline()
    for verb in SHARE_REQUEST.verbs_from(share_request.state):
        # The service refuses to skip an explanation that is not yet due: no form for it.
        if verb == "proceed" and deadline is not None and not deadline.is_overdue():
            continue
        if verb in REQUEST_ACTIONS and can(user, f"share_request.{verb}", share_request):
            made.append((verb, SHARE_REQUEST.verb_label(verb), _request_form(verb, share_request)))
    return made


def _request_form(verb, share_request, data=None, files=None):
    form_class = REQUEST_ACTIONS[verb][0]
    kwargs = {"share_request": share_request} if issubclass(form_class, forms.ContentForm) else {}
    return form_class(data, files, prefix=verb, **kwargs)


@login_required
def request_detail(request, pk, bound=None):
    share_request = get_object_or_404(
        ShareRequest.objects.restrict(request.user).select_related(
            "resource__published_version", "resource__provider", "consumer", "application",
            "coordinating_region", "requested_by"), pk=pk)
    action_forms = _request_forms(share_request, request.user)
    grant = Grant.objects.filter(share_request=share_request).first()
    names = dict(share_request.resource.data_items().values_list("identifier", "name"))
    if bound is not None:
        action_forms = [bound if verb == bound[0] else (verb, label, form)
                        for verb, label, form in action_forms]
    return render(request, "sharing/request_detail.html", {
        "share_request": share_request,
        "timeline": _timeline(share_request, SHARE_REQUEST),
        "deadline": share_request.open_deadline(),
        "deadlines": _deadlines(share_request, SHARE_REQUEST),
        "action_forms": action_forms,
        "grant": grant,
        "grant_forms": _grant_forms(grant, request.user) if grant else [],
        "items": [(i, names.get(i, "")) for i in share_request.items],
        "now": clock.now(),
    })


def _content_kwargs(data):
    return {"items": data["items"], "row_filter": data["row_filter"],
            "valid_until": data["valid_until"], "daily_quota": data["daily_quota"]}


def _decision_kwargs(data):
    grant = data["outcome"] == "grant"
    return {"grant": grant, **(_content_kwargs(data) if grant else {}),
            "statutory_ground": data["statutory_ground"], "comment": data["comment"],
            "attachments": data["attachments"]}


REQUEST_ACTIONS = {
    "agree": (forms.AgreeForm, lambda u, r, d: services.share_request_agree(
        u, r, **_content_kwargs(d), comment=d["comment"], attachments=d["attachments"])),
    "refuse": (forms.RefuseForm, lambda u, r, d: services.share_request_refuse(
        u, r, reasons=d["reasons"], statutory_ground=d["statutory_ground"],
        secrecy=d["secrecy"], attachments=d["attachments"])),
    "appeal": (forms.CommentForm, lambda u, r, d: services.share_request_appeal(
        u, r, comment=d["comment"], attachments=d["attachments"])),
    "dispute_secrecy": (forms.CommentForm, lambda u, r, d: services.share_request_dispute_secrecy(
        u, r, comment=d["comment"], attachments=d["attachments"])),
    "explain": (forms.ExplainForm, lambda u, r, d: services.share_request_explain(
        u, r, explanation=d["explanation"], attachments=d["attachments"])),
    "proceed": (forms.OptionalCommentForm, lambda u, r, d: services.share_request_proceed(
        u, r, comment=d["comment"])),
    "decide": (forms.DecideForm, lambda u, r, d: services.share_request_decide(
        u, r, **_decision_kwargs(d))),
    "escalate": (forms.CommentForm, lambda u, r, d: services.share_request_escalate(
        u, r, comment=d["comment"], attachments=d["attachments"])),
    "joint_decide": (forms.JointDecideForm, lambda u, r, d: services.share_request_joint_decide(
        u, r, establishment=d["establishment"], secrecy=d["secrecy"], **_decision_kwargs(d))),
    "secrecy_determine": (forms.SecrecyForm,
                          lambda u, r, d: services.share_request_secrecy_determine(
                              u, r, secret=d["secret"], determination=d["determination"],
                              comment=d["comment"], attachments=d["attachments"])),
    "withdraw": (forms.OptionalCommentForm, lambda u, r, d: services.share_request_withdraw(
        u, r, comment=d["comment"])),
}


@login_required
@require_POST
def request_action(request, pk, verb):
    share_request = get_object_or_404(ShareRequest.objects.restrict(request.user), pk=pk)
    if verb not in REQUEST_ACTIONS:
        raise NotFound()
    form = _request_form(verb, share_request, request.POST, request.FILES)
    label = SHARE_REQUEST.verb_label(verb)
    if form.is_valid():
        try:
            REQUEST_ACTIONS[verb][1](request.user, share_request, form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("已办理：%(action)s。") % {"action": label})
            return redirect("sharing:request_detail", pk=pk)
    return request_detail(request, pk, bound=(verb, label, form))


# --- grants -----------------------------------------------------------------------------

GRANT_ACTIONS = {
    "activate": (forms.OptionalCommentForm,
                 lambda u, g, d: services.grant_activate(u, g, comment=d["comment"])),
    "suspend": (forms.ReasonForm,
                lambda u, g, d: services.grant_suspend(u, g, reason=d["reason"])),
    "resume": (forms.OptionalReasonForm,
               lambda u, g, d: services.grant_resume(u, g, reason=d["reason"])),
    "revoke": (forms.ReasonForm,
               lambda u, g, d: services.grant_revoke(u, g, reason=d["reason"])),
}


def _grant_forms(grant, user):
    return [(verb, GRANT.action_label(verb), GRANT_ACTIONS[verb][0](prefix=f"grant-{verb}"))
            for verb in GRANT.verbs_from(grant.state)
            if verb in GRANT_ACTIONS and can(user, f"grant.{verb}", grant)]


@login_required
def grant_list(request):
    grants = Grant.objects.restrict(request.user).select_related(
        "application__organization", "resource__published_version", "share_request")
    state = request.GET.get("state")
    if state in Grant.State.values:
        grants = grants.filter(state=state)
    return render(request, "sharing/grant_list.html", {
        **_subnav(), "grants": grants, "state": state, "states": Grant.State.choices,
    })


@login_required
@require_POST
def grant_action(request, pk, verb):
    grant = get_object_or_404(Grant.objects.restrict(request.user).select_related(
        "share_request"), pk=pk)
    if verb not in GRANT_ACTIONS:
        raise NotFound()
    form_class, call = GRANT_ACTIONS[verb]
    form = form_class(request.POST, prefix=f"grant-{verb}")
    if not form.is_valid():
        raise ValidationError({k: list(v) for k, v in form.errors.items()})
    call(request.user, grant, form.cleaned_data)
    messages.success(request, _("已办理：%(action)s。") % {"action": GRANT.action_label(verb)})
    return redirect("sharing:request_detail", pk=grant.share_request_id)


# --- objections -------------------------------------------------------------------------

OBJECTION_ACTIONS = {
    "accept": (forms.CorrectionForm, lambda u, o, d: services.objection_accept(
        u, o, correction=d["correction"], attachments=d["attachments"])),
    "reject": (forms.RejectForm, lambda u, o, d: services.objection_reject(
        u, o, reasons=d["reasons"], attachments=d["attachments"])),
    "confirm": (forms.OptionalCommentForm,
                lambda u, o, d: services.objection_confirm(u, o, comment=d["comment"])),
    "reopen": (forms.CommentForm, lambda u, o, d: services.objection_reopen(
        u, o, comment=d["comment"], attachments=d["attachments"])),
}


@login_required
def objection_list(request):
    objections = _with_due(Objection.objects.restrict(request.user).select_related(
        "resource__published_version", "consumer"), "objection")
    return render(request, "sharing/objection_list.html", {
        **_subnav(), "objections": objections, "now": clock.now(),
    })


@login_required
def objection_new(request, code):
    resource = _published(code, request.user)
    form = forms.ObjectionForm(request.POST or None, request.FILES or None, resource=resource)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            objection = services.objection_raise(
                request.user, resource=resource, kind=data["kind"],
                description=data["description"], record_key=data["record_key"],
                items=data["items"], attachments=data["attachments"])
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            return redirect("sharing:objection_detail", pk=objection.pk)
    return render(request, "sharing/objection_form.html", {"resource": resource, "form": form})


@login_required
def objection_detail(request, pk, bound=None):
    objection = get_object_or_404(Objection.objects.restrict(request.user).select_related(
        "resource__published_version", "consumer", "raised_by"), pk=pk)
    action_forms = [
        (verb, OBJECTION.action_label(verb), OBJECTION_ACTIONS[verb][0](prefix=verb))
        for verb in OBJECTION.verbs_from(objection.state)
        if verb in OBJECTION_ACTIONS and can(request.user, f"objection.{verb}", objection)
    ]
    if bound is not None:
        action_forms = [bound if verb == bound[0] else (verb, label, form)
                        for verb, label, form in action_forms]
    return render(request, "sharing/objection_detail.html", {
        "objection": objection,
        "timeline": _timeline(objection, OBJECTION),
        "deadline": objection.open_deadline(),
        "action_forms": action_forms,
        "now": clock.now(),
    })


@login_required
@require_POST
def objection_action(request, pk, verb):
    objection = get_object_or_404(Objection.objects.restrict(request.user), pk=pk)
    if verb not in OBJECTION_ACTIONS:
        raise NotFound()
    form_class, call = OBJECTION_ACTIONS[verb]
    form = form_class(request.POST, request.FILES, prefix=verb)
    if form.is_valid():
        try:
            call(request.user, objection, form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("已办理：%(action)s。")
                             % {"action": OBJECTION.action_label(verb)})
            return redirect("sharing:objection_detail", pk=pk)
    return objection_detail(request, pk, bound=(verb, OBJECTION.action_label(verb), form))


# --- attachments and the calendar -------------------------------------------------------

@login_required
def attachment_download(request, pk):
    attachment = get_object_or_404(Attachment.objects.select_related("entry"), pk=pk)
    entry = attachment.entry
    visible = (ShareRequest.objects.restrict(request.user).filter(pk=entry.share_request_id)
               if entry.share_request_id else
               Objection.objects.restrict(request.user).filter(pk=entry.objection_id))
    if not visible.exists():
        raise NotFound()
    return FileResponse(attachment.file.open("rb"), as_attachment=True,
                        filename=attachment.name)


@login_required
def calendar(request):
    if not can(request.user, "calendar_override.set", None):
        raise NotFound()
    form = forms.CalendarOverrideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.calendar_override_set(request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("已保存。"))
            return redirect("sharing:calendar")
    this_year = clock.today().year
    missing = [y for y in (this_year, this_year + 1) if not official_calendar_covers(y)]
    return render(request, "sharing/calendar.html", {
        **_subnav(), "form": form,
        "overrides": CalendarOverride.objects.filter(date__gte=date(this_year - 1, 1, 1)),
        "missing_years": missing,
    })


@login_required
@require_POST
def calendar_remove(request, pk):
    override = get_object_or_404(CalendarOverride, pk=pk)
    services.calendar_override_remove(request.user, override)
    messages.success(request, _("已删除。"))
    return redirect("sharing:calendar")
