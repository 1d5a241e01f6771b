"""Rate limits in front of every view (R18): logging in, failed credentials, anonymous callers.

Three counters per client address, kept with django-ratelimit in the database cache every
worker shares (`RATELIMIT_USE_CACHE`):

- `login`         POSTs to the login form. django-axes locks an *account* after repeated
                  failures; this bounds one address trying many accounts.
- `auth-failure`  API calls answered 401 while carrying an `Authorization` header. Once over the
                  rate, calls with a header are refused before their credential is looked up, so
                  guessing credentials costs the guesser, not the database.
- `anonymous`     every request with neither a session nor a credential (the login page, the
                  open-data portal, the API's 401s), but the load balancers' liveness ping.

A call whose bearer token this process has already verified (and not seen revoked) skips the
failed-credential counter: it is no guess, and reading the shared counter would put a database
query on every gateway call.

Logged-in people and applications with a working credential are not counted here: their load
is bounded by grants' quotas and by the gateway. Beyond a rate the answer is 429 with
`Retry-After`; the API answers in its JSON error shape.
"""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage

from govshare.core.context import client_address

from .authentication import recently_verified

AUTH_FAILURE = "auth-failure"


def _usage(request, group, address, rate, increment=True):
    return get_usage(request, group=group, key=lambda _group, _request: address, rate=rate,
                     increment=increment)


class RateLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        address = client_address(request)
        usage = self._usage_before(request, address)
        if usage is not None and usage["should_limit"]:
            return self._refusal(request, usage["time_left"])
        response = self.get_response(request)
        if response.status_code == 401 and "Authorization" in request.headers:
            _usage(request, AUTH_FAILURE, address, settings.GOVSHARE_AUTH_FAILURE_RATE)
        return response

    def _usage_before(self, request, address):
        if request.method == "POST" and request.path == reverse("login"):
            return _usage(request, "login", address, settings.GOVSHARE_LOGIN_RATE)
        if "Authorization" in request.headers:
            if recently_verified(request.headers["Authorization"]):
                return None
            usage = _usage(request, AUTH_FAILURE, address, settings.GOVSHARE_AUTH_FAILURE_RATE,
                           increment=False)
            if usage is None:  # rate limiting is off (RATELIMIT_ENABLE)
                return None
            # Read without counting: the rate's n failures are allowed, the next call is not.
            usage["should_limit"] = usage["count"] >= usage["limit"]
            return usage
        if not request.user.is_authenticated and request.path != reverse("api:ping"):
            return _usage(request, "anonymous", address, settings.GOVSHARE_ANONYMOUS_RATE)
        return None

    def _refusal(self, request, retry_after):
        retry_after = max(1, int(retry_after))
        message = _("访问过于频繁，请 %(n)d 秒后再试。") % {"n": retry_after}
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": message}, status=429,
                                    json_dumps_params={"ensure_ascii": False})
        else:
            response = render(request, "core/throttled.html", {"message": message}, status=429)
        response["Retry-After"] = str(retry_after)
        return response
