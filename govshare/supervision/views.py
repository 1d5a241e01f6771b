"""Web pages of supervision: findings and on-demand inspections, rectification notices, the
criticism list (public once published), rankings with their formula, the project register,
supervision reports.

Views parse a form, call a service, and render; the services decide what is allowed, `can()`
only hides what they would refuse.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from govshare.core.exceptions import NotFound, ValidationError
from govshare.core.permissions import can
from govshare.orgs.models import Organization, Region

from . import forms, rankings, services
from .exports import ranking_xlsx
from .inspections import organizations_in
from .models import (
    ARTICLE_22_ITEM,
    Criticism,
    Finding,
    InfoProject,
    Ranking,
    RectificationNotice,
    Rule,
    SupervisionReport,
)
from .periods import current_period, parse_period


def _apply_errors(form, error: ValidationError):
    for field, msgs in error.field_errors.items():
        for msg in msgs:
            form.add_error(field if field in form.fields else None, msg)


def _home_region(user):
    """The region a person oversees, or their organisation's, or the top one."""
    for assignment in user.role_assignments():
        if assignment.region_id:
            return assignment.region
    if user.organization_id:
        return user.organization.region
    return Region.objects.filter(parent__isnull=True).first()


def _scope(request):
    """(region, period) from the query string, defaulting to the viewer's own."""
    code = request.GET.get("region")
    region = (Region.objects.filter(code=code).first() if code else None) \
        or _home_region(request.user)
    try:
        period = parse_period(request.GET.get("period") or current_period().key)
    except ValidationError:
        period = current_period()
    return region, period


def _scope_form(region, period):
    return forms.ScopeForm(initial={"region": region, "period": period.key})


@login_required
def index(request):
    return redirect("supervision:findings")


@login_required
def findings(request):
    region, period = _scope(request)
    visible = Finding.objects.restrict(request.user).filter(
        period=period.key, organization__in=organizations_in(region)
    ).select_related("organization")
    rule, status = request.GET.get("rule", ""), request.GET.get("status", "")
    if rule:
        visible = visible.filter(rule=rule)
    if status:
        visible = visible.filter(status=status)
    return render(request, "supervision/findings.html", {
        "region": region, "period": period, "scope_form": _scope_form(region, period),
        "findings": visible.order_by("organization__name", "rule", "pk")[:500],
        "rules": [(r.value, r.label, ARTICLE_22_ITEM[r]) for r in Rule],
        "statuses": Finding.Status.choices, "rule": rule, "status": status,
        "can_inspect": can(request.user, "inspection.run", region),
    })


@login_required
@require_POST
def inspection_run(request):
    form = forms.ScopeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择行政区划并填写期间。"))
        return redirect("supervision:findings")
    region, period = form.cleaned_data["region"], form.cleaned_data["period"]
    try:
        inspection = services.inspection_run(request.user, region, period)
    except ValidationError as error:
        messages.error(request, "；".join(m for ms in error.field_errors.values() for m in ms))
        return redirect("supervision:findings")
    messages.success(request, _("检查完成，发现问题%(count)d个。")
                     % {"count": sum(inspection.counts.values())})
    return redirect(reverse("supervision:findings")
                    + f"?region={region.code}&period={inspection.period}")


@login_required
def finding_detail(request, pk):
    finding = get_object_or_404(Finding.objects.restrict(request.user)
                                .select_related("organization", "inspection"), pk=pk)
    return render(request, "supervision/finding_detail.html", {
        "finding": finding, "notices": finding.notices.all(),
        "can_issue": (finding.status == Finding.Status.OPEN
                      and can(request.user, "notice.issue", finding.organization)),
    })


# --- notices --------------------------------------------------------------------------------

@login_required
def notices(request):
    visible = RectificationNotice.objects.restrict(request.user).select_related(
        "organization", "issued_by")
    return render(request, "supervision/notices.html", {"notices": visible[:500]})


@login_required
def notice_new(request):
    organization = get_object_or_404(Organization, pk=request.GET.get("organization") or 0)
    open_findings = Finding.objects.restrict(request.user).open().filter(
        organization=organization)
    form = forms.NoticeForm(request.POST or None, findings=open_findings,
                            initial={"findings": request.GET.getlist("finding")})
    if request.method == "POST" and form.is_valid():
        try:
            notice = services.notice_issue(request.user, organization, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("已发出整改通知 %(number)s。") % {"number": notice.number})
            return redirect("supervision:notice_detail", pk=notice.pk)
    return render(request, "supervision/notice_new.html",
                  {"organization": organization, "form": form})


NOTICE_ACTIONS = {
    "answer": (forms.AnswerForm, services.notice_answer, "notice.answer"),
    "decline": (forms.DeclineForm, services.notice_decline, "notice.decline"),
    "close": (forms.CloseForm, services.notice_close, "notice.close"),
    "reopen": (forms.ReopenForm, services.notice_reopen, "notice.reopen"),
}
NOTICE_ACTION_STATES = {"answer": "issued", "decline": "issued", "close": "answered",
                        "reopen": "answered"}


def _notice(request, pk):
    return get_object_or_404(RectificationNotice.objects.restrict(request.user)
                             .select_related("organization__region", "issued_by"), pk=pk)


@login_required
def notice_detail(request, pk, action=None):
    notice = _notice(request, pk)
    bound = None
    if request.method == "POST":
        if action not in NOTICE_ACTIONS:
            raise NotFound()
        form_class, service, _rule = NOTICE_ACTIONS[action]
        bound = form_class(request.POST)
        if bound.is_valid():
            try:
                service(request.user, notice, **bound.cleaned_data)
            except ValidationError as error:
                _apply_errors(bound, error)
            else:
                messages.success(request, _("已办理。"))
                return redirect("supervision:notice_detail", pk=notice.pk)
    actions = [(name, bound if bound is not None and name == action else form_class())
               for name, (form_class, _service, rule) in NOTICE_ACTIONS.items()
               if NOTICE_ACTION_STATES[name] == notice.state and can(request.user, rule, notice)]
    return render(request, "supervision/notice_detail.html", {
        "notice": notice, "findings": notice.findings.all(), "events": notice.events.all(),
        "actions": actions, "overdue": notice.is_overdue(),
    })


# --- criticism --------------------------------------------------------------------------------

def criticisms(request):
    """The published criticism list is public; the authority also sees what waits for it."""
    pending = []
    if request.user.is_authenticated:
        pending = [c for c in Criticism.objects.filter(published_at__isnull=True)
                   .select_related("organization__region", "notice")
                   if can(request.user, "criticism.publish", c)]
    return render(request, "supervision/criticisms.html", {
        "published": Criticism.objects.published().select_related("organization", "notice")
        .order_by("-published_at"),
        "pending": pending,
    })


@login_required
@require_POST
def criticism_publish(request, pk):
    criticism = get_object_or_404(Criticism, pk=pk)
    services.criticism_publish(request.user, criticism)
    messages.success(request, _("已发布通报。"))
    return redirect("supervision:criticisms")


# --- rankings ---------------------------------------------------------------------------------

@login_required
def ranking(request):
    region, period = _scope(request)
    found = Ranking.objects.filter(region=region, period=period.key).first()
    weighting = found.weights if found else rankings.weights()
    entries = list(found.entries.select_related("organization")) if found else []
    for entry in entries:
        entry.part_scores = [entry.parts.get(p.key) for p in rankings.PARTS]
    return render(request, "supervision/ranking.html", {
        "region": region, "period": period, "scope_form": _scope_form(region, period),
        "ranking": found,
        "entries": entries,
        "parts": [(p, weighting.get(p.key, 0)) for p in rankings.PARTS],
        "weight_total": sum(weighting.values()),
        "findings_cap": found.findings_cap if found else None,
        "can_compute": can(request.user, "ranking.compute", region),
    })


