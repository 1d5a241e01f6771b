from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitorConfig(AppConfig):
    name = "govshare.monitor"
    verbose_name = _("监测")

    def ready(self):
        from . import permissions  # noqa: F401 (registers the rules)
