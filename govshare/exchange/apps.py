from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "govshare.exchange"
    verbose_name = _("数据交换")

    def ready(self):
        from govshare.catalog.models import DataItem, Resource, ResourceVersion
        from govshare.core.localcache import watch
        from govshare.sharing.models import Grant

        from . import permissions  # noqa: F401  (registers the rules)
        from .models import Masking

        watch(Grant, Masking, Resource, ResourceVersion, DataItem)
