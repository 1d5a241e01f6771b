"""Django's admin, open to the platform operator only (R6)."""

from django.contrib.admin import AdminSite
from django.utils.translation import gettext_lazy as _


class OperatorAdminSite(AdminSite):
    site_header = _("政务信息资源共享平台 运维管理")
    site_title = _("运维管理")

    def has_permission(self, request):
        user = request.user
        return user.is_active and user.is_authenticated and getattr(user, "is_operator", False)


operator_admin = OperatorAdminSite(name="admin")
