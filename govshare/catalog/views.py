"""Web pages of the catalog: the browser (search with facets), my catalog, the resource form with
its data-item table, resource detail with versions and comparison, the review queue, the data
element register and single-source conflicts, spreadsheets and DCAT.

Views parse a form, call a service, and render; the services decide what is allowed.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from govshare.core.exceptions import NotAuthenticated, NotFound, ValidationError
from govshare.core.permissions import can
from govshare.orgs.authentication import application_from_token
from govshare.orgs.models import Organization, Region

from . import browse, dcat, services, spreadsheets
from .compare import compare_versions
from .forms import (
    ChangeForm,
    CommentForm,
    ImportForm,
    ItemRow,
    ResourceForm,
    WithdrawForm,
    item_rows_from,
    item_table_context,
)
from .models import DataElement, Resource, SourceConflict

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FACET_ORDER = ["region", "classification", "share_type", "open_type", "format", "update_cycle",
               "provider"]


def _xlsx(content, filename):
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _visible(request, code):
    return get_object_or_404(
        Resource.objects.restrict(request.user).select_related("provider__region"), code=code)


def _my_organizations(user):
    ids = [a.organization_id for a in user.role_assignments() if a.organization_id]
    return Organization.objects.filter(pk__in=ids)


@login_required
def browse_catalog(request):
    """The catalog of every level (R7), searched with facets; `region` narrows it to one
    region's catalog and the regions below."""
    query = request.GET.get("q", "").strip()
    region = request.GET.get("region") or None
    filters = browse.filters_from(request.GET)
    result = browse.catalog_search(request.user, query, filters=filters, region=region,
                                   page=browse.page_number(request.GET.get("page")))
    facets = browse.labelled_facets(result.facets, {**filters, "region": [region or ""]})
    params = request.GET.copy()
    params.pop("page", None)
    links = {facet: [(value, browse.toggled(params, facet, value)) for value in values]
             for facet, values in facets.items()}
    return render(request, "catalog/browse.html", {
        "query": query, "region": Region.objects.filter(code=region).first(),
        "result": result, "hits": [(hit, browse.hit_labels(hit)) for hit in result.hits],
        "facets": [(facet, browse.FACET_TITLES[facet], links[facet]) for facet in FACET_ORDER],
        "querystring": params.urlencode(),
        "has_next": result.page * result.per_page < result.total,
        "regions": Region.objects.exclude(level=Region.Level.COUNTY),
    })


@login_required
def my_catalog(request):
    return render(request, "catalog/my_catalog.html", {
        "resources": browse.my_catalog(request.user),
        "can_create": any(can(request.user, "resource.create", o)
                          for o in _my_organizations(request.user)),
    })


def _save_resource(request, form, rows, resource=None):
    """Call the service with the form's metadata and rows; on refusal, put each message on the
    form field or the table row it names and return None."""
    organizations = _my_organizations(request.user)
    items = [row.values for row in rows]
    try:
        if resource is None:
            chosen = request.POST.get("provider", "")
            provider = (organizations.filter(pk=chosen).first() if chosen.isdigit() else None) \
                or organizations.first()
            if provider is None:
                raise NotFound(_("您的账号未关联单位。"))
            return services.resource_create(request.user, provider=provider, items=items,
                                            **form.metadata())
        return services.resource_update(request.user, resource, items=items, **form.metadata())
    except ValidationError as error:
        for field, msgs in error.field_errors.items():
            parts = field.split(".")
            if parts[0] == "items" and len(parts) >= 2 and parts[1].isdigit() \
                    and int(parts[1]) < len(rows):
                rows[int(parts[1])].errors += [f"{parts[-1]}: {m}" for m in msgs]
            else:
                for msg in msgs:
                    form.add_error(field if field in form.fields else None, msg)
        return None


def _resource_form_page(request, form, rows, resource=None):
    return render(request, "catalog/resource_form.html", {
        "form": form, "rows": rows, "resource": resource,
        "organizations": _my_organizations(request.user), **item_table_context(),
    })


@login_required
def resource_new(request):
    form = ResourceForm(request.POST or None)
    rows = item_rows_from(request.POST) if request.method == "POST" else [ItemRow.blank()]
    if request.method == "POST" and form.is_valid():
        resource = _save_resource(request, form, rows)
        if resource is not None:
            messages.success(request, _("已保存草稿 %(code)s。") % {"code": resource.code})
            return redirect("catalog:resource_detail", code=resource.code)
    return _resource_form_page(request, form, rows)


