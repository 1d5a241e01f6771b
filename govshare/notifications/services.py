"""Changes people make to their inbox and to their applications' webhooks.

Sending a notification is not here: it is a side effect of other services (see `dispatch`).
"""

from urllib.parse import urlsplit

from django.db import transaction
from django.utils.translation import gettext as _

from govshare.audit.services import audit_record
from govshare.core import clock
from govshare.core.permissions import authorize
from govshare.core.validation import require, validated

from .dispatch import new_secret
from .models import Notification, WebhookEndpoint


@transaction.atomic
def notification_mark_read(actor, notification):
    authorize(actor, "notification.read", notification)
    if notification.read_at is None:
        notification.read_at = clock.now()
        notification.save(update_fields=["read_at"])
    audit_record(actor, "notification.read", notification)
    return notification


@transaction.atomic
def notification_mark_all_read(actor):
    """Mark every unread notification of the actor read; returns how many there were."""
    authorize(actor, "notification.read", None)
    count = Notification.objects.restrict(actor).unread().update(read_at=clock.now())
    # The inbox marked is the actor's own: the record names them as its object.
    audit_record(actor, "notification.read_all", actor, {"count": count})
    return count


def _url_errors(url):
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return [_("回调地址须为 http 或 https 地址。")]
    return []


@transaction.atomic
def webhook_configure(actor, application, *, url, is_active=True):
    """Set the application's webhook; returns (endpoint, secret). A new endpoint gets a new
    secret; an existing one keeps its secret (rotate it with `webhook_secret_rotate`)."""
    authorize(actor, "webhook.configure", application)
    require({"url": _url_errors(url)})
    endpoint = WebhookEndpoint.objects.filter(application=application).first()
    created = endpoint is None
    if created:
        endpoint = WebhookEndpoint(application=application, secret=new_secret())
    endpoint.url = url.strip()
    endpoint.is_active = is_active
    endpoint.updated_at = clock.now()
    validated(endpoint).save()
    audit_record(actor, "webhook.configure", endpoint,
                 {"application": application.pk, "url": endpoint.url, "created": created})
    return endpoint, endpoint.secret


@transaction.atomic
def webhook_secret_rotate(actor, endpoint):
    """Replace the signing secret; deliveries from now on are signed with the new one."""
    authorize(actor, "webhook.configure", endpoint.application)
    endpoint.secret = new_secret()
    endpoint.updated_at = clock.now()
    endpoint.save(update_fields=["secret", "updated_at"])
    audit_record(actor, "webhook.rotate", endpoint, {"application": endpoint.application_id})
    return endpoint, endpoint.secret


@transaction.atomic
def webhook_remove(actor, endpoint):
    authorize(actor, "webhook.configure", endpoint.application)
    audit_record(actor, "webhook.remove", endpoint, {"application": endpoint.application_id})
    endpoint.delete()
