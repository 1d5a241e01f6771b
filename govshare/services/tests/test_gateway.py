"""The service gateway: only granted operations and items pass, the provider sees the platform's
signature, failures are named and bounded, and the access record proves what was asked and
answered (R9, R14, R15, R17, R18)."""

import hashlib
import json
import logging
import ssl
import threading
import time

import pytest

from govshare.audit.models import AuditRecord
from govshare.exchange.tests.factories import application_with_token, grant_for
from govshare.services import provider, proxy, services
from govshare.services.models import ServiceCall

pytestmark = pytest.mark.django_db

CODE = "101000000-SCJGJ-0001"
COMPANY = provider.COMPANIES[0]
BY_CODE = f"/api/v1/services/{CODE}/companies/{COMPANY['credit_code']}"


def _access(request_id):
    return next(r for r in AuditRecord.objects.filter(action="resource.access")
                if r.summary.get("request_id") == request_id)


def test_r14_a_granted_operation_returns_only_the_granted_items_masked(docked):
    _endpoint, grant, client, server = docked
    response = client.get(BY_CODE)
    assert response.status_code == 200, response.content
    assert response.json() == {"credit_code": COMPANY["credit_code"], "name": COMPANY["name"],
                               "legal_representative": "张**", "status": "存续"}
    for withheld in ("address", "registered_capital", "established", "phone"):
        assert withheld not in response.json()
    assert COMPANY["address"] not in response.content.decode()
    assert len(server.received) == 1


def test_r14_an_array_answer_is_cut_down_row_by_row(docked):
    _endpoint, _grant, client, _server = docked
    response = client.get(f"/api/v1/services/{CODE}/companies", {"name": "有限公司"})
    assert response.status_code == 200, response.content
    rows = response.json()
    assert len(rows) == len(provider.COMPANIES)
    assert all(set(row) == {"credit_code", "name", "legal_representative", "status"}
               for row in rows)


def test_r14_an_operation_returning_no_granted_item_is_refused_before_the_provider(docked,
                                                                                 person):
    endpoint, _grant, client, server = docked
    services.service_operation_define(person("operator"), endpoint, {
        "operation_id": "company_address", "path_template": "/companies/{credit_code}/address",
        "parameters": [{"name": "credit_code", "in": "path", "item": "credit_code"}],
        "response_fields": {"address": {"type": "string", "item": "address"}}})
    response = client.get(f"{BY_CODE}/address")
    assert response.status_code == 403
    assert server.received == []
    record = AuditRecord.objects.filter(action="resource.access").latest("pk")
    assert record.outcome == "denied"
    assert record.summary["reason"] == "operation_not_granted"


def test_r14_an_operation_whose_parameter_item_is_not_granted_is_refused(demo, docked, bearer):
    _endpoint, grant, _client, server = docked
    application, token = application_with_token("河北省民政厅", name="低保审核系统")
    grant_for(application, grant.resource, ["name", "status"])
    response = bearer(token).get(BY_CODE)
    assert response.status_code == 403
    assert "credit_code" in response.json()["detail"]
    assert server.received == []
    # The same application may use the operation its grant covers.
    allowed = bearer(token).get(f"/api/v1/services/{CODE}/companies", {"name": "唐山"})
    assert allowed.status_code == 200
    assert allowed.json() == [{"name": "唐山北方钢铁贸易有限公司", "status": "存续"}]


def test_r14_without_a_grant_nothing_is_called(docked, bearer):
    _endpoint, _grant, _client, server = docked
    _application, token = application_with_token("河北省民政厅", name="无授权系统")
    assert bearer(token).get(BY_CODE).status_code == 403
    assert server.received == []


def test_r15_a_person_cannot_call_a_service_as_an_application(docked, login):
    assert login("mzt_officer").get(BY_CODE).status_code == 403
    assert docked[3].received == []


def test_r14_undeclared_and_malformed_parameters_are_refused(docked):
    _endpoint, _grant, client, server = docked
    assert client.get(BY_CODE, {"debug": "1"}).status_code == 400
    bad = client.get(f"/api/v1/services/{CODE}/companies/not-a-code")
    assert bad.status_code == 400 and "credit_code" in bad.json()["errors"]
    missing = client.get(f"/api/v1/services/{CODE}/companies")
    assert missing.status_code == 400 and "name" in missing.json()["errors"]
    assert client.get(f"/api/v1/services/{CODE}/nowhere").status_code == 404
    assert server.received == []


