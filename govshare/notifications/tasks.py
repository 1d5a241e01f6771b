"""Background delivery: notification e-mails and webhook posts with bounded retries.

A webhook is retried only where a retry can help (connection errors, timeouts, 429 and 5xx),
after the delays of GOVSHARE_WEBHOOK_RETRY_DELAYS; any other answer, or the last failed attempt,
marks the delivery failed for the operator to see.
"""

import http.client
import logging
import urllib.error
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from govshare.core import clock

from .models import Notification, WebhookDelivery
from .signing import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signature

logger = logging.getLogger(__name__)


@task()
def email_notifications(notification_ids):
    """Send each notification to its recipient's e-mail address, in the platform's language."""
    notifications = Notification.objects.filter(pk__in=notification_ids).select_related(
        "recipient")
    with translation.override(settings.LANGUAGE_CODE):
        messages = [
            EmailMessage(
                subject=_("【政务信息资源共享平台】%(text)s") % {"text": n.text},
                body=f"{n.text}\n\n{settings.GOVSHARE_BASE_URL.rstrip('/')}{n.url}\n",
                to=[n.recipient.email],
            )
            for n in notifications if n.recipient.email
        ]
    get_connection().send_messages(messages)
    return len(messages)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect would resend the signed body elsewhere (or drop it): treat it as a failure."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _post(delivery) -> int:
    """POST the delivery's body; the HTTP status, raising OSError for connection errors."""
    body = delivery.body.encode()
    request = urllib.request.Request(  # noqa: S310  (the endpoint URL is validated http(s))
        delivery.endpoint.url, data=body, method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "govshare-webhook/1",
            SIGNATURE_HEADER: signature(delivery.endpoint.secret, body),
            EVENT_HEADER: delivery.event,
            DELIVERY_HEADER: str(delivery.pk),
        },
    )
    try:
        with _opener.open(request, timeout=settings.GOVSHARE_WEBHOOK_TIMEOUT) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _retryable(status: int | None) -> bool:
    return status is None or status == 429 or status >= 500


@task()
def deliver_webhook(delivery_id):
    """One attempt at one delivery; schedules the next attempt when a retry may succeed."""
    delivery = (WebhookDelivery.objects.select_related("endpoint")
                .filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING).first())
    if delivery is None:
        return None
    delivery.attempts += 1
    status, error = None, ""
    try:
        status = _post(delivery)
    except (OSError, http.client.HTTPException, ValueError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    delivery.last_status_code = status
    delivery.last_error = error or ("" if status and status < 300 else f"HTTP {status}")
    delays = settings.GOVSHARE_WEBHOOK_RETRY_DELAYS
    if status is not None and 200 <= status < 300:
        delivery.status = WebhookDelivery.Status.DELIVERED
        delivery.delivered_at = clock.now()
        delivery.next_attempt_at = None
    elif _retryable(status) and delivery.attempts <= len(delays):
        delivery.next_attempt_at = clock.now() + timedelta(seconds=delays[delivery.attempts - 1])
    else:
        delivery.status = WebhookDelivery.Status.FAILED
        delivery.next_attempt_at = None
        logger.warning("webhook delivery %s failed after %s attempts: %s",
                       delivery.pk, delivery.attempts, delivery.last_error)
    delivery.save()
    if delivery.status == WebhookDelivery.Status.PENDING:
        _schedule_retry(delivery)
    return delivery.status


def _schedule_retry(delivery):
    retry = deliver_webhook
    if retry.get_backend().supports_defer:
        retry = retry.using(run_after=delivery.next_attempt_at)
    # A backend that cannot defer (the immediate one, in tests) retries at once; the number of
    # attempts stays bounded either way.
    retry.enqueue(delivery.pk)