@login_required
def resource_edit(request, code):
    resource = _visible(request, code)
    version = resource.pending_version
    if version is None or not version.is_editable:
        messages.error(request, _("该资源没有可编辑的草稿；已提交或已发布的内容不能直接修改。"))
        return redirect("catalog:resource_detail", code=code)
    if request.method == "POST":
        form = ResourceForm(request.POST)
        rows = item_rows_from(request.POST)
        if form.is_valid() and _save_resource(request, form, rows, resource) is not None:
            messages.success(request, _("草稿已保存。"))
            return redirect("catalog:resource_detail", code=code)
    else:
        form = ResourceForm(initial=ResourceForm.initial_from(version))
        rows = [ItemRow.from_item(item) for item in version.items.select_related("element")]
    return _resource_form_page(request, form, rows, resource)


@login_required
def item_row(request):
    """A blank row of the data-item table (htmx adds it; removing a row needs no request)."""
    return render(request, "catalog/_item_row.html",
                  {"row": ItemRow.blank(), **item_table_context()})


@login_required
def resource_detail(request, code):
    resource = _visible(request, code)
    user = request.user
    shown = resource.current or resource.pending_version
    return render(request, "catalog/resource_detail.html", {
        "resource": resource, "version": shown, "pending": resource.pending_version,
        "items": shown.items.select_related("element") if shown else [],
        "versions": resource.versions.order_by("-number"),
        "claims": resource.source_claims.select_related("element"),
        "stale": resource.is_stale(),
        "can": {
            "edit": can(user, "resource.update", resource),
            "submit": can(user, "resource.submit", resource),
            "review": can(user, "resource.publish", resource),
            "change": can(user, "resource.change", resource),
            "withdraw": can(user, "resource.withdraw", resource),
        },
        "comment_form": CommentForm(), "change_form": ChangeForm(),
        "withdraw_form": WithdrawForm(),
    })


def _lifecycle_step(request, code, step, done_message, form_class=None):
    """Run one lifecycle service with the posted form; a refusal is shown as messages on the
    page the person returns to. Returns whether the step was done."""
    resource = _visible(request, code)
    arguments = {}
    if form_class is not None:
        form = form_class(request.POST)
        form.is_valid()
        arguments = {field: form.cleaned_data.get(field, "") for field in form.fields}
    try:
        step(request.user, resource, **arguments)
    except ValidationError as error:
        for msgs in error.field_errors.values():
            for msg in msgs:
                messages.error(request, msg)
        return False
    messages.success(request, done_message)
    return True


@login_required
@require_POST
def resource_submit(request, code):
    _lifecycle_step(request, code, services.resource_submit, _("已提交主管部门审核。"))
    return redirect("catalog:resource_detail", code=code)


@login_required
@require_POST
def resource_publish(request, code):
    if _lifecycle_step(request, code, services.resource_publish, _("已审核通过并发布。"),
                       CommentForm):
        return redirect("catalog:review_queue")
    return redirect("catalog:resource_detail", code=code)


@login_required
@require_POST
def resource_return(request, code):
    if _lifecycle_step(request, code, services.resource_return, _("已退回，并附审核意见。"),
                       CommentForm):
        return redirect("catalog:review_queue")
    return redirect("catalog:resource_detail", code=code)


@login_required
@require_POST
def resource_change(request, code):
    if _lifecycle_step(request, code, services.resource_change,
                       _("已创建新版本草稿；现行版本在新版本发布前继续有效。"), ChangeForm):
        return redirect("catalog:resource_edit", code=code)
    return redirect("catalog:resource_detail", code=code)


@login_required
@require_POST
def resource_withdraw(request, code):
    _lifecycle_step(request, code, services.resource_withdraw, _("资源已撤销。"), WithdrawForm)
    return redirect("catalog:resource_detail", code=code)


@login_required
@require_POST
def resource_discard(request, code):
    _lifecycle_step(request, code, services.resource_discard, _("草稿已删除。"))
    if Resource.objects.filter(code=code).exists():
        return redirect("catalog:resource_detail", code=code)
    return redirect("catalog:my_catalog")


def _version(request, code, number):
    resource = _visible(request, code)
    return resource, get_object_or_404(resource.versions, number=number)


@login_required
def version_detail(request, code, number):
    resource, version = _version(request, code, number)
    return render(request, "catalog/version_detail.html", {
        "resource": resource, "version": version,
        "items": version.items.select_related("element"),
    })


