"""Who a request to the open data portal comes from: a registrant by its credential, or the
anonymous public. Registrant credentials (`god_<key id>_<secret>`) are accepted as
`Authorization: Bearer …` and, as CKAN clients send API keys, as the bare `Authorization` value.
"""

from datetime import timedelta

from govshare.core import clock
from govshare.core.exceptions import NotAuthenticated
from govshare.orgs.tokens import secret_matches, split_token

from .models import RegistrantCredential

TOKEN_PREFIX = "god"  # noqa: S105 (a fixed prefix, not a secret)
# last_used_at is advisory: a write on every download would only slow them.
LAST_USED_RESOLUTION = timedelta(minutes=5)


def registrant_from_token(token: str):
    """The active registrant holding `token`; NotAuthenticated when it is bad or revoked."""
    parts = split_token(token or "", TOKEN_PREFIX)
    if parts is None:
        raise NotAuthenticated()
    credential = (RegistrantCredential.objects.select_related("registrant")
                  .filter(key_id=parts[0]).first())
    if credential is None or not secret_matches(credential.secret_hash, parts[1]):
        raise NotAuthenticated()
    if credential.revoked_at is not None or not credential.registrant.is_active:
        raise NotAuthenticated()
    now = clock.now()
    if credential.last_used_at is None or now - credential.last_used_at > LAST_USED_RESOLUTION:
        RegistrantCredential.objects.filter(pk=credential.pk).update(last_used_at=now)
    return credential.registrant


def registrant_from_request(request):
    """The registrant whose credential the request carries, None when it carries none;
    NotAuthenticated when it carries a bad one (a typo should not look like anonymity)."""
    header = request.headers.get("Authorization", "").strip()
    token = header.removeprefix("Bearer ").strip()
    if not token.startswith(f"{TOKEN_PREFIX}_"):
        return None
    return registrant_from_token(token)
