"""The navigation a person sees, by the roles they hold."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .permissions import can


def navigation(request):
    user = request.user
    if not user.is_authenticated:
        return {"nav_items": [(reverse("opendata:portal"), _("开放数据"))]}
    items = [
        (reverse("home"), _("首页")),
        (reverse("orgs:region_tree"), _("行政区划与单位")),
        (reverse("catalog:browse"), _("资源目录")),
        (reverse("sharing:index"), _("共享申请")),
    ]
    if user.organization_id:
        items.append((reverse("orgs:my_organization"), _("本单位")))
        items.append((reverse("catalog:my_catalog"), _("本单位目录")))
    if user.has_role("authority_reviewer"):
        items.append((reverse("catalog:review_queue"), _("目录审核")))
    if can(user, "audit.view"):
        items.append((reverse("audit:record_list"), _("审计日志")))
    items.append((reverse("exchange:home"), _("数据交换")))
    items.append((reverse("opendata:manage"), _("开放数据")))
    if user.role_assignments():
        items.append((reverse("monitor:index"), _("监测分析")))
    if can(user, "alert.view", None):
        items.append((reverse("monitor:alert_list"), _("异常告警")))
    items.append((reverse("supervision:index"), _("监督检查")))
    if getattr(user, "is_operator", False):
        items.append((reverse("federation:home"), _("平台级联")))
        items.append((reverse("admin:index"), _("运维管理")))
    return {"nav_items": items}
