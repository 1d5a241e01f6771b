"""The platform's own keys toward providers: the Ed25519 key it signs proxied requests with
(RFC 9421, through `govshare.node.signing`, so a provider verifies them exactly as the platform
verifies a node's), and the AES-GCM key that keeps providers' credentials encrypted in the
database. Both live in files outside the database, created (mode 0600) on first use, and are
read once per process.
"""

import base64
import functools
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from govshare.node.signing import RequestSigner, generate_key, load_key, public_key_text

_NONCE_BYTES = 12


def _create_once(path: Path, create) -> None:
    """`create(path)` unless the file exists; another process creating it a moment ago is
    fine (`create` raises FileExistsError then)."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        create(path)
    except FileExistsError:
        pass


@functools.cache
def _signer_at(path: str) -> RequestSigner:
    _create_once(Path(path), generate_key)
    return RequestSigner(load_key(Path(path)))


def signer() -> RequestSigner:
    """The platform's request signer (its key loaded once per process)."""
    return _signer_at(str(settings.GOVSHARE_SERVICES_SIGNING_KEY_FILE))


def published_key() -> dict:
    """What a provider needs to verify the platform's signatures."""
    current = signer()
    pem = current.public_key.public_bytes(serialization.Encoding.PEM,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)
    return {"key_id": current.key_id, "algorithm": "ed25519",
            "public_key": public_key_text(current.public_key), "public_key_pem": pem.decode()}


def _write_cipher_key(path: Path) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(AESGCM.generate_key(bit_length=256))


@functools.cache
def _cipher_at(path: str) -> AESGCM:
    key_path = Path(path)
    _create_once(key_path, _write_cipher_key)
    key = key_path.read_bytes()
    if len(key) != 32:
        raise RuntimeError(f"the service credential key {key_path} is empty or damaged")
    return AESGCM(key)


def _cipher() -> AESGCM:
    return _cipher_at(str(settings.GOVSHARE_SERVICES_CREDENTIAL_KEY_FILE))


def seal(text: str) -> str:
    """`text` encrypted for storage; empty stays empty."""
    if not text:
        return ""
    nonce = secrets.token_bytes(_NONCE_BYTES)
    return base64.b64encode(nonce + _cipher().encrypt(nonce, text.encode(), None)).decode()


def unseal(stored: str) -> str:
    """The clear text of what `seal` stored."""
    if not stored:
        return ""
    raw = base64.b64decode(stored)
    return _cipher().decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], None).decode()
