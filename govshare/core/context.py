"""Per-request facts services need but should not take as arguments (the caller's address).

Services still write their own audit records; this only tells them where a call came from.
Outside a request (tasks, commands) the values are empty.
"""

import contextvars

source_address = contextvars.ContextVar("source_address", default="")


def client_address(request):
    """The caller's address as the web server saw it."""
    return request.META.get("REMOTE_ADDR", "")
