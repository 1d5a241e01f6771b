"""Web pages of open data: the public portal (search with facets, a dataset's page, downloads,
DCAT, the terms, registration and applications), the CKAN action API, and the pages where
providers and authorities manage rules, datasets and applications.

Views parse, call a service or a reader (portal.py), and render; the services decide.
"""

import json
from itertools import islice

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from govshare.audit.services import audit_access
from govshare.catalog import browse
from govshare.catalog.models import DataType, OpenType, Resource
from govshare.core.exceptions import (
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    ServiceError,
    ValidationError,
)
from govshare.core.permissions import can
from govshare.orgs.models import Region

from . import ckan, dcat, portal, services
from .credentials import registrant_from_request, registrant_from_token
from .deidentify import describe
from .downloads import FORMATS, WRITERS
from .forms import (
    GENERALISE_CHOICES,
    RULE_CHOICES,
    ApplyForm,
    ApproveAccessForm,
    CommentForm,
    RegistrationForm,
    rule_rows,
    rules_from_post,
)
from .models import AccessRequest, Dataset, Deidentification, Registrant
from .throttle import throttled
from .usage import count_api_call, count_download

FACET_ORDER = ["region", "classification", "open_type", "update_cycle", "format", "provider"]
PREVIEW_ROWS = 5


def _jsonld(document):
    return JsonResponse(document, content_type="application/ld+json",
                        json_dumps_params={"ensure_ascii": False, "indent": 1})


@throttled
def portal_home(request):
    """The open datasets, searched with facets (R19)."""
    query = request.GET.get("q", "").strip()
    region = request.GET.get("region") or None
    filters = {facet: [v for v in request.GET.getlist(facet) if v]
               for facet in portal.PUBLIC_FACETS if facet != "region"
               and any(request.GET.getlist(facet))}
    result = portal.public_search(query, filters=filters, region=region,
                                  page=browse.page_number(request.GET.get("page")))
    facets = browse.labelled_facets(result.facets, {**filters, "region": [region or ""]})
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "opendata/portal.html", {
        "query": query, "region": Region.objects.filter(code=region).first(),
        "result": result, "hits": [(hit, browse.hit_labels(hit)) for hit in result.hits],
        "facets": [(facet, browse.FACET_TITLES[facet],
                    [(v, browse.toggled(params, facet, v)) for v in facets[facet]])
                   for facet in FACET_ORDER],
        "querystring": params.urlencode(),
        "has_next": result.page * result.per_page < result.total,
        "regions": Region.objects.exclude(level=Region.Level.COUNTY),
    })


@throttled
def dataset_detail(request, code):
    resource = portal.public_dataset(code)
    rules = portal.rules_in_force(resource).rules
    deidentifier = portal.deidentifier(resource)
    conditional = resource.current.open_type == OpenType.CONDITIONAL
    preview = [] if conditional else [
        deidentifier.row(p) for p in islice(portal.payloads(resource), PREVIEW_ROWS)]
    return render(request, "opendata/dataset.html", {
        "resource": resource, "version": resource.current, "conditional": conditional,
        "columns": [(c, DataType(c.data_type).label, describe(rules.get(c.identifier)))
                    for c in deidentifier.columns],
        "preview": preview, "record_count": portal.record_count(resource),
        "usage": portal.usage_totals(resource), "formats": list(FORMATS),
    })


def _registrant(request):
    try:
        return registrant_from_request(request)
    except NotAuthenticated:
        raise PermissionDenied(_("访问凭证无效或已吊销。"), reason="bad_credential") from None


