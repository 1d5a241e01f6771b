"""Pushes refused for want of an approved node are kept, so supervision can find exchange
outside the platform's registered channels (R9)."""

import pytest

from govshare.exchange.models import RefusedPush
from govshare.node.signing import generate_key

from .factories import SignedClient, published_resource, registered_node
from .test_ingest import _ipc, _people

pytestmark = pytest.mark.django_db


@pytest.fixture
def population(demo):
    from govshare.orgs.models import Organization

    return published_resource(Organization.objects.get(name="河北省公安厅"))


def _push(client, code, sign=True):
    return client.call("PUT", f"/api/v1/exchange/resources/{code}/batches/batch-0001",
                       _ipc(_people(1)), content_type="application/vnd.apache.arrow.stream",
                       sign=sign)


def test_r9_a_push_signed_by_an_unknown_key_is_refused_and_kept(population, tmp_path):
    key = generate_key(tmp_path / "stranger.key")
    response = _push(SignedClient(key), population.code)
    assert response.status_code == 401
    refused = RefusedPush.objects.get()
    assert refused.reason == RefusedPush.Reason.UNKNOWN_KEY
    assert refused.key_id.startswith("node-") and refused.node is None
    assert refused.resource == population and refused.resource_code == population.code
    assert refused.source_address == "127.0.0.1"


def test_r9_unsigned_pending_and_revoked_pushes_are_kept_with_their_reason(population,
                                                                          tmp_path, person):
    from govshare.exchange import services

    pending, pending_key = registered_node(tmp_path, "河北省公安厅", approve=False, name="新机")
    revoked, revoked_key = registered_node(tmp_path, "河北省公安厅", name="旧机")
    services.node_revoke(person("operator"), revoked, reason="机器报废")
    assert _push(SignedClient(pending_key), population.code, sign=False).status_code == 401
    assert _push(SignedClient(pending_key), population.code).status_code == 403
    assert _push(SignedClient(revoked_key), population.code).status_code == 403
    kept = list(RefusedPush.objects.order_by("pk").values_list("reason", "node"))
    assert kept == [("unsigned", None), ("pending", pending.pk), ("revoked", revoked.pk)]


def test_r9_an_accepted_push_and_a_refused_read_of_the_schema_are_not_kept(population,
                                                                          tmp_path):
    _node, key = registered_node(tmp_path, "河北省公安厅")
    assert _push(SignedClient(key), population.code).status_code == 200
    stranger = SignedClient(generate_key(tmp_path / "stranger.key"))
    assert stranger.call("GET", f"/api/v1/exchange/resources/{population.code}/schema"
                         ).status_code == 401
    assert not RefusedPush.objects.exists()
