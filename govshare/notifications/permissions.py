"""Who may read notifications and configure an application's webhook."""

from govshare.core.permissions import can, rule
from govshare.orgs.models import User


@rule("notification.read")
def notification_read(actor, notification):
    """Only the recipient; `notification` is None when marking the whole inbox."""
    if not isinstance(actor, User):
        return False
    return notification is None or notification.recipient_id == actor.pk


@rule("webhook.configure")
def webhook_configure(actor, application):
    """Whoever manages the application's credentials manages where it is called back."""
    return can(actor, "application.update", application)
