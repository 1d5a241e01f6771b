from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "govshare.notifications"
    verbose_name = _("通知")

    def ready(self):
        from . import permissions  # noqa: F401  (registers the rules)
