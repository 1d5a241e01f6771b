"""Whether an information project shares (R9): what it will produce is catalogued (published)
and what it will run is connected to the platform, as a consuming application or an exchange
node of its department. A secret project is exempt."""

from django.utils.translation import gettext as _

from govshare.catalog.models import Resource
from govshare.exchange.models import Node


def _resource_gap(planned) -> str | None:
    resource = planned.resource
    if resource is None:
        return _("%(name)s（未编入目录）") % {"name": planned.name}
    if resource.status != Resource.Status.PUBLISHED or resource.current is None:
        return _("%(name)s（%(code)s，%(status)s）") % {
            "name": planned.name, "code": resource.code, "status": resource.get_status_display()}
    return None


def _system_gap(system) -> str | None:
    if system.application_id and system.application.is_active:
        return None
    if system.node_id and system.node.state == Node.State.APPROVED:
        return None
    return system.name


def sharing_gaps(project) -> dict[str, list[str]]:
    """What keeps `project` from sharing, by field (`resources`, `systems`); empty when it
    shares or is secret."""
    if project.is_secret:
        return {}
    gaps = {}
    planned = list(project.planned_resources.select_related("resource__published_version"))
    missing = [gap for gap in map(_resource_gap, planned) if gap]
    if not planned:
        gaps["resources"] = [_("未登记项目将产生的信息资源。")]
    elif missing:
        gaps["resources"] = [_("以下信息资源尚未编目发布：%(names)s。")
                             % {"names": "、".join(missing)}]
    systems = list(project.systems.select_related("application", "node"))
    unconnected = [gap for gap in map(_system_gap, systems) if gap]
    if not systems:
        gaps["systems"] = [_("未登记项目将运行的信息系统。")]
    elif unconnected:
        gaps["systems"] = [_("以下信息系统未在平台登记为应用系统或经批准的交换节点：%(names)s。")
                           % {"names": "、".join(unconnected)}]
    return gaps
