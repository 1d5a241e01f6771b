from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "govshare.services"
    label = "services"
    verbose_name = _("接口服务")

    def ready(self):
        from . import permissions  # noqa: F401  (registers the rules)
