"""Node requests signed with SM2 (the national profile) beside Ed25519 (R18)."""

import httpx
import pytest

from govshare.exchange.models import Batch, RefusedPush
from govshare.node.signing import SM2_KEY_PREFIX, SM2_SM3, generate_key, load_key

from .factories import SignedClient, published_resource, registered_node
from .test_ingest import _ipc, _people, _push

pytestmark = pytest.mark.django_db


@pytest.fixture
def population(demo):
    from govshare.orgs.models import Organization

    return published_resource(Organization.objects.get(name="河北省公安厅"))


def _signed_headers(signer, method, path, body):
    request = httpx.Request(method, "http://testserver" + path, content=body)
    signer.sign(request, body)
    return {k: v for k, v in request.headers.items()
            if k in ("signature", "signature-input", "content-digest")}


@pytest.mark.parametrize("algorithm", ["ed25519", "sm2-sm3"])
def test_r18_a_node_keeps_its_keys_algorithm_whatever_the_platform_profile(
        population, tmp_path, settings, algorithm):
    node, key = registered_node(tmp_path, "河北省公安厅", algorithm=algorithm)
    assert node.public_key.startswith(SM2_KEY_PREFIX) == (algorithm == "sm2-sm3")
    for profile in ("international", "national"):
        settings.GOVSHARE_CRYPTO_PROFILE = profile
        response = _push(SignedClient(key), population, f"batch-{profile}", _people(2))
        assert response.status_code == 200, response.content
    assert Batch.objects.count() == 2


def test_r18_sm2_signature_input_names_its_algorithm(tmp_path):
    key = generate_key(tmp_path / "node.key", "sm2-sm3")
    headers = _signed_headers(SignedClient(key).signer, "GET", "/x?y=1", b"")
    assert 'alg="sm2-sm3"' in headers["signature-input"]
    assert load_key(tmp_path / "node.key").secret == key.secret


def test_r18_a_node_cannot_switch_algorithm_by_naming_the_other(population, tmp_path):
    """An Ed25519 node's request claiming sm2-sm3, and an SM2 node's claiming ed25519, are
    refused: the registered key decides the algorithm."""
    _node, ed_key = registered_node(tmp_path, "河北省公安厅", algorithm="ed25519")
    path = f"/api/v1/exchange/resources/{population.code}/batches/b1"
    body = _ipc(_people(1))
    client = SignedClient(ed_key)
    headers = _signed_headers(client.signer, "PUT", path, body)
    headers["signature-input"] = headers["signature-input"].replace('"ed25519"', '"sm2-sm3"')
    response = client.client.generic("PUT", path, data=body, headers=headers,
                                     content_type="application/vnd.apache.arrow.stream")
    assert response.status_code == 401 and "签名无效" in response.json()["detail"]

    _node, sm2_key = registered_node(tmp_path, "河北省公安厅", algorithm="sm2-sm3", name="二号")
    client = SignedClient(sm2_key)
    headers = _signed_headers(client.signer, "PUT", path, body)
    headers["signature-input"] = headers["signature-input"].replace('"sm2-sm3"', '"ed25519"')
    response = client.client.generic("PUT", path, data=body, headers=headers,
                                     content_type="application/vnd.apache.arrow.stream")
    assert response.status_code == 401
    assert not Batch.objects.exists()
    assert RefusedPush.objects.filter(reason=RefusedPush.Reason.BAD_SIGNATURE).count() == 2


def test_r18_an_sm2_signature_over_another_body_is_refused(population, tmp_path):
    _node, key = registered_node(tmp_path, "河北省公安厅", algorithm="sm2-sm3")
    path = f"/api/v1/exchange/resources/{population.code}/batches/b1"
    client = SignedClient(key)
    headers = _signed_headers(client.signer, "PUT", path, b"original")
    response = client.client.generic("PUT", path, data=_ipc(_people(1)), headers=headers,
                                     content_type="application/vnd.apache.arrow.stream")
    assert response.status_code == 401
    assert not Batch.objects.exists()


def test_r18_sm2_http_algorithm_refuses_an_ed25519_key(tmp_path):
    ed_key = generate_key(tmp_path / "ed.key", "ed25519")
    with pytest.raises(Exception, match="Unexpected public key type"):
        SM2_SM3(public_key=ed_key.public_key())
