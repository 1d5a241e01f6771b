"""The operator's health view of the services (R6, R17)."""

import pytest
from django.core.management import call_command

from govshare.services import demo as service_demo
from govshare.services.models import ServiceCall

pytestmark = pytest.mark.django_db


def test_r6_the_operator_sees_each_services_availability_latency_and_errors(login):
    endpoint = service_demo.register("http://127.0.0.1:18290")
    for outcome, latency in [("ok", 10.0), ("ok", 30.0), ("timeout", 500.0),
                             ("bad_response", 12.0)]:
        ServiceCall.objects.create(endpoint=endpoint, outcome=outcome, status=200,
                                   latency_ms=latency, request_id="r")
    page = login("operator").get("/services/health/")
    assert page.status_code == 200
    row = page.context["services"][0]
    assert row["calls"] == 4
    assert row["availability"] == 75.0   # the timeout is the only call unanswered
    assert row["error_rate"] == 50.0     # the timeout and the malformed answer
    assert row["latency_ms"] == pytest.approx((10 + 30 + 12) / 3, abs=0.1)
    charts = page.context["charts"]
    assert set(charts) == {"availability", "latency", "errors"}
    assert any(v == 75.0 for v in charts["availability"]["series"][0]["values"])
    assert "echarts.min.js" in page.content.decode()


def test_r6_a_department_cannot_see_the_health_view(login):
    assert login("gat_admin").get("/services/health/").status_code == 403


def test_r9_the_demo_command_docks_the_provider(demo, tmp_path, capsys, settings):
    settings.GOVSHARE_SERVICES_SIGNING_KEY_FILE = tmp_path / "signing.pem"
    settings.GOVSHARE_SERVICES_CREDENTIAL_KEY_FILE = tmp_path / "credentials.key"
    call_command("services_demo", port=0, no_serve=True)
    out = capsys.readouterr().out
    assert "gs_" in out and "/api/v1/services/101000000-SCJGJ-0001/companies/" in out
    assert service_demo.company_resource().service.operations.count() == 2


def test_r6_health_samples_are_written_in_bulk_when_due(demo, settings):
    from govshare.services import proxy

    endpoint = service_demo.register("http://127.0.0.1:18290")
    proxy.note(endpoint, None, "a", 1.0)  # written at once, and the clock restarts
    settings.GOVSHARE_SERVICES_HEALTH_FLUSH_SECONDS = 3600
    proxy.note(endpoint, None, "b", 2.0)
    proxy.note(endpoint, None, "c", 3.0)
    assert list(ServiceCall.objects.values_list("request_id", flat=True)) == ["a"]
    settings.GOVSHARE_SERVICES_HEALTH_FLUSH_SECONDS = 0
    proxy.note(endpoint, None, "d", 4.0)
    assert sorted(ServiceCall.objects.values_list("request_id", flat=True)) == [
        "a", "b", "c", "d"]
