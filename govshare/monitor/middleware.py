"""Counts and times every request by the name of the view that answered it."""

import time

from .metrics import HTTP_LATENCY, HTTP_REQUESTS

METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def _view_name(request) -> str:
    """The URL pattern's name, never the raw path (ids in paths would explode the series)."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unresolved"
    return match.view_name or match._func_path


class MetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        labels = (_view_name(request),
                  request.method if request.method in METHODS else "other",
                  f"{response.status_code // 100}xx")
        HTTP_REQUESTS.labels(*labels).inc()
        HTTP_LATENCY.labels(*labels).observe(time.perf_counter() - started)
        return response
