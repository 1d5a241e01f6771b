"""The platform's secrets key: sealing the secrets it must read back, and keying credential hashes.

The key is 32 random bytes in a file outside the database (`GOVSHARE_SECRETS_KEY_FILE`, made
with mode 0600 on first use), so a copy of the database alone opens no secret and cannot test
guesses against credential hashes. Each use derives its own subkey from it with the profile's
HMAC, so the SM4 key of the national profile is made with SM3 only.

A sealed value reads `<cipher>:<key id>:<base64 of nonce || ciphertext || tag>`: it names its
algorithm and key, so after a change of profile or key it still opens as long as the key that
sealed it is the current one or listed in `GOVSHARE_SECRETS_RETIRED_KEY_FILES`. The field name
is bound in as associated data: a sealed value copied into another column does not open.
"""

import base64
import hashlib
import logging
import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import models

from . import crypto

logger = logging.getLogger(__name__)

KEY_BYTES = 32
_loaded: dict[str, bytes] = {}


def create_key_file(path: Path, content: bytes) -> bool:
    """Write `content` to `path` (mode 0600) unless it exists; True when this call made it.

    No process ever reads a half-written file, and two processes starting together end up with
    one key: a private temporary file, then a hard link, which fails if the name exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        os.write(descriptor, content)
        os.fchmod(descriptor, 0o600)
        os.close(descriptor)
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        return True
    finally:
        os.unlink(temporary)


def _read(path: Path) -> bytes:
    name = str(path)
    if name not in _loaded:
        key = bytes.fromhex(path.read_text().strip())
        if len(key) != KEY_BYTES:
            raise RuntimeError(f"the secrets key {path} is damaged: {KEY_BYTES} bytes expected")
        _loaded[name] = key
    return _loaded[name]


def key_id(key: bytes) -> str:
    return hashlib.sha256(b"govshare secrets key id\x00" + key).hexdigest()[:12]


def current_key() -> bytes:
    path = Path(settings.GOVSHARE_SECRETS_KEY_FILE)
    if not path.exists() and create_key_file(path, os.urandom(KEY_BYTES).hex().encode()):
        logger.warning("created the secrets key %s; back it up apart from the database", path)
    return _read(path)


def all_keys() -> list[bytes]:
    """The current key, then the retired ones."""
    return [current_key(), *(_read(Path(p)) for p in settings.GOVSHARE_SECRETS_RETIRED_KEY_FILES)]


def retired_key_files() -> dict[str, Path]:
    """The listed retired key files that exist, by key id."""
    paths = [Path(p) for p in settings.GOVSHARE_SECRETS_RETIRED_KEY_FILES]
    return {key_id(_read(path)): path for path in paths if path.is_file()}


def _profile() -> crypto.Profile:
    return crypto.profile(settings.GOVSHARE_CRYPTO_PROFILE)


def _subkey(key: bytes, mac: str, use: str, size: int) -> bytes:
    return bytes.fromhex(crypto.mac(mac, key, f"govshare {use}".encode()))[:size]


# The HMAC each cipher's subkey is derived with: its own profile's.
_CIPHER_MAC = {profile.cipher: profile.mac for profile in crypto.PROFILES.values()}


def seal(plaintext: str, context: str) -> str:
    """`plaintext` encrypted under the profile's cipher and the current key, bound to
    `context` (the column it is stored in)."""
    algorithm, key = _profile().cipher, current_key()
    subkey = _subkey(key, _CIPHER_MAC[algorithm], algorithm, crypto.CIPHER_KEY_BYTES[algorithm])
    sealed = crypto.encrypt(algorithm, subkey, plaintext.encode(), context.encode())
    return f"{algorithm}:{key_id(key)}:{base64.b64encode(sealed).decode()}"


def is_sealed(value: str) -> bool:
    return value.split(":", 1)[0] in crypto.CIPHER_KEY_BYTES and value.count(":") == 2


def unseal(value: str, context: str) -> str:
    """The plaintext of a value `seal` made; DecryptionFailed when no key held opens it."""
    algorithm, wanted, body = value.split(":", 2)
    key = next((k for k in all_keys() if key_id(k) == wanted), None)
    if key is None:
        raise crypto.DecryptionFailed(f"sealed under key {wanted}, which is neither the current "
                                      f"secrets key nor a listed retired one")
    subkey = _subkey(key, _CIPHER_MAC[algorithm], algorithm, crypto.CIPHER_KEY_BYTES[algorithm])
    return crypto.decrypt(algorithm, subkey, base64.b64decode(body), context.encode()).decode()


# Credential hashes. Before the keyed hashes, a credential's hash was its secret's plain
# SHA-256; those still verify, and the platform never writes one again.
def credential_hash(secret: str) -> str:
    """The stored form of an API credential's secret: the profile's HMAC under a subkey of the
    current secrets key (64 hex digits, the width of the columns that hold it)."""
    mac = _profile().mac
    return crypto.mac(mac, _subkey(current_key(), mac, "credential", KEY_BYTES), secret.encode())


def credential_candidates(secret: str):
    """Every hash `secret` may be stored under, the current profile's and key's first."""
    macs = [_profile().mac, *(m for m in crypto.MACS if m != _profile().mac)]
    for key in all_keys():
        for mac in macs:
            yield crypto.mac(mac, _subkey(key, mac, "credential", KEY_BYTES), secret.encode())
    yield hashlib.sha256(secret.encode()).hexdigest()


class SealedTextField(models.TextField):
    """A text column holding a secret sealed with `seal`: the model sees the plaintext, the
    database only the sealed form. Lookups by value cannot work (each seal is randomised)."""

    def _context(self) -> str:
        return f"{self.model._meta.db_table}.{self.column}"

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return unseal(value, self._context())

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        return seal(value, self._context())


def reseal_all() -> int:
    """Seal every sealed column again under the current profile's cipher and the current key
    (after a change of either); returns how many values changed. Raw SQL: the values are
    opened and sealed here, not by the field."""
    from django.apps import apps
    from django.db import connection, transaction

    wanted = f"{_profile().cipher}:{key_id(current_key())}:"
    changed = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for model in apps.get_models():
            table, pk = model._meta.db_table, model._meta.pk.column
            for field in model._meta.concrete_fields:
                if not isinstance(field, SealedTextField):
                    continue
                column, context = field.column, field._context()
                cursor.execute(f"SELECT {pk}, {column} FROM {table}")  # noqa: S608
                for row_id, value in cursor.fetchall():
                    if not value or value.startswith(wanted):
                        continue
                    plaintext = unseal(value, context) if is_sealed(value) else value
                    cursor.execute(f"UPDATE {table} SET {column} = %s WHERE {pk} = %s",  # noqa: S608
                                   [seal(plaintext, context), row_id])
                    changed += 1
    return changed
