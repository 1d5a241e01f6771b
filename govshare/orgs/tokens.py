"""The shape of application credentials: `gs_<key id>_<secret>`, kept only as a keyed hash."""

import hmac

from govshare.core import keyring

TOKEN_PREFIX = "gs"  # noqa: S105 (a fixed prefix, not a secret)


def hash_secret(secret: str) -> str:
    """Credentials are random 256-bit secrets, so one keyed hash suffices (no stretching): the
    profile's HMAC (HMAC-SM3 under the national profile) under the platform's secrets key."""
    return keyring.credential_hash(secret)


def secret_matches(stored_hash: str, secret: str) -> bool:
    """True when `secret` is the one `stored_hash` was made from, whichever profile and key
    made it (hashes written before a change of profile or key keep verifying)."""
    return any(hmac.compare_digest(stored_hash, candidate)
               for candidate in keyring.credential_candidates(secret))


def split_token(token: str, prefix: str = TOKEN_PREFIX) -> tuple[str, str] | None:
    """(key id, secret) of a well-formed token `<prefix>_<key id>_<secret>`, else None."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != prefix:
        return None
    return parts[1], parts[2]