@throttled
def download(request, code, fmt):
    """A dataset's released records in `fmt`, streamed as they are read. Conditionally open
    data needs a registrant's credential with a licence; that access is audited."""
    if fmt not in FORMATS:
        raise NotFound()
    resource = portal.public_dataset(code)
    if resource.current.open_type == OpenType.CONDITIONAL:
        registrant = _registrant(request)
        licence = portal.licence_check(registrant, resource)
        audit_access(registrant, resource.code, {"format": fmt, "licence": licence.pk})
    deidentifier = portal.deidentifier(resource)
    count_download(resource, fmt)
    rows = (deidentifier.row(payload) for payload in portal.payloads(resource))
    response = StreamingHttpResponse(WRITERS[fmt](deidentifier.columns, rows),
                                     content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{resource.code}.{fmt}"'
    return response


@throttled
def catalog_dcat(request):
    return _jsonld(dcat.catalog_document(request.build_absolute_uri))


@throttled
def dataset_dcat(request, code):
    return _jsonld(dcat.resource_document(portal.public_dataset(code),
                                          request.build_absolute_uri))


def terms(request):
    return render(request, "opendata/terms.html", {"version": services.TERMS_VERSION})


@throttled
def register(request):
    """An enterprise or organisation registers; its credential is shown once."""
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        registrant = Registrant(**{f: form.cleaned_data[f] for f in RegistrationForm.Meta.fields})
        try:
            registrant, token = services.registrant_register(
                registrant, accept_terms=form.cleaned_data["accept_terms"])
        except ValidationError as error:
            for field, msgs in error.field_errors.items():
                for msg in msgs:
                    form.add_error(field if field in form.fields else None, msg)
        else:
            return render(request, "opendata/registered.html",
                          {"registrant": registrant, "token": token})
    return render(request, "opendata/register.html", {"form": form})


@throttled
def apply(request, code):
    """A registrant applies, with its credential, for a conditionally open dataset."""
    resource = portal.public_dataset(code)
    form = ApplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            registrant = registrant_from_token(form.cleaned_data["token"])
            access_request = services.access_request_file(
                registrant, resource, purpose=form.cleaned_data["purpose"])
        except NotAuthenticated:
            form.add_error("token", _("访问凭证无效或已吊销。"))
        except ServiceError as error:
            for field, msgs in getattr(error, "field_errors", {}).items():
                form.add_error(field if field in form.fields else None, " ".join(msgs))
            if not getattr(error, "field_errors", None):
                form.add_error(None, str(error.message))
        else:
            return render(request, "opendata/applied.html",
                          {"resource": resource, "access_request": access_request})
    return render(request, "opendata/apply.html", {"resource": resource, "form": form})


def _ckan_data(request):
    """The action's parameters: the query string of a GET, the JSON body (or form) of a POST,
    a repeated parameter as a list, like CKAN."""
    if request.method == "GET":
        return {k: v[0] if len(v) == 1 else v for k, v in request.GET.lists()}
    if request.content_type == "application/json" or request.body.strip().startswith(b"{"):
        data = json.loads(request.body or b"{}")
        if not isinstance(data, dict):
            raise ValueError(_("请求数据须为 JSON 对象。"))
        return data
    return {k: v[0] if len(v) == 1 else v for k, v in request.POST.lists()}


def _ckan_error(error):
    """CKAN's error shape and status for one of our errors."""
    if isinstance(error, ValidationError):
        return 409, {**error.field_errors, "__type": "Validation Error"}
    if isinstance(error, ckan.SearchQueryError):
        return 400, {"__type": "Search Query Error",
                     "message": _("检索条件无效") + f": {error.message}"}
    if isinstance(error, NotFound):
        return 404, {"__type": "Not Found Error", "message": _("未找到") + f": {error.message}"}
    return 403, {"__type": "Authorization Error",
                 "message": _("拒绝访问") + f": {error.message}"}


def _ckan_throttled(message):
    return {"success": False, "error": {"__type": "Rate Limit Error", "message": message}}


@csrf_exempt
@throttled(json_body=_ckan_throttled)
def ckan_action(request, name):
    """/api/3/action/<name> (and /api/action/<name>): CKAN's action API, GET or POST."""
    action = ckan.ACTIONS.get(name)
    if action is None:
        count_api_call("unknown", "error")
        return JsonResponse("Bad request - " + _("未知的接口") + f": {name}", status=400,
                            safe=False, json_dumps_params={"ensure_ascii": False})
    help_url = request.build_absolute_uri(
        reverse("opendata:ckan_action", args=["help_show"]) + f"?name={name}")
    try:
        params = _ckan_data(request)
        result = action(params, ckan.Call(request.build_absolute_uri,
                                          registrant_from_request(request)))
    except ValueError as error:
        count_api_call(name, "error")
        return JsonResponse(f"Bad request - JSON Error: {error}", status=400, safe=False,
                            json_dumps_params={"ensure_ascii": False})
    except ServiceError as error:
        count_api_call(name, "error")
        status, body = _ckan_error(error)
        return JsonResponse({"help": help_url, "success": False, "error": body}, status=status,
                            json_dumps_params={"ensure_ascii": False})
    count_api_call(name, "ok", ckan.dataset_of(name, params))
    return JsonResponse({"help": help_url, "success": True, "result": result}, safe=False,
                        json_dumps_params={"ensure_ascii": False})


def _my_organizations(user):
    return [a.organization_id for a in user.role_assignments() if a.organization_id]


@login_required
def manage(request):
    """A provider's open resources (rules, datasets, applications) and an authority's rules to
    review."""
    user = request.user
    resources = (Resource.objects.published()
                 .filter(provider_id__in=_my_organizations(user),
                         published_version__open_type__in=portal.PUBLIC_OPEN_TYPES)
                 .select_related("published_version", "open_dataset").order_by("code"))
    rules = {d.resource_id: d for d in Deidentification.objects.filter(resource__in=resources)
             .order_by("resource", "number")}
    to_review = [d for d in Deidentification.objects.restrict(user)
                 .filter(state=Deidentification.State.PROPOSED).select_related("resource")
                 if can(user, "deidentification.approve", d)]
    return render(request, "opendata/manage.html", {
        "rows": [(r, rules.get(r.pk), getattr(r, "open_dataset", None)) for r in resources],
        "to_review": to_review,
        "access_requests": AccessRequest.objects.restrict(user).filter(
            state__in=["pending", "approved"]).select_related("registrant", "resource"),
        "approve_form": ApproveAccessForm(),
    })


def _rules_page(request, resource, rows, status=200):
    return render(request, "opendata/rules_form.html", {
        "resource": resource, "rows": rows, "rule_choices": RULE_CHOICES,
        "generalise_choices": GENERALISE_CHOICES}, status=status)


@login_required
def rules_propose(request, code):
    resource = get_object_or_404(Resource.objects.restrict(request.user).published(), code=code)
    items = list(resource.data_items())
    if request.method != "POST":
        latest = Deidentification.objects.filter(resource=resource).order_by("-number").first()
        return _rules_page(request, resource, rule_rows(
            items, latest.rules if latest else None, latest.quasi_identifiers if latest else ()))
    rules, quasi = rules_from_post(items, request.POST)
    try:
        services.deidentification_propose(request.user, resource, rules=rules,
                                          quasi_identifiers=quasi,
                                          note=request.POST.get("note", ""))
    except ValidationError as error:
        messages.error(request, str(error.message))
        return _rules_page(request, resource, rule_rows(items, rules, quasi), status=400)
    messages.success(request, _("脱敏规则已提交主管部门审核。"))
    return redirect("opendata:manage")


@login_required
def rules_review(request, pk):
    deidentification = get_object_or_404(
        Deidentification.objects.restrict(request.user).select_related("resource"), pk=pk)
    form = CommentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        comment = form.cleaned_data["comment"]
        if request.POST.get("decision") == "approve":
            services.deidentification_approve(request.user, deidentification, comment=comment)
            messages.success(request, _("脱敏规则已批准。"))
        else:
            services.deidentification_return(request.user, deidentification, comment=comment)
            messages.success(request, _("脱敏规则已退回。"))
        return redirect("opendata:manage")
    resource = deidentification.resource
    return render(request, "opendata/rules_review.html", {
        "deidentification": deidentification, "form": form,
        "rows": [(row, describe(row.spec)) for row in rule_rows(
            resource.data_items(), deidentification.rules,
            deidentification.quasi_identifiers)],
        "can_review": can(request.user, "deidentification.approve", deidentification),
    })


@login_required
@require_POST
def dataset_open(request, code):
    resource = get_object_or_404(Resource.objects.restrict(request.user).published(), code=code)
    services.dataset_open(request.user, resource)
    messages.success(request, _("数据集已开放。"))
    return redirect("opendata:manage")


@login_required
@require_POST
def dataset_close(request, code):
    dataset = get_object_or_404(Dataset.objects.select_related("resource"), resource__code=code)
    services.dataset_close(request.user, dataset, reason=request.POST.get("reason", ""))
    messages.success(request, _("数据集已关闭。"))
    return redirect("opendata:manage")


@login_required
@require_POST
def access_decide(request, pk, decision):
    access_request = get_object_or_404(AccessRequest.objects.restrict(request.user), pk=pk)
    if decision == "approve":
        form = ApproveAccessForm(request.POST)
        if not form.is_valid():
            raise ValidationError({f: [str(m) for m in e] for f, e in form.errors.items()})
        services.access_request_approve(request.user, access_request,
                                        valid_until=form.cleaned_data["valid_until"],
                                        comment=form.cleaned_data["comment"])
    elif decision == "refuse":
        services.access_request_refuse(request.user, access_request,
                                       reason=request.POST.get("reason", ""))
    else:
        services.access_request_revoke(request.user, access_request,
                                       reason=request.POST.get("reason", ""))
    messages.success(request, _("已处理。"))
    return redirect("opendata:manage")
