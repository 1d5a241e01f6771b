"""The JSON API at /api/v1/: one NinjaAPI, each app's router, and the one place where service
errors become HTTP responses."""

from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as SchemaValidationError

from govshare.audit.api import router as audit_router
from govshare.catalog.api import router as catalog_router
from govshare.core.exceptions import (
    NotAuthenticated,
    QuotaExceeded,
    ServiceError,
    ValidationError,
)
from govshare.exchange.api import delta_router
from govshare.exchange.api import router as exchange_router
from govshare.federation.api import router as federation_router
from govshare.monitor.api import router as monitor_router
from govshare.notifications.api import router as notifications_router
from govshare.opendata.api import router as opendata_router
from govshare.orgs.api import router as orgs_router
from govshare.orgs.authentication import api_auth
from govshare.services.api import router as services_router
from govshare.sharing.api import router as sharing_router
from govshare.supervision.api import router as supervision_router

api = NinjaAPI(
    title="govshare API",
    version="1",
    description="河北省政务信息资源共享平台接口 / Hebei government information sharing platform",
    urls_namespace="api",
    auth=api_auth,
    docs_url="/docs",
)
# First: URL resolution tries the routes in order, and service calls and data lookups are the
# hot paths (behind the other apps, a lookup's URL took a tenth of its time to resolve).
api.add_router("/", services_router)
api.add_router("/", exchange_router)
api.add_router("/", orgs_router)
api.add_router("/", catalog_router)
api.add_router("/", audit_router)
api.add_router("/delta-sharing", delta_router)
api.add_router("/notifications", notifications_router)
api.add_router("/sharing", sharing_router)
api.add_router("/", opendata_router)
api.add_router("/supervision", supervision_router)
api.add_router("/monitor", monitor_router)
api.add_router("/", federation_router)


@api.exception_handler(ServiceError)
def service_error(request, exc: ServiceError):
    body = {"detail": str(exc.message)}
    if getattr(exc, "field_errors", None):
        body["errors"] = exc.field_errors
    response = api.create_response(request, body, status=exc.status_code)
    if isinstance(exc, QuotaExceeded):
        response["Retry-After"] = str(exc.context.get("retry_after", 60))
    return response


@api.exception_handler(SchemaValidationError)
def schema_error(request, exc: SchemaValidationError):
    """Ninja's parse errors, reshaped like ours: each message under the field it concerns."""
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        location = [str(p) for p in error.get("loc", [])
                    if p not in ("body", "query", "path", "payload")]
        errors.setdefault(".".join(location) or "__all__", []).append(error.get("msg", ""))
    response = service_error(request, ValidationError(errors))
    response.status_code = 422
    return response


@api.exception_handler(AuthenticationError)
def authentication_error(request, exc):
    return service_error(request, NotAuthenticated())


@api.exception_handler(MultiPartParserError)
def multipart_error(request, exc):
    """A malformed multipart body is the caller's error, answered in the API's JSON shape."""
    return service_error(request, ValidationError())
