from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    name = "govshare.sharing"
    verbose_name = _("共享申请与授权")

    def ready(self):
        from . import permissions  # noqa: F401  (registers the rules)
