"""The algorithms of both cryptographic profiles against the standards' published test vectors
(R18). Sources of the vectors:

- SM3: GB/T 32905-2016, Annex A, examples 1 ("abc") and 2 ("abcd" × 16).
- SM4: GB/T 32907-2016, Annex A, example 1 (one block) and example 2 (the same block
  encrypted 1,000,000 times).
- SM4-GCM: RFC 8998, Appendix A.1.
- SM2 with SM3: GM/T 0003.5-2012 (GB/T 32918.5-2017), Annex A, the signature example on the
  recommended curve with the default user ID 1234567812345678, its fixed k, r and s.
"""

import base64

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from govshare.core import crypto

SM4_KEY = bytes.fromhex("0123456789abcdeffedcba9876543210")

SM2_PRIVATE = bytes.fromhex("3945208f7b2144b13f36e38ac6d39f9588939369 2860b51a42fb81ef4df7c5b8"
                            .replace(" ", ""))
SM2_PUBLIC = bytes.fromhex(
    "04" "09f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020"
    "ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13")
SM2_K = 0x59276E27_D506861A_16680F3A_D9C02DCC_EF3CC1FA_3CDBE4CE_6D54B80D_EAC1BC21
SM2_SIGNATURE = bytes.fromhex(
    "f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3"
    "b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa")


def test_r18_sm3_matches_gbt_32905_examples():
    assert crypto.digest("sm3", b"abc") == (
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")
    assert crypto.digest("sm3", b"abcd" * 16) == (
        "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732")


def test_r18_the_pure_python_sm3_fallback_agrees_with_openssl():
    assert crypto._sm3_pure(b"abc").hex() == crypto.digest("sm3", b"abc")
    for key in (b"k", b"x" * 100):
        assert crypto._hmac_pure(crypto._sm3_pure, key, b"data").hex() == crypto.mac(
            "hmac-sm3", key, b"data")


def test_r18_sm4_matches_gbt_32907_examples():
    def ecb(block, times=1):
        encryptor = Cipher(algorithms.SM4(SM4_KEY), modes.ECB()).encryptor()  # noqa: S305
        for _ in range(times):
            block = encryptor.update(block)
        return block.hex()

    assert ecb(SM4_KEY) == "681edf34d206965e86b3e94f536e4246"
    assert ecb(SM4_KEY, 1_000_000) == "595298c7c6fd271f0402f804c33d3f66"


def test_r18_sm4_gcm_matches_rfc_8998_and_refuses_altered_text():
    nonce = bytes.fromhex("00001234567800000000abcd")
    associated = bytes.fromhex("feedfacedeadbeeffeedfacedeadbeefabaddad2")
    plaintext = bytes.fromhex("aa" * 8 + "bb" * 8 + "cc" * 8 + "dd" * 8 + "ee" * 8 + "ff" * 8
                              + "ee" * 8 + "aa" * 8)
    sealed = crypto.encrypt("sm4-gcm", SM4_KEY, plaintext, associated, nonce=nonce)
    assert sealed[12:-16].hex() == (
        "17f399f08c67d5ee19d0dc9969c4bb7d5fd46fd3756489069157b282bb200735"
        "d82710ca5c22f0ccfa7cbf93d496ac15a56834cbcf98c397b4024a2691233b8d")
    assert sealed[-16:].hex() == "83de3541e4c2b58177e065a9bf7b62ec"
    assert crypto.decrypt("sm4-gcm", SM4_KEY, sealed, associated) == plaintext
    altered = sealed[:20] + bytes([sealed[20] ^ 1]) + sealed[21:]
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt("sm4-gcm", SM4_KEY, altered, associated)
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt("sm4-gcm", SM4_KEY, sealed, b"other context")


def test_r18_aes_gcm_round_trip_and_key_sizes():
    key = bytes(range(32))
    sealed = crypto.encrypt("aes-256-gcm", key, b"secret")
    assert crypto.decrypt("aes-256-gcm", key, sealed) == b"secret"
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt("aes-256-gcm", bytes(32), sealed)
    with pytest.raises(ValueError, match="16-byte key"):
        crypto.encrypt("sm4-gcm", key, b"secret")
    with pytest.raises(crypto.UnknownAlgorithm):
        crypto.encrypt("des", key, b"secret")


def test_r18_sm2_matches_gmt_0003_5_signature_example():
    key = crypto.SM2PrivateKey(SM2_PRIVATE, random_k=lambda bits: SM2_K)
    assert key.public_key().point == SM2_PUBLIC
    assert key.sign(b"message digest") == SM2_SIGNATURE
    public = crypto.SM2PublicKey(SM2_PUBLIC)
    assert public.verify(SM2_SIGNATURE, b"message digest")
    assert not public.verify(SM2_SIGNATURE, b"message digesT")
    assert not public.verify(SM2_SIGNATURE, b"message digest", user_id=b"ALICE123@YAHOO.COM")
    forged = SM2_SIGNATURE[:63] + bytes([SM2_SIGNATURE[63] ^ 1])
    assert not public.verify(forged, b"message digest")


def test_r18_sm2_keys_round_trip_through_pem_and_refuse_points_off_the_curve():
    key = crypto.SM2PrivateKey(SM2_PRIVATE)
    pem = key.pem()
    assert pem.startswith(b"-----BEGIN EC PRIVATE KEY-----")
    assert crypto.SM2PrivateKey.from_pem(pem).secret == SM2_PRIVATE
    public_pem = crypto.public_key_pem("sm2-sm3", pem)
    assert crypto.SM2PublicKey.from_pem(public_pem).point == SM2_PUBLIC
    assert crypto.public_key_algorithm(public_pem) == "sm2-sm3"
    assert crypto.private_key_algorithm(pem) == "sm2-sm3"
    with pytest.raises(ValueError, match="not a point"):
        crypto.SM2PublicKey(SM2_PUBLIC[:-1] + bytes([SM2_PUBLIC[-1] ^ 1]))
    with pytest.raises(ValueError):
        crypto.SM2PublicKey(SM2_PUBLIC[1:])


@pytest.mark.parametrize("profile", sorted(crypto.PROFILES))
def test_r18_each_profile_signs_and_verifies_and_refuses_the_other_key(profile):
    algorithm = crypto.profile(profile).signature
    other = next(p.signature for name, p in crypto.PROFILES.items() if name != profile)
    private = crypto.generate_private_key(algorithm)
    public = crypto.public_key_pem(algorithm, private)
    assert crypto.private_key_algorithm(private) == algorithm
    assert crypto.public_key_algorithm(public) == algorithm
    signature = crypto.sign(algorithm, private, b"head #7")
    assert crypto.verify(algorithm, public, b"head #7", signature)
    assert not crypto.verify(algorithm, public, b"head #8", signature)
    assert not crypto.verify(other, public, b"head #7", signature)
    with pytest.raises(crypto.UnknownAlgorithm):
        crypto.sign(other, private, b"head #7")
    assert not crypto.verify(algorithm, public, b"head #7", "not base64!")
    assert len(base64.b64decode(signature)) == 64


def test_r18_keyed_hashes_and_unknown_names():
    assert crypto.mac("hmac-sm3", b"k", b"d") != crypto.mac("hmac-sha256", b"k", b"d")
    assert len(crypto.mac("hmac-sm3", b"k", b"d")) == 64
    with pytest.raises(crypto.UnknownAlgorithm):
        crypto.mac("hmac-md5", b"k", b"d")
    with pytest.raises(crypto.UnknownAlgorithm, match="international, national"):
        crypto.profile("standard")
