from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "govshare.exchange"
    verbose_name = _("数据交换")

    def ready(self):
        from . import permissions  # noqa: F401  (registers the rules)