def test_r18_the_provider_sees_a_verifiable_platform_signature(docked):
    _endpoint, _grant, client, server = docked
    key = client.get("/api/v1/service-endpoints/platform-key").json()
    assert key["algorithm"] == "ed25519" and key["public_key"]
    assert client.get(BY_CODE).status_code == 200
    seen = server.received[0]
    assert seen["verified"] is True
    assert seen["headers"]["X-Api-Key"] == "scjgj-demo-key"
    assert seen["request_id"]


def test_r18_a_provider_trusting_another_key_refuses_and_the_consumer_gets_502(
        demo, bearer, platform_key):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from govshare.node.signing import public_key_text
    from govshare.services import demo as service_demo

    other = public_key_text(Ed25519PrivateKey.generate().public_key())
    server = provider.start(platform_key_text=other, require_signature=True)
    try:
        service_demo.register(server.base_url)
        _application, _grant, token = service_demo.relief_grant()
        response = bearer(token).get(BY_CODE)
        assert server.received[0]["verified"] is False
    finally:
        server.shutdown()
        server.server_close()
    assert response.status_code == 502
    assert "河北省市场监督管理局" in response.json()["detail"]


def test_r9_a_stopped_provider_gives_502_naming_it_within_the_timeout(docked):
    endpoint, _grant, client, server = docked
    server.shutdown()
    server.server_close()
    started = time.perf_counter()
    response = client.get(BY_CODE)
    elapsed = time.perf_counter() - started
    assert response.status_code == 502
    assert "河北省市场监督管理局" in response.json()["detail"]
    assert elapsed < endpoint.timeout_seconds
    call = ServiceCall.objects.get()
    assert call.outcome == ServiceCall.Outcome.UNREACHABLE
    record = AuditRecord.objects.filter(action="resource.access").latest("pk")
    assert record.outcome == "failed" and record.summary["reason"] == "provider_unreachable"


def test_r9_a_slow_provider_gives_504_at_the_timeout_not_when_it_answers(docked, person):
    endpoint, _grant, client, server = docked
    services.service_register(person("operator"), endpoint.resource,
                              base_url=endpoint.base_url, timeout_seconds=0.3)
    server.behaviour, server.delay = "slow", 3.0
    started = time.perf_counter()
    response = client.get(BY_CODE)
    elapsed = time.perf_counter() - started
    assert response.status_code == 504
    assert "河北省市场监督管理局" in response.json()["detail"]
    assert elapsed < server.delay
    assert ServiceCall.objects.get().outcome == ServiceCall.Outcome.TIMEOUT


def test_r14_extra_fields_from_the_provider_are_stripped(docked):
    _endpoint, _grant, client, server = docked
    server.behaviour = "extra"
    response = client.get(BY_CODE)
    assert response.status_code == 200
    assert "internal_note" not in response.json()
    assert "内部备注" not in response.content.decode()
    assert "phone" not in response.json()


def test_r9_an_answer_outside_the_declared_schema_is_502_and_logged(docked, caplog):
    _endpoint, _grant, client, server = docked
    server.behaviour = "malformed"
    with caplog.at_level(logging.WARNING, logger="govshare.services.proxy"):
        response = client.get(BY_CODE)
    assert response.status_code == 502
    assert "12345" not in response.content.decode()
    assert any("outside its declaration" in r.getMessage() for r in caplog.records)
    assert ServiceCall.objects.get().outcome == ServiceCall.Outcome.BAD_RESPONSE


def test_r9_a_provider_error_is_502(docked):
    _endpoint, _grant, client, server = docked
    server.behaviour = "error"
    response = client.get(BY_CODE)
    assert response.status_code == 502 and "500" in response.json()["detail"]
    assert ServiceCall.objects.get().outcome == ServiceCall.Outcome.PROVIDER_ERROR


def test_r17_the_access_record_hashes_match_what_was_sent(docked):
    _endpoint, _grant, client, server = docked
    response = client.get(BY_CODE)
    request_id = response["X-Request-Id"]
    seen = server.received[0]
    assert seen["request_id"] == request_id
    record = _access(request_id)
    assert record.outcome == "ok"
    # What the provider received, hashed by the provider itself.
    assert record.summary["request_sha256"] == seen["request_sha256"]
    assert response["X-Request-Hash"] == seen["request_sha256"]
    assert seen["request_sha256"] == hashlib.sha256(
        f"GET {seen['target']}\n{request_id}\n".encode()).hexdigest()
    # What the provider answered, and what the consumer was sent.
    assert record.summary["provider_response_sha256"] == seen["response_sha256"]
    assert record.summary["response_sha256"] == hashlib.sha256(response.content).hexdigest()
    assert record.summary["operation"] == "company_by_code"
    assert record.summary["grant"] == docked[1].pk


