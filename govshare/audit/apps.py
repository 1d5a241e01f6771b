from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "govshare.audit"
    verbose_name = _("审计")

    def ready(self):
        from govshare.core.permissions import permission_denied

        from . import permissions  # noqa: F401 (registers the rules)
        from .guard import register_sqlite_function
        from .receivers import record_denial

        connection_created.connect(register_sqlite_function,
                                   dispatch_uid="govshare.audit.sqlite_guard")
        permission_denied.connect(record_denial, dispatch_uid="govshare.audit.denials")
