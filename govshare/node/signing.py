"""The node's Ed25519 key and its HTTP Message Signatures (RFC 9421), shared with the platform.

Every request covers its method, path and query, and its Content-Digest (RFC 9530, SHA-256 of
the body, an empty body included), with `created` and `keyid` as signed parameters. `@path` and
`@query` rather than `@target-uri`: a TLS-terminating proxy in front of the platform changes the
scheme and host the platform sees, never the path.
"""

import base64
import hashlib
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from http_message_signatures import HTTPMessageSigner, HTTPSignatureKeyResolver, algorithms

from .state import write_atomically

COVERED_COMPONENTS = ("@method", "@path", "@query", "content-digest")
SIGNATURE_LABEL = "govshare"


def key_id_of(public_key: Ed25519PublicKey) -> str:
    """A stable name for a public key: known to the node before the platform has seen it."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "node-" + hashlib.sha256(raw).hexdigest()[:24]


def public_key_text(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def public_key_from_text(text: str) -> Ed25519PublicKey:
    raw = base64.b64decode(text, validate=True)
    return Ed25519PublicKey.from_public_bytes(raw)


def generate_key(path: Path) -> Ed25519PrivateKey:
    """A new key pair, its private half written to `path` readable by the owner only."""
    if path.exists():
        raise FileExistsError(f"{path} exists: refusing to replace a node's key")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    write_atomically(path, pem, mode=0o600)
    return key


def load_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    if os.name == "posix" and path.stat().st_mode & 0o077:
        raise PermissionError(f"{path} is readable by others; chmod 600 it")
    return key


class _OneKey(HTTPSignatureKeyResolver):
    def __init__(self, key_id: str, key: Ed25519PrivateKey):
        self.key_id, self.key = key_id, key

    def resolve_private_key(self, key_id: str):
        if key_id != self.key_id:
            raise KeyError(key_id)
        return self.key

    def resolve_public_key(self, key_id: str):
        return self.key.public_key()


class RequestSigner:
    """Signs outgoing requests (anything with method, url and mutable headers) in place."""

    def __init__(self, key: Ed25519PrivateKey):
        self.public_key = key.public_key()
        self.key_id = key_id_of(self.public_key)
        self._signer = HTTPMessageSigner(signature_algorithm=algorithms.ED25519,
                                         key_resolver=_OneKey(self.key_id, key))

    def sign(self, request, body: bytes) -> None:
        self._signer.sign(request, key_id=self.key_id, label=SIGNATURE_LABEL,
                          covered_component_ids=COVERED_COMPONENTS, body=body)
