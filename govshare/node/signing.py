"""The node's key and its HTTP Message Signatures (RFC 9421), shared with the platform.

A node's key is Ed25519 (`alg="ed25519"`, RFC 9421 3.3.6) or, under the national cryptography
profile, SM2 with SM3 and the default user ID of GM/T 0009 (`alg="sm2-sm3"`, this platform's
name: RFC 9421 has none for SM2; the signature is r || s, 64 bytes). The algorithm belongs to
the key: a node keeps the algorithm it registered with, whatever the platform's profile, and
the platform verifies each node's requests with its registered key's algorithm.

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
from http_message_signatures.exceptions import HTTPMessageSignaturesException, InvalidSignature

from govshare.core.crypto import SM2PrivateKey, SM2PublicKey

from .state import write_atomically

COVERED_COMPONENTS = ("@method", "@path", "@query", "content-digest")
SIGNATURE_LABEL = "govshare"
SM2_KEY_PREFIX = "sm2:"

PrivateKey = Ed25519PrivateKey | SM2PrivateKey
PublicKey = Ed25519PublicKey | SM2PublicKey


class SM2_SM3(algorithms.HTTPSignatureAlgorithm):  # noqa: N801 (the library's naming)
    """SM2 with SM3 (GB/T 32918.2) for RFC 9421, over `govshare.core.crypto`'s SM2 keys."""

    algorithm_id = "sm2-sm3"

    def __init__(self, public_key=None, private_key=None):
        if public_key is not None and not isinstance(public_key, SM2PublicKey):
            raise HTTPMessageSignaturesException("Unexpected public key type")
        if private_key is not None and not isinstance(private_key, SM2PrivateKey):
            raise HTTPMessageSignaturesException("Unexpected private key type")
        self.public_key, self.private_key = public_key, private_key

    def sign(self, message: bytes):
        return self.private_key.sign(message)

    def verify(self, signature: bytes, message: bytes):
        if not self.public_key.verify(signature, message):
            raise InvalidSignature("the SM2 signature does not match")


HTTP_ALGORITHMS = {"ed25519": algorithms.ED25519, "sm2-sm3": SM2_SM3}


def algorithm_of(key: PrivateKey | PublicKey) -> str:
    return "sm2-sm3" if isinstance(key, SM2PrivateKey | SM2PublicKey) else "ed25519"


def _raw(public_key: PublicKey) -> bytes:
    if isinstance(public_key, SM2PublicKey):
        return public_key.point
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id_of(public_key: PublicKey) -> str:
    """A stable name for a public key: known to the node before the platform has seen it."""
    return "node-" + hashlib.sha256(_raw(public_key)).hexdigest()[:24]


def public_key_text(public_key: PublicKey) -> str:
    """An Ed25519 key as the base64 of its 32 bytes; an SM2 key as `sm2:` and the base64 of its
    uncompressed point."""
    text = base64.b64encode(_raw(public_key)).decode()
    return SM2_KEY_PREFIX + text if isinstance(public_key, SM2PublicKey) else text


def public_key_from_text(text: str) -> PublicKey:
    if text.startswith(SM2_KEY_PREFIX):
        return SM2PublicKey(base64.b64decode(text.removeprefix(SM2_KEY_PREFIX), validate=True))
    raw = base64.b64decode(text, validate=True)
    return Ed25519PublicKey.from_public_bytes(raw)


def generate_key(path: Path, algorithm: str = "ed25519") -> PrivateKey:
    """A new key pair, its private half written to `path` readable by the owner only."""
    if path.exists():
        raise FileExistsError(f"{path} exists: refusing to replace a node's key")
    if algorithm == "sm2-sm3":
        key = SM2PrivateKey.generate()
        pem = key.pem()
    else:
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    write_atomically(path, pem, mode=0o600)
    return key


def load_key(path: Path) -> PrivateKey:
    pem = path.read_bytes()
    if b"-----BEGIN EC PRIVATE KEY-----" in pem:
        key = SM2PrivateKey.from_pem(pem)
    else:
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} holds neither an Ed25519 nor an SM2 private key")
    if os.name == "posix" and path.stat().st_mode & 0o077:
        raise PermissionError(f"{path} is readable by others; chmod 600 it")
    return key


class _OneKey(HTTPSignatureKeyResolver):
    def __init__(self, key_id: str, key: PrivateKey):
        self.key_id, self.key = key_id, key

    def resolve_private_key(self, key_id: str):
        if key_id != self.key_id:
            raise KeyError(key_id)
        return self.key

    def resolve_public_key(self, key_id: str):
        return self.key.public_key()


class RequestSigner:
    """Signs outgoing requests (anything with method, url and mutable headers) in place."""

    def __init__(self, key: PrivateKey):
        self.public_key = key.public_key()
        self.key_id = key_id_of(self.public_key)
        self.algorithm = algorithm_of(key)
        self._signer = HTTPMessageSigner(signature_algorithm=HTTP_ALGORITHMS[self.algorithm],
                                         key_resolver=_OneKey(self.key_id, key))

    def sign(self, request, body: bytes) -> None:
        self._signer.sign(request, key_id=self.key_id, label=SIGNATURE_LABEL,
                          covered_component_ids=COVERED_COMPONENTS, body=body)
