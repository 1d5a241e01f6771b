"""API for the inbox and for applications' webhooks (/api/v1/notifications/...)."""

from datetime import datetime

from ninja import Router, Schema, Status
from pydantic import Field

from govshare.core.exceptions import NotFound
from govshare.orgs.models import Application

from . import services
from .models import Notification, WebhookEndpoint

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    event: str
    text: str
    url: str
    created_at: datetime
    read_at: datetime | None


class InboxOut(Schema):
    unread: int
    items: list[NotificationOut]


class WebhookOut(Schema):
    application_id: int
    url: str
    is_active: bool
    updated_at: datetime


class WebhookWithSecret(WebhookOut):
    secret: str = Field(..., description="HMAC-SHA256 key; shown when created or rotated.")


class WebhookIn(Schema):
    url: str = Field(..., max_length=500)
    is_active: bool = True


class CountOut(Schema):
    count: int


def _found(queryset, **lookup):
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise NotFound()
    return obj


@router.get("", response=InboxOut)
def inbox(request, unread: bool = False, limit: int = 50):
    notifications = Notification.objects.restrict(request.auth)
    items = notifications.unread() if unread else notifications
    return {"unread": notifications.unread().count(),
            "items": list(items[:max(1, min(limit, 500))])}


@router.post("/{notification_id}/read", response=NotificationOut)
def mark_read(request, notification_id: int):
    notification = _found(Notification.objects.restrict(request.auth), pk=notification_id)
    return services.notification_mark_read(request.auth, notification)


@router.post("/read-all", response=CountOut)
def mark_all_read(request):
    return {"count": services.notification_mark_all_read(request.auth)}


def _application(request, application_id):
    return _found(Application.objects.restrict(request.auth), pk=application_id)


@router.get("/webhooks/{application_id}", response=WebhookOut)
def webhook_show(request, application_id: int):
    application = _application(request, application_id)
    return _found(WebhookEndpoint.objects, application=application)


@router.put("/webhooks/{application_id}", response={200: WebhookOut, 201: WebhookWithSecret})
def webhook_configure(request, application_id: int, payload: WebhookIn):
    """Create (201, with the secret) or update (200) the application's webhook."""
    application = _application(request, application_id)
    existed = WebhookEndpoint.objects.filter(application=application).exists()
    endpoint, _secret = services.webhook_configure(request.auth, application, url=payload.url,
                                                  is_active=payload.is_active)
    return endpoint if existed else Status(201, endpoint)


@router.post("/webhooks/{application_id}/rotate", response=WebhookWithSecret)
def webhook_rotate(request, application_id: int):
    endpoint = _found(WebhookEndpoint.objects, application=_application(request, application_id))
    endpoint, _secret = services.webhook_secret_rotate(request.auth, endpoint)
    return endpoint


@router.delete("/webhooks/{application_id}", response={204: None})
def webhook_remove(request, application_id: int):
    endpoint = _found(WebhookEndpoint.objects, application=_application(request, application_id))
    services.webhook_remove(request.auth, endpoint)
    return Status(204, None)
