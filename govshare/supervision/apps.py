from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "govshare.supervision"
    verbose_name = _("监督检查")

    def ready(self):
        from . import permissions  # noqa: F401  (registers the rules)
