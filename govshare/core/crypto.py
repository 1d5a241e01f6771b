"""Digests, keyed hashes, signatures and authenticated encryption by algorithm name, so a
cryptographic profile is one setting.

Two profiles: `international` (SHA-256, Ed25519, AES-256-GCM, HMAC-SHA256) and `national`, the
commercial cryptography of GB/T 39786 (SM3, SM2 with SM3, SM4-GCM, HMAC-SM3). Everything the
platform writes names the algorithm that made it (audit records, checkpoints, sealed secrets,
node keys), and reading looks the functions up here by that name, so a platform that changes
profile keeps verifying and decrypting what it wrote before.

SM3 and SM4 are OpenSSL's (through hashlib and `cryptography`); SM2 is `gmalg`'s, since neither
offers it. No Django import: the exchange node and offline verifiers use this module too.
"""

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass

import gmalg
from cryptography.exceptions import InvalidSignature, InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def _sm3_pure(data: bytes) -> bytes:
    sm3 = gmalg.SM3()
    sm3.update(data)
    return sm3.value()


def _hmac_pure(hash_function, key: bytes, data: bytes) -> bytes:
    """RFC 2104 over a 64-byte-block hash given as a function."""
    key = hash_function(key) if len(key) > 64 else key
    key = key.ljust(64, b"\x00")
    inner = hash_function(bytes(b ^ 0x36 for b in key) + data)
    return hash_function(bytes(b ^ 0x5C for b in key) + inner)


# OpenSSL builds without SM3 exist (some FIPS-only distributions); gmalg's stands in for them.
SM3_FROM_OPENSSL = "sm3" in hashlib.algorithms_available

DIGESTS = {
    "sha256": lambda data: hashlib.sha256(data).hexdigest(),
    "sm3": ((lambda data: hashlib.new("sm3", data).hexdigest()) if SM3_FROM_OPENSSL
            else (lambda data: _sm3_pure(data).hex())),
}


@dataclass(frozen=True)
class Profile:
    """The algorithms of one profile: chain digest, signatures, encryption at rest, keyed hash."""

    digest: str
    signature: str
    cipher: str = "aes-256-gcm"
    mac: str = "hmac-sha256"


PROFILES = {
    "international": Profile(digest="sha256", signature="ed25519", cipher="aes-256-gcm",
                             mac="hmac-sha256"),
    "national": Profile(digest="sm3", signature="sm2-sm3", cipher="sm4-gcm", mac="hmac-sm3"),
}


class UnknownAlgorithm(ValueError):
    """A stored record or checkpoint names an algorithm this installation does not have."""


class DecryptionFailed(ValueError):
    """A sealed value was altered, or was sealed under a key this installation does not hold."""


def profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise UnknownAlgorithm(f"unknown cryptographic profile {name!r}; "
                               f"one of {', '.join(PROFILES)}") from None


def digest(algorithm: str, data: bytes) -> str:
    """The hex digest of `data` under the named algorithm."""
    try:
        function = DIGESTS[algorithm]
    except KeyError:
        raise UnknownAlgorithm(algorithm) from None
    return function(data)


MACS = {"hmac-sha256": "sha256", "hmac-sm3": "sm3"}


def mac(algorithm: str, key: bytes, data: bytes) -> str:
    """The hex keyed hash (RFC 2104 HMAC) of `data` under the named algorithm."""
    try:
        name = MACS[algorithm]
    except KeyError:
        raise UnknownAlgorithm(algorithm) from None
    if name == "sm3" and not SM3_FROM_OPENSSL:
        return _hmac_pure(_sm3_pure, key, data).hex()
    return hmac.new(key, data, name).hexdigest()


# Authenticated encryption: a 96-bit random nonce, and the GCM tag after the ciphertext.
NONCE_BYTES = 12
CIPHER_KEY_BYTES = {"aes-256-gcm": 32, "sm4-gcm": 16}


def _gcm_sm4_encrypt(key, nonce, plaintext, associated):
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(associated)
    return encryptor.update(plaintext) + encryptor.finalize() + encryptor.tag


