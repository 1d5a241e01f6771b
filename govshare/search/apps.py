from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "govshare.search"
    verbose_name = _("目录检索")
