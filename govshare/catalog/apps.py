from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "govshare.catalog"
    verbose_name = _("政务信息资源目录")

    def ready(self):
        from . import permissions  # noqa: F401  (registers the rules)
