"""The inbox link with the unread count, shown on every page of a logged-in person."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import Notification


def inbox(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"inbox": {
        "url": reverse("notifications:inbox"),
        "label": _("通知"),
        "unread": Notification.objects.restrict(user).unread().count(),
    }}
