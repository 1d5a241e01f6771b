"""Sending notifications: the inbox entry, the e-mail and the application's webhook.

`notify` is called by services, inside their transaction, as a side effect of the change they
make (like `audit_record`); it is never an entry point of its own. The e-mail and the webhook go
out through tasks: with the database task backend the queued task commits or rolls back with the
change that caused it, so nobody hears about a change that did not happen.
"""

import json
import secrets
import uuid

from django.conf import settings

from govshare.core import clock

from .models import Notification, WebhookDelivery, WebhookEndpoint
from .tasks import deliver_webhook, email_notifications


def _text(value):
    """JSON-safe parameter values; lazy translations stay Chinese source text until shown."""
    return value if isinstance(value, int | float | bool) or value is None else str(value)


def notify(recipients, *, event, message, params=None, url="", application=None, data=None):
    """Tell each of `recipients` (users) about `event`; `message` is a Chinese source string
    marked with gettext_noop, formatted with `params` when shown. When `application` has an
    active webhook, `data` is posted to it as well. Returns the inbox entries created."""
    params = {k: _text(v) for k, v in (params or {}).items()}
    people = {user.pk: user for user in recipients if user is not None and user.is_active}
    created = Notification.objects.bulk_create([
        Notification(recipient=user, event=event, message=message, params=params, url=url)
        for user in people.values()
    ])
    with_email = [n.pk for n in created if n.recipient.email]
    if with_email and settings.GOVSHARE_NOTIFICATION_EMAIL:
        email_notifications.enqueue(with_email)
    if application is not None:
        _post_webhook(application, event, data or params)
    return created


def _post_webhook(application, event, data):
    endpoint = WebhookEndpoint.objects.filter(application=application, is_active=True).first()
    if endpoint is None:
        return None
    body = json.dumps({
        "id": uuid.uuid4().hex,
        "event": event,
        "time": clock.now().isoformat(),
        "application": {"id": application.pk, "name": application.name},
        "data": data,
    }, ensure_ascii=False, sort_keys=True, default=str)
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event=event, body=body, created_at=clock.now(),
        next_attempt_at=clock.now(),
    )
    deliver_webhook.enqueue(delivery.pk)
    return delivery


def new_secret() -> str:
    return secrets.token_hex(32)
