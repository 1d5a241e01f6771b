from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "govshare.orgs"
    verbose_name = _("组织与用户")

    def ready(self):
        from govshare.core.localcache import watch

        from . import permissions  # noqa: F401  (registers the rules)
        from .models import Application, Credential

        watch(Application, Credential)
