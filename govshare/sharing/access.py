"""The check the exchange makes on every data access: which grant lets this application read
these data items of this resource right now (R14, R15).

It reads the database each time, so a revocation, a suspension or the end of a validity takes
effect on the very next request.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govshare.catalog.models import Resource
from govshare.core import clock
from govshare.core.exceptions import PermissionDenied

from .models import Grant

# Why access was refused, by the state of the application's latest grant for the resource.
_REASONS = {
    Grant.State.ACTIVE: ("expired", gettext_lazy("该授权已过期。")),  # past valid_until
    Grant.State.SUSPENDED: ("suspended", gettext_lazy("该授权已暂停。")),
    Grant.State.REVOKED: ("revoked", gettext_lazy("该授权已撤销。")),
    Grant.State.EXPIRED: ("expired", gettext_lazy("该授权已过期。")),
    Grant.State.PENDING: ("pending_activation", gettext_lazy("该授权尚待平台运维单位实施。")),
}


def grant_check(application, resource_code, items):
    """The active grant letting `application` read `items` (data item identifiers) of the
    resource `resource_code` today; otherwise PermissionDenied, whose `context["reason"]` is
    one of no_grant, revoked, expired, suspended, pending_activation, items_not_granted,
    application_inactive, resource_withdrawn."""
    wanted = set(items)
    if not application.is_active:
        raise PermissionDenied(_("应用系统已停用。"), reason="application_inactive")
    grants = list(Grant.objects.filter(application=application, resource__code=resource_code)
                  .select_related("resource").order_by("-created_at", "-pk"))
    if not grants:
        raise PermissionDenied(_("本应用系统未获得该资源的授权。"), reason="no_grant",
                               resource=resource_code)
    if grants[0].resource.status == Resource.Status.WITHDRAWN:
        raise PermissionDenied(_("该资源已撤销，不再共享。"), reason="resource_withdrawn",
                               resource=resource_code)
    today = clock.today()
    usable = [g for g in grants if g.is_usable(today)]
    for grant in usable:
        if wanted <= set(grant.items):
            return grant
    if usable:
        granted = set().union(*(set(g.items) for g in usable))
        missing = sorted(wanted - granted) or sorted(wanted)
        raise PermissionDenied(
            _("授权不包含信息项：%(items)s。") % {"items": "、".join(missing)},
            reason="items_not_granted", items=missing,
        )
    reason, message = _REASONS[grants[0].state]
    raise PermissionDenied(message, reason=reason, resource=resource_code)
