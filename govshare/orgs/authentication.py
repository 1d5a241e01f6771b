"""Who is calling: an application by its bearer credential, or a person by their session."""

import hashlib
from datetime import timedelta

from ninja.security import HttpBearer, SessionAuth

from govshare.core import clock
from govshare.core.exceptions import NotAuthenticated
from govshare.core.localcache import LocalCache

from .models import Credential
from .tokens import secret_matches, split_token

# last_used_at is advisory; writing it on every call would put a write on the gateway's path.
LAST_USED_RESOLUTION = timedelta(minutes=5)
# Verified credentials by a digest of the whole token; emptied when any credential or
# application changes (orgs/apps.py), so a revocation holds from the next request.
_verified = LocalCache()


def _cache_key(token: str) -> bytes:
    # A plain digest: the cache is this process's memory, which sees the token anyway; the
    # keyed hash the database stores costs two HMACs, on every call.
    return hashlib.sha256(token.encode()).digest()


def application_from_token(token: str):
    """The application a bearer token belongs to; NotAuthenticated if revoked, expired or bad."""
    cache_key = _cache_key(token or "")
    credential = _verified.get(cache_key)
    now = clock.now()
    if credential is None:
        credential = _verified_credential(token)
        _verified.put(cache_key, credential)
    # Checked on every call, cached or not: an expiry needs no change to take effect.
    if not credential.is_usable(now):
        raise NotAuthenticated()
    if credential.last_used_at is None or now - credential.last_used_at > LAST_USED_RESOLUTION:
        Credential.objects.filter(pk=credential.pk).update(last_used_at=now)
        credential.last_used_at = now
    application = credential.application
    application.credential = credential
    return application


def recently_verified(authorization: str) -> bool:
    """Whether the `Authorization` header carries a bearer token this process verified and
    still holds: such a call is no guess, so the failed-credential limit need not read its
    counter for it (orgs/ratelimit.py)."""
    scheme, _, token = authorization.partition(" ")
    return scheme.lower() == "bearer" and _verified.get(_cache_key(token.strip())) is not None


def _verified_credential(token: str) -> Credential:
    parts = split_token(token or "")
    if parts is None:
        raise NotAuthenticated()
    key_id, secret = parts
    credential = (Credential.objects.select_related("application__organization")
                  .filter(key_id=key_id).first())
    if credential is None or not secret_matches(credential.secret_hash, secret):
        raise NotAuthenticated()
    return credential


class ApplicationBearer(HttpBearer):
    """`Authorization: Bearer gs_…` for consuming systems."""

    def authenticate(self, request, token):
        try:
            return application_from_token(token)
        except NotAuthenticated:
            return None


class PersonSession(SessionAuth):
    """A logged-in person's session (the web interface calling the API)."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


api_auth = [ApplicationBearer(), PersonSession()]
