"""Who is calling: an application by its bearer credential, or a person by their session."""

from datetime import timedelta

from ninja.security import HttpBearer, SessionAuth

from govshare.core import clock
from govshare.core.exceptions import NotAuthenticated
from govshare.core.localcache import LocalCache

from .models import Credential
from .tokens import hash_secret, secret_matches, split_token

# last_used_at is advisory; writing it on every call would put a write on the gateway's path.
LAST_USED_RESOLUTION = timedelta(minutes=5)
# Verified credentials by the hash of the whole token; emptied when any credential or
# application changes (orgs/apps.py), so a revocation holds from the next request.
_verified = LocalCache()


def application_from_token(token: str):
    """The application a bearer token belongs to; NotAuthenticated if revoked, expired or bad."""
    token_hash = hash_secret(token or "")
    credential = _verified.get(token_hash)
    now = clock.now()
    if credential is None:
        credential = _verified_credential(token)
        _verified.put(token_hash, credential)
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
    counter for it (core/ratelimit.py)."""
    scheme, _, token = authorization.partition(" ")
    return scheme.lower() == "bearer" and _verified.get(hash_secret(token.strip())) is not None


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
