"""The shape of application credentials: `gs_<key id>_<secret>`, kept only as a hash."""

import hashlib

TOKEN_PREFIX = "gs"  # noqa: S105 (a fixed prefix, not a secret)


def hash_secret(secret: str) -> str:
    """Credentials are random 256-bit secrets, so one SHA-256 suffices (no stretching)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def split_token(token: str, prefix: str = TOKEN_PREFIX) -> tuple[str, str] | None:
    """(key id, secret) of a well-formed token `<prefix>_<key id>_<secret>`, else None."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != prefix:
        return None
    return parts[1], parts[2]
