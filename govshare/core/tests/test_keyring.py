"""The secrets key: sealing what the platform must read back, keyed credential hashes (R18)."""

import hashlib
import stat

import pytest

from govshare.core import crypto, keyring
from govshare.orgs.tokens import hash_secret, secret_matches

PROFILES = sorted(crypto.PROFILES)


@pytest.fixture
def own_key(settings, tmp_path):
    settings.GOVSHARE_SECRETS_KEY_FILE = tmp_path / "keys" / "secrets.key"
    return settings.GOVSHARE_SECRETS_KEY_FILE


def test_r18_secrets_key_is_made_on_first_use_readable_by_the_owner_only(own_key):
    assert not own_key.exists()
    first = keyring.current_key()
    assert stat.S_IMODE(own_key.stat().st_mode) == 0o600
    assert keyring.current_key() == first and len(first) == keyring.KEY_BYTES


@pytest.mark.parametrize("profile", PROFILES)
def test_r18_sealed_values_name_their_cipher_and_open_after_a_change_of_profile(
        own_key, settings, profile):
    settings.GOVSHARE_CRYPTO_PROFILE = profile
    sealed = keyring.seal("webhook secret", "t.secret")
    cipher = crypto.profile(profile).cipher
    assert sealed.startswith(f"{cipher}:") and "webhook secret" not in sealed
    assert keyring.is_sealed(sealed) and not keyring.is_sealed("webhook secret")
    assert keyring.seal("webhook secret", "t.secret") != sealed  # a fresh nonce each time
    for other in PROFILES:
        settings.GOVSHARE_CRYPTO_PROFILE = other
        assert keyring.unseal(sealed, "t.secret") == "webhook secret"
    with pytest.raises(crypto.DecryptionFailed):
        keyring.unseal(sealed, "other.column")
    algorithm, key_id, body = sealed.split(":")
    tampered = f"{algorithm}:{key_id}:{'A' if body[0] != 'A' else 'B'}{body[1:]}"
    with pytest.raises(crypto.DecryptionFailed):
        keyring.unseal(tampered, "t.secret")


def test_r18_a_new_secrets_key_opens_old_values_only_while_the_old_key_is_listed(
        own_key, settings, tmp_path):
    settings.GOVSHARE_CRYPTO_PROFILE = "national"
    sealed = keyring.seal("s", "t.secret")
    settings.GOVSHARE_SECRETS_KEY_FILE = tmp_path / "keys" / "secrets-2.key"
    with pytest.raises(crypto.DecryptionFailed, match="retired"):
        keyring.unseal(sealed, "t.secret")
    settings.GOVSHARE_SECRETS_RETIRED_KEY_FILES = [str(own_key)]
    assert keyring.unseal(sealed, "t.secret") == "s"
    assert keyring.seal("s", "t.secret").split(":")[1] != sealed.split(":")[1]


def test_r18_credentials_are_hmac_sm3_under_the_national_profile(own_key, settings):
    settings.GOVSHARE_CRYPTO_PROFILE = "national"
    stored = hash_secret("s3cret")
    subkey = keyring._subkey(keyring.current_key(), "hmac-sm3", "credential", 32)
    assert stored == crypto.mac("hmac-sm3", subkey, b"s3cret") and len(stored) == 64
    settings.GOVSHARE_CRYPTO_PROFILE = "international"
    assert hash_secret("s3cret") != stored
    assert secret_matches(stored, "s3cret")
    assert not secret_matches(stored, "s3creT")


@pytest.mark.parametrize("profile", PROFILES)
def test_r18_hashes_from_before_keyed_hashing_still_verify(own_key, settings, profile):
    settings.GOVSHARE_CRYPTO_PROFILE = profile
    legacy = hashlib.sha256(b"old-secret").hexdigest()
    assert secret_matches(legacy, "old-secret")
    assert not secret_matches(legacy, "old-secreT")
    assert hash_secret("old-secret") != legacy


def test_r18_a_credential_hash_of_another_secrets_key_fails_unless_it_is_listed(
        own_key, settings, tmp_path):
    stored = hash_secret("s3cret")
    settings.GOVSHARE_SECRETS_KEY_FILE = tmp_path / "keys" / "secrets-2.key"
    assert not secret_matches(stored, "s3cret")
    settings.GOVSHARE_SECRETS_RETIRED_KEY_FILES = [str(own_key)]
    assert secret_matches(stored, "s3cret")


def test_r18_an_unknown_profile_fails_the_system_check(settings):
    from govshare.core.apps import check_crypto_profile

    assert check_crypto_profile(None) == []
    settings.GOVSHARE_CRYPTO_PROFILE = "standard"
    [error] = check_crypto_profile(None)
    assert error.id == "govshare.E001" and "national" in error.hint