@login_required
def version_compare(request, code):
    resource = _visible(request, code)
    numbers = sorted(resource.versions.values_list("number", flat=True))
    try:
        old = int(request.GET.get("old") or (numbers[-2] if len(numbers) > 1 else numbers[0]))
        new = int(request.GET.get("new") or numbers[-1])
    except ValueError:
        raise ValidationError({"old": [_("请选择要比较的版本。")]}) from None
    older = get_object_or_404(resource.versions, number=old)
    newer = get_object_or_404(resource.versions, number=new)
    return render(request, "catalog/version_compare.html", {
        "resource": resource, "comparison": compare_versions(older, newer),
        "numbers": numbers,
    })


@login_required
def review_queue(request):
    return render(request, "catalog/review_queue.html", {
        "resources": browse.review_queue(request.user), "comment_form": CommentForm(),
    })


@login_required
def conflicts(request):
    return render(request, "catalog/conflicts.html", {
        "conflicts": [(c, can(request.user, "source_conflict.resolve", c))
                      for c in browse.open_conflicts(request.user)],
    })


@login_required
@require_POST
def conflict_resolve(request, pk):
    conflict = get_object_or_404(SourceConflict, pk=pk)
    claim = conflict.claims.filter(pk=request.POST.get("claim") or 0).first()
    services.source_conflict_resolve(request.user, conflict, claim=claim,
                                     comment=request.POST.get("comment", ""))
    messages.success(request, _("已认定权威来源。"))
    return redirect("catalog:conflicts")


@login_required
def elements(request):
    return render(request, "catalog/elements.html", {
        "elements": DataElement.objects.select_related("source__resource__provider"),
    })


@login_required
def template_download(request):
    return _xlsx(spreadsheets.write_workbook([], template=True), "catalog-template.xlsx")


@login_required
def resource_import(request):
    organizations = _my_organizations(request.user)
    form = ImportForm(request.POST or None, request.FILES or None, organizations=organizations)
    bad_rows = []
    if request.method == "POST" and form.is_valid():
        try:
            results = services.resource_import(request.user,
                                               provider=form.cleaned_data["provider"],
                                               file=form.cleaned_data["file"])
        except ValidationError as error:
            bad_rows = error.context.get("rows") or [
                ("", "", f"{field}: {' '.join(msgs)}")
                for field, msgs in error.field_errors.items()]
        else:
            messages.success(request, _("已导入 %(n)d 个资源草稿。") % {"n": len(results)})
            return redirect("catalog:my_catalog")
    return render(request, "catalog/import.html", {"form": form, "bad_rows": bad_rows})


@login_required
def export(request):
    """Any list of the catalog pages as xlsx, with the parameters the page was shown with."""
    view = request.GET.get("view", "browse")
    if view == "mine":
        entries = browse.export_entries(browse.my_catalog(request.user))
    elif view == "review":
        entries = browse.export_entries(browse.review_queue(request.user))
    else:
        resources = browse.search_resources(
            request.user, request.GET.get("q", ""), filters=browse.filters_from(request.GET),
            region=request.GET.get("region") or None)
        entries = browse.export_entries(resources, published=True)
    return _xlsx(spreadsheets.write_workbook(entries), f"catalog-{view}.xlsx")


def _dcat_actor(request):
    """DCAT documents are read by people and by harvesting systems (with a bearer token)."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return application_from_token(header.removeprefix("Bearer ").strip())
    if request.user.is_authenticated:
        return request.user
    raise NotAuthenticated()


def _jsonld(document):
    return JsonResponse(document, content_type="application/ld+json",
                        json_dumps_params={"ensure_ascii": False, "indent": 1})


def catalog_dcat(request):
    """The published catalog of a region (the province by default) as DCAT-AP JSON-LD."""
    actor = _dcat_actor(request)
    code = request.GET.get("region")
    region = get_object_or_404(Region, code=code) if code else \
        Region.objects.filter(parent__isnull=True).order_by("code").first()
    resources = (Resource.objects.restrict(actor).published()
                 .filter(provider__region__in=region.subtree())
                 .select_related("provider__region", "published_version__classification"))
    return _jsonld(dcat.catalog_document(region, resources, request.build_absolute_uri))


def resource_dcat(request, code):
    actor = _dcat_actor(request)
    resource = get_object_or_404(Resource.objects.restrict(actor).published()
                                 .select_related("provider__region"), code=code)
    return _jsonld(dcat.resource_document(resource, request.build_absolute_uri))
