"""The node's key algorithm: Ed25519 or SM2, chosen by its configuration (R18)."""

import pytest

from govshare.node.config import ConfigError, load_config
from govshare.node.signing import (
    algorithm_of,
    generate_key,
    key_id_of,
    load_key,
    public_key_from_text,
    public_key_text,
)


def test_r18_the_node_profile_comes_from_its_file_then_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("GOVSHARE_CRYPTO_PROFILE", raising=False)
    (tmp_path / "a.toml").write_text('platform = "x"\n')
    assert load_config(tmp_path / "a.toml").crypto_profile == "international"
    monkeypatch.setenv("GOVSHARE_CRYPTO_PROFILE", "national")
    assert load_config(tmp_path / "a.toml").crypto_profile == "national"
    (tmp_path / "b.toml").write_text('platform = "x"\ncrypto_profile = "international"\n')
    assert load_config(tmp_path / "b.toml").crypto_profile == "international"
    (tmp_path / "c.toml").write_text('platform = "x"\ncrypto_profile = "gost"\n')
    with pytest.raises(ConfigError, match="crypto_profile"):
        load_config(tmp_path / "c.toml")


@pytest.mark.parametrize("algorithm", ["ed25519", "sm2-sm3"])
def test_r18_keys_of_either_algorithm_round_trip(tmp_path, algorithm):
    key = generate_key(tmp_path / "node.key", algorithm)
    assert (tmp_path / "node.key").stat().st_mode & 0o077 == 0
    loaded = load_key(tmp_path / "node.key")
    assert algorithm_of(loaded) == algorithm
    text = public_key_text(loaded.public_key())
    assert text.startswith("sm2:") == (algorithm == "sm2-sm3")
    assert key_id_of(public_key_from_text(text)) == key_id_of(key.public_key())
    with pytest.raises(FileExistsError):
        generate_key(tmp_path / "node.key", algorithm)


def test_r18_a_malformed_sm2_public_key_is_refused():
    with pytest.raises(ValueError):
        public_key_from_text("sm2:" + "A" * 88)
