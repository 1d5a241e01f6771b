"""`/metrics`: the Prometheus text exposition, for the operator's scrape credential only."""

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from govshare.core.exceptions import NotAuthenticated, PermissionDenied
from govshare.core.permissions import authorize
from govshare.orgs.authentication import application_from_token

from .collectors import TaskQueueCollector
from .metrics import REGISTRY, multiprocess_dir


def _exposition() -> bytes:
    scraped = CollectorRegistry(auto_describe=True)
    scraped.register(TaskQueueCollector())
    directory = multiprocess_dir()
    if directory:
        MultiProcessCollector(scraped, path=directory)
        return generate_latest(scraped)
    return generate_latest(REGISTRY) + generate_latest(scraped)


def _refusal(status, message):
    response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="govshare metrics"'
    return response


@require_GET
def metrics(request):
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    try:
        if scheme.lower() != "bearer":
            raise NotAuthenticated()
        application = application_from_token(token.strip())
        authorize(application, "metrics.scrape")
    except NotAuthenticated:
        return _refusal(401, _("需要平台运维单位监测系统的访问凭证。"))
    except PermissionDenied:
        return _refusal(403, _("此凭证无权读取监测指标。"))
    return HttpResponse(_exposition(), content_type=CONTENT_TYPE_LATEST)
