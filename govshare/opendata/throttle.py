"""Rate limits of the public interfaces (portal pages, downloads, the CKAN API, DCAT,
registration), counted with django-ratelimit in a cache every process shares (Django's database
cache, `GOVSHARE_OPENDATA_RATE_CACHE`).

The anonymous public is counted by address, a registrant by its id (a higher rate, set apart);
people logged in to the platform are not limited. Beyond the rate the answer is 429 with
`Retry-After`, the seconds left in the window. The database cache increments by read and write,
so under heavy concurrency a few requests more than the rate may pass: a throttle for fair use,
not a security boundary.
"""

from functools import wraps

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage

from govshare.core.context import client_address
from govshare.core.exceptions import NotAuthenticated

from .credentials import registrant_from_request


def _caller(request):
    """(key, rate) of the caller, or None for a logged-in person."""
    if request.user.is_authenticated:
        return None
    try:
        registrant = registrant_from_request(request)
    except NotAuthenticated:
        registrant = None
    if registrant is not None:
        return f"registrant:{registrant.pk}", settings.GOVSHARE_OPENDATA_REGISTRANT_RATE
    return f"ip:{client_address(request)}", settings.GOVSHARE_OPENDATA_ANONYMOUS_RATE


def _refusal(request, retry_after, json_body):
    message = _("访问过于频繁，请 %(n)d 秒后再试。") % {"n": retry_after}
    if json_body is not None:
        response = JsonResponse(json_body(message), status=429,
                                json_dumps_params={"ensure_ascii": False})
    else:
        response = render(request, "opendata/throttled.html", {"message": message}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def throttled(view=None, *, json_body=None):
    """Limit a public view; `json_body(message)` builds the body of a JSON refusal (the CKAN
    API answers in its own envelope), otherwise a page explains it."""

    def decorate(function):
        @wraps(function)
        def wrapper(request, *args, **kwargs):
            caller = _caller(request)
            if caller is not None:
                key, rate = caller
                usage = get_usage(request, group="opendata", key=lambda _g, _r: key,
                                  rate=rate, increment=True)
                if usage is not None and usage["should_limit"]:
                    return _refusal(request, max(1, usage["time_left"]), json_body)
            return function(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate
