"""The navigation a person sees, by the roles they hold."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def navigation(request):
    user = request.user
    if not user.is_authenticated:
        return {"nav_items": []}
    items = [
        (reverse("home"), _("首页")),
        (reverse("orgs:region_tree"), _("行政区划与单位")),
    ]
    if user.organization_id:
        items.append((reverse("orgs:my_organization"), _("本单位")))
    items.append((reverse("exchange:home"), _("数据交换")))
    if getattr(user, "is_operator", False):
        items.append((reverse("admin:index"), _("运维管理")))
    return {"nav_items": items}
