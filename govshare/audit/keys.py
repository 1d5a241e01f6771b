"""The platform's checkpoint signing key: a PEM file outside the database, made on first use.

Each signature algorithm has its own file: `GOVSHARE_AUDIT_KEY_FILE` holds the Ed25519 key of
the international profile, and the national profile's SM2 key sits beside it with `-sm2` added
to the name. After a change of profile the other file's public key stays trusted, so the
checkpoints signed before the change keep verifying.

Whoever can write the database must not also be able to sign checkpoints, so the private key
lives in a file (`GOVSHARE_AUDIT_KEY_FILE`, by default under DATA_DIR) readable by the platform's
account only. Its public key is published (the key page, the API, every exported checkpoint).
Other public keys are trusted when listed in `GOVSHARE_AUDIT_TRUSTED_KEYS`: retired signing keys
(for the checkpoints they signed), or the platform's key when a copy of the database is
verified on another machine.
"""

import logging
import stat
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from govshare.core import crypto, keyring

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PublicKey:
    algorithm: str
    key_id: str
    pem: str


KEY_FILE_SUFFIXES = {"ed25519": "", "sm2-sm3": "-sm2"}


def signature_algorithm() -> str:
    return crypto.profile(settings.GOVSHARE_CRYPTO_PROFILE).signature


def key_path(algorithm: str | None = None) -> Path:
    base = Path(settings.GOVSHARE_AUDIT_KEY_FILE)
    suffix = KEY_FILE_SUFFIXES[algorithm or signature_algorithm()]
    return base.with_name(base.stem + suffix + base.suffix)


def _create(path: Path, algorithm: str) -> None:
    if keyring.create_key_file(path, crypto.generate_private_key(algorithm)):
        logger.warning("created the audit signing key %s; back it up and publish its public "
                       "key to the sharing authority", path)


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
    """The public keys checkpoints may be signed with, by key id: the key of each profile whose
    key file exists, and the listed ones. Verifying never creates a key: on a machine without
    the key files (a copy of the database checked elsewhere) only the listed keys are trusted."""
    keys = []
    for algorithm in KEY_FILE_SUFFIXES:
        path = key_path(algorithm)
        if path.exists():
            pem = crypto.public_key_pem(algorithm, path.read_bytes())
            keys.append(PublicKey(algorithm, crypto.key_id(pem), pem))
    for name in settings.GOVSHARE_AUDIT_TRUSTED_KEYS:
        pem = Path(name).read_text()
        keys.append(PublicKey(crypto.public_key_algorithm(pem), crypto.key_id(pem), pem))
    return {key.key_id: key for key in keys}
