"""Web pages of the exchange: the file behind a Delta Sharing link (with Range requests), a
department's nodes and registration codes, and an application's Delta Sharing profile.

Views parse, call a service, and render; the services decide what is allowed.
"""

import json
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from govshare.core.exceptions import ServiceError
from govshare.orgs import services as org_services
from govshare.orgs.models import Application, Organization
from govshare.sharing.models import Grant

from . import delta, services
from .models import Node

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


@require_http_methods(["GET", "HEAD"])
def delta_file(request, token):
    """A snapshot file by its signed link, while the link and the grant are both valid.
    fsspec needs HEAD with Content-Length and Accept-Ranges, and 206 for `Range: bytes=a-b`."""
    found = delta.file_from_link(token)
    if found is None:
        raise Http404
    grant_id, path = found
    grant = Grant.objects.filter(pk=grant_id).first()
    if grant is None or not grant.is_usable():
        raise Http404
    size = path.stat().st_size
    match = _RANGE.match(request.headers.get("Range", ""))
    if request.method == "HEAD" or not match:
        response = (HttpResponse(b"", content_type="application/octet-stream")
                    if request.method == "HEAD"
                    else FileResponse(path.open("rb"), content_type="application/octet-stream"))
        response["Content-Length"] = str(size)
        response["Accept-Ranges"] = "bytes"
        return response
    first, last = match.groups()
    if first == "":
        start, end = max(size - int(last or 0), 0), size - 1
    else:
        start, end = int(first), min(int(last) if last else size - 1, size - 1)
    if start > end or start >= size:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    with path.open("rb") as handle:
        handle.seek(start)
        body = handle.read(end - start + 1)
    response = HttpResponse(body, status=206, content_type="application/octet-stream")
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(len(body))
    response["Accept-Ranges"] = "bytes"
    return response


@login_required
def home(request):
    """The nodes of the organisations the person works in (all of them for the operator), and
    the applications they manage with the tables their Delta Sharing profile would show."""
    nodes = Node.objects.restrict(request.user).select_related("organization")
    organizations = Organization.objects.filter(
        pk__in=[a.organization_id for a in request.user.role_assignments() if a.organization_id])
    applications = [(a, [t.grant for t in delta.tables(a)])
                    for a in Application.objects.restrict(request.user)]
    return render(request, "exchange/home.html", {
        "nodes": nodes, "organizations": organizations, "applications": applications,
        "code": request.session.pop("exchange_code", None)})


@login_required
@require_POST
def registration_code_issue(request, organization_id):
    organization = get_object_or_404(Organization, pk=organization_id)
    try:
        _code, text = services.registration_code_issue(request.user, organization)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        request.session["exchange_code"] = text
    return redirect("exchange:home")


@login_required
@require_POST
def node_approve(request, pk):
    node = get_object_or_404(Node.objects.restrict(request.user), pk=pk)
    try:
        services.node_approve(request.user, node)
        messages.success(request, _("节点已批准。"))
    except ServiceError as error:
        messages.error(request, error.message)
    return redirect("exchange:home")


@login_required
@require_POST
def delta_profile(request, pk):
    """A Delta Sharing profile file for the application, carrying a new credential of its own
    (issued by the orgs service, so only its managers can have one)."""
    application = get_object_or_404(Application.objects.restrict(request.user), pk=pk)
    credential, token = org_services.credential_issue(request.user, application)
    profile = {"shareCredentialsVersion": 1,
               "endpoint": request.build_absolute_uri(reverse("api:api-root") +
                                                      "delta-sharing"),
               "bearerToken": token}
    if credential.expires_at:
        profile["expirationTime"] = credential.expires_at.isoformat()
    response = HttpResponse(json.dumps(profile, indent=2), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="govshare-app-{pk}.share"'
    return response