@login_required
@require_POST
def ranking_compute(request):
    form = forms.ScopeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择行政区划并填写期间。"))
        return redirect("supervision:ranking")
    region = form.cleaned_data["region"]
    computed = services.ranking_compute(request.user, region, form.cleaned_data["period"])
    messages.success(request, _("已重新计算排名。"))
    return redirect(reverse("supervision:ranking")
                    + f"?region={region.code}&period={computed.period}")


@login_required
def ranking_export(request):
    region, period = _scope(request)
    found = get_object_or_404(Ranking, region=region, period=period.key)
    response = HttpResponse(
        ranking_xlsx(found),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = \
        f'attachment; filename="ranking-{region.code}-{period.key}.xlsx"'
    return response


# --- projects ---------------------------------------------------------------------------------

@login_required
def projects(request):
    visible = InfoProject.objects.restrict(request.user).select_related("department")
    mine = request.user.organization if request.user.organization_id else None
    return render(request, "supervision/projects.html", {
        "projects": visible,
        "can_create": mine is not None and can(request.user, "project.create", mine),
    })


@login_required
def project_new(request):
    department = request.user.organization
    if department is None:
        raise NotFound(_("您的账号未关联单位。"))
    form = forms.ProjectForm(request.POST or None, department=department)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(request.user, department,
                                              **form.service_arguments())
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("已登记项目“%(name)s”。") % {"name": project.name})
            return redirect("supervision:project_detail", pk=project.pk)
    return render(request, "supervision/project_new.html", {"form": form,
                                                            "department": department})


PROJECT_ACTIONS = {"submit": services.project_submit, "approve": services.project_approve,
                   "reject": services.project_reject}


@login_required
def project_detail(request, pk, action=None):
    project = get_object_or_404(InfoProject.objects.restrict(request.user)
                                .select_related("department__region"), pk=pk)
    form = forms.DecisionForm(request.POST or None)
    if request.method == "POST":
        if action not in PROJECT_ACTIONS:
            raise NotFound()
        arguments = form.cleaned_data if action != "submit" and form.is_valid() else {}
        try:
            PROJECT_ACTIONS[action](request.user, project, **arguments)
        except ValidationError as error:
            _apply_errors(form, error)
            messages.error(request, error.message)
        else:
            messages.success(request, _("已办理。"))
            return redirect("supervision:project_detail", pk=project.pk)
    return render(request, "supervision/project_detail.html", {
        "project": project, "form": form,
        "resources": project.planned_resources.select_related("resource"),
        "systems": project.systems.select_related("application", "node"),
        "can_submit": project.is_editable and can(request.user, "project.submit", project),
        "can_decide": (project.state == InfoProject.State.SUBMITTED
                       and can(request.user, "project.approve", project)),
    })


# --- reports ----------------------------------------------------------------------------------

@login_required
def reports(request):
    region, period = _scope(request)
    return render(request, "supervision/reports.html", {
        "reports": SupervisionReport.objects.restrict(request.user).select_related("region"),
        "scope_form": _scope_form(region, period),
        "can_generate": can(request.user, "supervision_report.generate", region),
    })


@login_required
@require_POST
def report_generate(request):
    form = forms.ScopeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择行政区划并填写期间。"))
        return redirect("supervision:reports")
    report = services.supervision_report_generate(request.user, form.cleaned_data["region"],
                                      form.cleaned_data["period"])
    messages.success(request, _("报告已生成并送达主管部门。"))
    return redirect("supervision:report_detail", pk=report.pk)


@login_required
def report_detail(request, pk):
    report = get_object_or_404(SupervisionReport.objects.restrict(request.user), pk=pk)
    return render(request, "supervision/report_detail.html", {"report": report})


@login_required
def report_file(request, pk, kind):
    report = get_object_or_404(SupervisionReport.objects.restrict(request.user), pk=pk)
    if kind not in ("pdf", "xlsx"):
        raise NotFound()
    stored = report.pdf if kind == "pdf" else report.xlsx
    return FileResponse(stored.open("rb"), as_attachment=kind != "pdf",
                        filename=f"supervision-{report.region.code}-{report.period}.{kind}")