def _gcm_sm4_decrypt(key, nonce, sealed, associated):
    ciphertext, tag = sealed[:-16], sealed[-16:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(associated)
    return decryptor.update(ciphertext) + decryptor.finalize()


_CIPHERS = {
    "aes-256-gcm": (lambda k, n, p, a: AESGCM(k).encrypt(n, p, a),
                    lambda k, n, c, a: AESGCM(k).decrypt(n, c, a)),
    "sm4-gcm": (_gcm_sm4_encrypt, _gcm_sm4_decrypt),
}


def _cipher(algorithm: str, key: bytes):
    try:
        functions = _CIPHERS[algorithm]
    except KeyError:
        raise UnknownAlgorithm(algorithm) from None
    if len(key) != CIPHER_KEY_BYTES[algorithm]:
        raise ValueError(f"{algorithm} takes a {CIPHER_KEY_BYTES[algorithm]}-byte key")
    return functions


def encrypt(algorithm: str, key: bytes, plaintext: bytes, associated: bytes = b"",
            nonce: bytes | None = None) -> bytes:
    """nonce || ciphertext || tag. `nonce` is for test vectors only: never reuse one."""
    seal, _ = _cipher(algorithm, key)
    nonce = os.urandom(NONCE_BYTES) if nonce is None else nonce
    return nonce + seal(key, nonce, plaintext, associated)


def decrypt(algorithm: str, key: bytes, sealed: bytes, associated: bytes = b"") -> bytes:
    _, unseal = _cipher(algorithm, key)
    try:
        return unseal(key, sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], associated)
    except (InvalidTag, ValueError):
        raise DecryptionFailed("the sealed value does not authenticate under this key") from None


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
        try:
            key = serialization.load_pem_private_key(private_pem, password=None)
        except (ValueError, UnsupportedAlgorithm):
            key = None
        if not isinstance(key, Ed25519PrivateKey):
            raise UnknownAlgorithm("the key file does not hold an Ed25519 key")
        return key.sign(data)

    @staticmethod
    def verify(public_pem: str, data: bytes, signature: bytes) -> bool:
        try:
            key = serialization.load_pem_public_key(public_pem.encode())
        except (ValueError, UnsupportedAlgorithm):
            return False
        if not isinstance(key, Ed25519PublicKey):
            return False
        try:
            key.verify(signature, data)
        except InvalidSignature:
            return False
        return True


# SM2 (GB/T 32918, GM/T 0003) with SM3, the signer's identity hashed in with the default user
# ID of GM/T 0009. Keys are in the encodings OpenSSL and GmSSL read: SEC1 `EC PRIVATE KEY` and
# SubjectPublicKeyInfo, both naming the curve sm2p256v1 (1.2.156.10197.1.301). A signature is
# r || s, 32 bytes each, as RFC 9421 and JWS write ECDSA signatures.
SM2_USER_ID = b"1234567812345678"
_SM2_CURVE_OID = bytes.fromhex("06082a811ccf5501822d")
_SM2_SPKI_PREFIX = bytes.fromhex("3059301306072a8648ce3d0201") + _SM2_CURVE_OID + b"\x03\x42\x00"
_SM2_SEC1_PREFIX = bytes.fromhex("30770201010420")
_SM2_SEC1_MIDDLE = b"\xa0\x0a" + _SM2_CURVE_OID + bytes.fromhex("a144034200")
# sm2p256v1 (GB/T 32918.5): y^2 = x^3 + ax + b over F_p.
_SM2_P = 0xFFFFFFFE_FFFFFFFF_FFFFFFFF_FFFFFFFF_FFFFFFFF_00000000_FFFFFFFF_FFFFFFFF
_SM2_A = _SM2_P - 3
_SM2_B = 0x28E9FA9E_9D9F5E34_4D5A9E4B_CF6509A7_F39789F5_15AB8F92_DDBCBD41_4D940E93


def _pem(label: str, der: bytes) -> str:
    body = base64.encodebytes(der).decode().replace("\n", "")
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----", ""])


def _unpem(label: str, text: str | bytes) -> bytes:
    if isinstance(text, bytes):
        text = text.decode("ascii", "replace")
    begin, end = f"-----BEGIN {label}-----", f"-----END {label}-----"
    if begin not in text or end not in text:
        raise ValueError(f"not a PEM {label}")
    body = text.split(begin, 1)[1].split(end, 1)[0]
    return base64.b64decode("".join(body.split()), validate=True)


