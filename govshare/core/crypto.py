"""Digests and signatures by algorithm name, so a cryptographic profile is one setting.

The audit chain stores the name of the digest that made each record and each checkpoint names
its signature algorithm; verification looks the functions up here by those names. A national
profile (SM3 digest, SM2 signature) is added by registering an SM2 signer and a `PROFILES`
entry: SM3 is here already (OpenSSL's, through hashlib). No Django import: the exchange node and
offline verifiers use this module too.
"""

import base64
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

DIGESTS = {
    "sha256": lambda data: hashlib.sha256(data).hexdigest(),
    "sm3": lambda data: hashlib.new("sm3", data).hexdigest(),
}


@dataclass(frozen=True)
class Profile:
    """The digest for hash chains and the signature algorithm for checkpoints."""

    digest: str
    signature: str


PROFILES = {"standard": Profile(digest="sha256", signature="ed25519")}


class UnknownAlgorithm(ValueError):
    """A stored record or checkpoint names an algorithm this installation does not have."""


def digest(algorithm: str, data: bytes) -> str:
    """The hex digest of `data` under the named algorithm."""
    try:
        function = DIGESTS[algorithm]
    except KeyError:
        raise UnknownAlgorithm(algorithm) from None
    return function(data)


class _Ed25519:
    """RFC 8032 Ed25519 through the `cryptography` package; keys as PKCS#8 / SPKI PEM."""

    @staticmethod
    def generate() -> bytes:
        return Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    @staticmethod
    def public_pem(private_pem: bytes) -> str:
        key = serialization.load_pem_private_key(private_pem, password=None)
        return key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo,
        ).decode()

    @staticmethod
    def sign(private_pem: bytes, data: bytes) -> bytes:
        key = serialization.load_pem_private_key(private_pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise UnknownAlgorithm("the key file does not hold an Ed25519 key")
        return key.sign(data)

    @staticmethod
    def verify(public_pem: str, data: bytes, signature: bytes) -> bool:
        try:
            key = serialization.load_pem_public_key(public_pem.encode())
        except ValueError:
            return False
        if not isinstance(key, Ed25519PublicKey):
            return False
        try:
            key.verify(signature, data)
        except InvalidSignature:
            return False
        return True


SIGNERS = {"ed25519": _Ed25519}


def _signer(algorithm: str):
    try:
        return SIGNERS[algorithm]
    except KeyError:
        raise UnknownAlgorithm(algorithm) from None


def generate_private_key(algorithm: str) -> bytes:
    """A new private key, PEM-encoded and unencrypted (the file's mode protects it)."""
    return _signer(algorithm).generate()


def public_key_pem(algorithm: str, private_pem: bytes) -> str:
    return _signer(algorithm).public_pem(private_pem)


def key_id(public_pem: str) -> str:
    """A short, stable name for a public key: SHA-256 of its PEM text, first 16 hex digits."""
    return hashlib.sha256(public_pem.strip().encode()).hexdigest()[:16]


def sign(algorithm: str, private_pem: bytes, data: bytes) -> str:
    """The signature of `data`, base64-encoded."""
    return base64.b64encode(_signer(algorithm).sign(private_pem, data)).decode()


def verify(algorithm: str, public_pem: str, data: bytes, signature_b64: str) -> bool:
    """True when `signature_b64` is a valid signature of `data` under `public_pem`."""
    try:
        signature = base64.b64decode(signature_b64, validate=True)
    except ValueError:
        return False
    return _signer(algorithm).verify(public_pem, data, signature)
