"""Service errors raised under a web view become pages; the caller's address is remembered,
and the permission denials of the request are recorded once its services have rolled back."""

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render

from .context import client_address, source_address
from .exceptions import NotAuthenticated, ServiceError
from .permissions import denials_recorded


class ChineseFirstMiddleware:
    """The web interface speaks Chinese until a person picks English with the language switch
    (kept in a cookie). Browsers are not asked: office PCs often ship with English defaults.
    API clients still choose the language of error messages with Accept-Language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class ServiceErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = source_address.set(client_address(request))
        try:
            with denials_recorded():
                return self.get_response(request)
        finally:
            source_address.reset(token)

    def process_exception(self, request, exception):
        if request.path.startswith("/api/"):
            return None
        if isinstance(exception, NotAuthenticated):
            return redirect_to_login(request.get_full_path())
        if isinstance(exception, ServiceError):
            return render(request, "core/error.html", {"error": exception},
                          status=exception.status_code)
        return None
