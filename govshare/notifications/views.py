"""The inbox and the webhook settings of the applications a person manages."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from govshare.core.exceptions import ValidationError
from govshare.core.permissions import can
from govshare.orgs.models import Application

from . import services
from .models import Notification, WebhookEndpoint


class WebhookForm(forms.Form):
    url = forms.URLField(label=gettext_lazy("回调地址"), max_length=500,
                         assume_scheme="https")
    is_active = forms.BooleanField(label=gettext_lazy("启用"), required=False, initial=True)


@login_required
def inbox(request):
    notifications = Notification.objects.restrict(request.user)
    if request.GET.get("unread"):
        notifications = notifications.unread()
    page = Paginator(notifications, 30).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {
        "page": page, "only_unread": bool(request.GET.get("unread")),
    })


@login_required
@require_POST
def mark_read(request, pk):
    notification = get_object_or_404(Notification.objects.restrict(request.user), pk=pk)
    services.notification_mark_read(request.user, notification)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request):
    count = services.notification_mark_all_read(request.user)
    messages.success(request, _("已将 %(count)s 条通知标为已读。") % {"count": count})
    return redirect("notifications:inbox")


def _managed_applications(user):
    return [a for a in Application.objects.restrict(user).select_related("organization")
            if can(user, "webhook.configure", a)]


@login_required
def webhooks(request, secret=None, secret_for=None):
    applications = _managed_applications(request.user)
    endpoints = {e.application_id: e for e in
                 WebhookEndpoint.objects.filter(application__in=applications)}
    rows = [{"application": a, "endpoint": endpoints.get(a.pk),
             "form": WebhookForm(prefix=f"app{a.pk}", initial={
                 "url": endpoints[a.pk].url if a.pk in endpoints else "",
                 "is_active": endpoints[a.pk].is_active if a.pk in endpoints else True})}
            for a in applications]
    return render(request, "notifications/webhooks.html", {
        "rows": rows, "secret": secret, "secret_for": secret_for,
    })


@login_required
@require_POST
def webhook_configure(request, application_id):
    application = get_object_or_404(Application.objects.restrict(request.user),
                                     pk=application_id)
    form = WebhookForm(request.POST, prefix=f"app{application.pk}")
    if not form.is_valid():
        raise ValidationError({k: list(v) for k, v in form.errors.items()})
    existed = WebhookEndpoint.objects.filter(application=application).exists()
    _endpoint, secret = services.webhook_configure(request.user, application,
                                                   **form.cleaned_data)
    if existed:
        messages.success(request, _("回调设置已保存。"))
        return redirect("notifications:webhooks")
    # The secret is rendered in this response only; rotate it to see a new one.
    return webhooks(request, secret=secret, secret_for=application)


@login_required
@require_POST
def webhook_rotate(request, application_id):
    endpoint = get_object_or_404(
        WebhookEndpoint.objects.filter(application__in=Application.objects.restrict(request.user)),
        application_id=application_id,
    )
    _endpoint, secret = services.webhook_secret_rotate(request.user, endpoint)
    return webhooks(request, secret=secret, secret_for=endpoint.application)


@login_required
@require_POST
def webhook_remove(request, application_id):
    endpoint = get_object_or_404(
        WebhookEndpoint.objects.filter(application__in=Application.objects.restrict(request.user)),
        application_id=application_id,
    )
    services.webhook_remove(request.user, endpoint)
    messages.success(request, _("回调地址已删除。"))
    return redirect("notifications:webhooks")
