"""The platform's checkpoint signing key: a PEM file outside the database, made on first use.

Whoever can write the database must not also be able to sign checkpoints, so the private key
lives in a file (`GOVSHARE_AUDIT_KEY_FILE`, by default under DATA_DIR) readable by the platform's
account only. Its public key is published (the key page, the API, every exported checkpoint).
Other public keys are trusted when listed in `GOVSHARE_AUDIT_TRUSTED_KEYS`: retired signing keys
(for the checkpoints they signed), or the platform's key when a copy of the database is
verified on another machine.
"""

import logging
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from govshare.core import crypto

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PublicKey:
    algorithm: str
    key_id: str
    pem: str


def key_path() -> Path:
    return Path(settings.GOVSHARE_AUDIT_KEY_FILE)


def signature_algorithm() -> str:
    return crypto.PROFILES[settings.GOVSHARE_CRYPTO_PROFILE].signature


def _create(path: Path, algorithm: str) -> None:
    """Write a new key so that no process ever reads a half-written file, and two processes
    starting together end up with one key: a private temporary file, then a hard link, which
    fails if the name exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".audit-key-")
    try:
        os.write(descriptor, crypto.generate_private_key(algorithm))
        os.fchmod(descriptor, 0o600)
        os.close(descriptor)
        try:
            os.link(temporary, path)
        except FileExistsError:
            return
        logger.warning("created the audit signing key %s; back it up and publish its public "
                       "key to the sharing authority", path)
    finally:
        os.unlink(temporary)


def private_key() -> bytes:
    """The signing key's PEM, creating the key file with mode 0600 on first use."""
    path = key_path()
    if not path.exists():
        _create(path, signature_algorithm())
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        logger.warning("the audit signing key %s is readable by others (mode %o); "
                       "run chmod 600 on it", path, mode)
    return path.read_bytes()


def current_public_key() -> PublicKey:
    algorithm = signature_algorithm()
    pem = crypto.public_key_pem(algorithm, private_key())
    return PublicKey(algorithm, crypto.key_id(pem), pem)


def trusted_keys() -> dict[str, PublicKey]:
    """The public keys checkpoints may be signed with, by key id. Verifying never creates a
    key: on a machine without the key file (a copy of the database checked elsewhere) only
    the listed public keys are trusted."""
    keys = [current_public_key()] if key_path().exists() else []
    for name in settings.GOVSHARE_AUDIT_TRUSTED_KEYS:
        pem = Path(name).read_text()
        keys.append(PublicKey(signature_algorithm(), crypto.key_id(pem), pem))
    return {key.key_id: key for key in keys}
