from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpendataConfig(AppConfig):
    name = "govshare.opendata"
    verbose_name = _("数据开放")

    def ready(self):
        from . import permissions  # noqa: F401  (registers the rules)