def test_r17_a_different_request_has_a_different_hash(docked):
    _endpoint, _grant, client, _server = docked
    first = client.get(BY_CODE)["X-Request-Hash"]
    second = client.get(BY_CODE)["X-Request-Hash"]
    assert first != second  # each call has its own request id


def test_r14_the_daily_quota_gives_429_with_retry_after(docked):
    _endpoint, grant, client, server = docked
    grant.daily_quota = 1
    grant.save(update_fields=["daily_quota"])
    assert client.get(BY_CODE).status_code == 200
    response = client.get(BY_CODE)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert len(server.received) == 1


def test_r14_a_company_the_provider_does_not_know_is_404(docked):
    _endpoint, _grant, client, _server = docked
    response = client.get(f"/api/v1/services/{CODE}/companies/91130100MA0CXXXX9Z")
    assert response.status_code == 404
    assert ServiceCall.objects.get().outcome == ServiceCall.Outcome.OK


def test_r14_a_post_operation_sends_only_its_declared_body_fields(docked, person):
    endpoint, _grant, client, server = docked
    services.service_operation_define(person("operator"), endpoint, {
        "operation_id": "company_search", "method": "POST", "path_template": "/companies/search",
        "parameters": [{"name": "name", "in": "body", "required": True, "item": "name"}],
        "response_kind": "array",
        "response_fields": {"name": {"type": "string", "item": "name"},
                            "address": {"type": "string", "item": "address"}}})
    path = f"/api/v1/services/{CODE}/companies/search"
    refused = client.post(path, {"name": "保定", "address": "x"},
                          content_type="application/json")
    assert refused.status_code == 400 and "address" in refused.json()["errors"]
    response = client.post(path, {"name": "保定"}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json() == [{"name": "保定云帆软件科技有限公司"}]
    seen = server.received[-1]
    assert seen["method"] == "POST" and seen["verified"] is True
    assert json.loads(seen["body"]) == {"name": "保定"}
    record = _access(response["X-Request-Id"])
    assert record.summary["request_sha256"] == seen["request_sha256"]


def test_r9_a_provider_trickling_its_answer_gives_504_at_the_timeout(docked, person):
    endpoint, _grant, client, server = docked
    services.service_register(person("operator"), endpoint.resource,
                              base_url=endpoint.base_url, timeout_seconds=0.5)
    # Each byte arrives well within httpx's per-read timeout; the whole answer would take
    # far longer than the service's timeout.
    server.behaviour, server.delay = "trickle", 0.05
    started = time.perf_counter()
    response = client.get(BY_CODE)
    elapsed = time.perf_counter() - started
    assert response.status_code == 504
    assert elapsed < 100 * server.delay  # the answer is over 100 bytes long
    assert ServiceCall.objects.get().outcome == ServiceCall.Outcome.TIMEOUT


def test_r14_a_grant_revoked_between_two_calls_stops_the_next_one_before_the_provider(
        docked, person):
    from govshare.sharing import services as sharing_services

    _endpoint, grant, client, server = docked
    assert client.get(BY_CODE).status_code == 200
    sharing_services.grant_revoke(person("operator"), grant, reason="发现超范围使用")
    response = client.get(BY_CODE)
    assert response.status_code == 403 and "撤销" in response.json()["detail"]
    assert len(server.received) == 1


def test_r9_request_threads_share_one_tls_context_toward_providers(monkeypatch):
    """Each request thread has its own pooled client, but the CA bundle is read once per
    process: a context per client cost every thread's first call tens of milliseconds."""
    made = []
    original = ssl.create_default_context
    monkeypatch.setattr(ssl, "create_default_context",
                        lambda *args, **kwargs: made.append(1) or original(*args, **kwargs))
    proxy._made_tls_context.cache_clear()
    clients = []
    threads = [threading.Thread(target=lambda: clients.append(proxy.client())) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(c) for c in clients}) == 3, "one client per thread"
    assert len(made) == 1
    for each in clients:
        each.close()
