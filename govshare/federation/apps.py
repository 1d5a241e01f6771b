from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FederationConfig(AppConfig):
    name = "govshare.federation"
    verbose_name = _("平台级联")

    def ready(self):
        from . import permissions  # noqa: F401  (registers the rules)
