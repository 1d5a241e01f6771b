"""Web page of the federation: the platforms this one cascades with, and the operator's
register, approve, revoke and harvest-now actions on them.

Views parse, call a service, and render; the services decide what is allowed.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from govshare.core.exceptions import ServiceError

from . import services
from .client import own_descriptor
from .models import Peer


@login_required
def home(request):
    return render(request, "federation/home.html", {
        "peers": Peer.objects.restrict(request.user),
        "own": own_descriptor()})


def _act(request, action, done_message):
    """Run `action()`; its failure (a refusal, a bad field, the other side down) becomes the
    page's error message (a bad field's names the field)."""
    try:
        action()
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done_message)
    return redirect("federation:home")


@login_required
@require_POST
def peer_register(request):
    return _act(request, lambda: services.peer_register(
        request.user, base_url=request.POST.get("base_url", "")),
        _("已向对方平台登记，等待双方运维批准。"))


def _peer(request, pk):
    return get_object_or_404(Peer.objects.restrict(request.user), pk=pk)


@login_required
@require_POST
def peer_approve(request, pk):
    peer = _peer(request, pk)
    return _act(request, lambda: services.peer_approve(request.user, peer), _("已批准。"))


@login_required
@require_POST
def peer_revoke(request, pk):
    peer = _peer(request, pk)
    return _act(request, lambda: services.peer_revoke(
        request.user, peer, reason=request.POST.get("reason", "")), _("已吊销。"))


@login_required
@require_POST
def peer_harvest(request, pk):
    peer = _peer(request, pk)
    return _act(request, lambda: services.peer_harvest(request.user, peer), _("已采集。"))