class SM2PublicKey:
    """An SM2 public key: the uncompressed point 04 || x || y, checked to lie on the curve."""

    def __init__(self, point: bytes):
        if len(point) != 65 or point[0] != 4:
            raise ValueError("an SM2 public key is a 65-byte uncompressed point")
        x, y = int.from_bytes(point[1:33]), int.from_bytes(point[33:])
        # The curve's cofactor is 1, so a point on it is a valid public key (GB/T 32918.1 6.2).
        if not (x < _SM2_P and y < _SM2_P
                and (y * y - (x * x * x + _SM2_A * x + _SM2_B)) % _SM2_P == 0):
            raise ValueError("the SM2 public key is not a point of the curve")
        self.point = point

    def pem(self) -> str:
        return _pem("PUBLIC KEY", _SM2_SPKI_PREFIX + self.point)

    @classmethod
    def from_pem(cls, text: str) -> "SM2PublicKey":
        der = _unpem("PUBLIC KEY", text)
        if not der.startswith(_SM2_SPKI_PREFIX):
            raise ValueError("not an SM2 public key")
        return cls(der[len(_SM2_SPKI_PREFIX):])

    def verify(self, signature: bytes, data: bytes, user_id: bytes = SM2_USER_ID) -> bool:
        if len(signature) != 64:
            return False
        verifier = gmalg.SM2(uid=user_id, pk=self.point)
        return verifier.verify(data, signature[:32], signature[32:])


class SM2PrivateKey:
    """An SM2 private key d, 1 ≤ d ≤ n − 2."""

    def __init__(self, secret: bytes, *, random_k=None):
        if len(secret) != 32:
            raise ValueError("an SM2 private key is 32 bytes")
        # `random_k` fixes the per-signature k, for the standard's test vector only.
        self._sm2 = gmalg.SM2(secret, SM2_USER_ID, rnd_fn=random_k)
        self.secret = secret

    @classmethod
    def generate(cls) -> "SM2PrivateKey":
        secret, _ = gmalg.SM2().generate_keypair()
        return cls(secret.rjust(32, b"\x00"))

    def public_key(self) -> SM2PublicKey:
        return SM2PublicKey(self._sm2.generate_pk(self.secret))

    def sign(self, data: bytes) -> bytes:
        r, s = self._sm2.sign(data)
        return r.rjust(32, b"\x00") + s.rjust(32, b"\x00")

    def pem(self) -> bytes:
        der = (_SM2_SEC1_PREFIX + self.secret + _SM2_SEC1_MIDDLE + self.public_key().point)
        return _pem("EC PRIVATE KEY", der).encode()

    @classmethod
    def from_pem(cls, text: str | bytes) -> "SM2PrivateKey":
        der = _unpem("EC PRIVATE KEY", text)
        if not (der.startswith(_SM2_SEC1_PREFIX) and der[39:39 + len(_SM2_SEC1_MIDDLE)]
                == _SM2_SEC1_MIDDLE):
            raise ValueError("not an SM2 private key")
        return cls(der[7:39])


class _SM2:
    """SM2 with SM3 (GB/T 32918.2) by PEM, the same shape as `_Ed25519`."""

    @staticmethod
    def generate() -> bytes:
        return SM2PrivateKey.generate().pem()

    @staticmethod
    def public_pem(private_pem: bytes) -> str:
        return SM2PrivateKey.from_pem(private_pem).public_key().pem()

    @staticmethod
    def sign(private_pem: bytes, data: bytes) -> bytes:
        try:
            key = SM2PrivateKey.from_pem(private_pem)
        except ValueError:
            raise UnknownAlgorithm("the key file does not hold an SM2 key") from None
        return key.sign(data)

    @staticmethod
    def verify(public_pem: str, data: bytes, signature: bytes) -> bool:
        try:
            key = SM2PublicKey.from_pem(public_pem)
        except ValueError:
            return False
        return key.verify(signature, data)


SIGNERS = {"ed25519": _Ed25519, "sm2-sm3": _SM2}


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


def private_key_algorithm(private_pem: bytes) -> str:
    """Which signature algorithm a private key file's key belongs to."""
    if b"-----BEGIN EC PRIVATE KEY-----" in private_pem:
        SM2PrivateKey.from_pem(private_pem)
        return "sm2-sm3"
    try:
        key = serialization.load_pem_private_key(private_pem, password=None)
    except UnsupportedAlgorithm:
        key = None
    if isinstance(key, Ed25519PrivateKey):
        return "ed25519"
    raise UnknownAlgorithm("the key is neither Ed25519 nor SM2")


def public_key_algorithm(public_pem: str) -> str:
    """Which signature algorithm a public key (SubjectPublicKeyInfo PEM) belongs to."""
    try:
        SM2PublicKey.from_pem(public_pem)
    except ValueError:
        pass
    else:
        return "sm2-sm3"
    try:
        key = serialization.load_pem_public_key(public_pem.encode())
    except UnsupportedAlgorithm:
        key = None
    if isinstance(key, Ed25519PublicKey):
        return "ed25519"
    raise UnknownAlgorithm("the key is neither Ed25519 nor SM2")


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
