"""`/metrics`: Prometheus text for the operator's scrape credential only (R17, R18)."""

import subprocess
import sys

import pytest
from django_tasks import task
from prometheus_client.parser import text_string_to_metric_families

from govshare.audit.models import AuditRecord
from govshare.monitor import metrics as platform_metrics
from govshare.monitor.views import _exposition
from govshare.orgs import services
from govshare.orgs.models import Credential, Organization, Role, RoleAssignment


@task()
def _noop():
    return None


def _token(person, organization_name, officer):
    """A fresh application of `organization_name` and a credential for it."""
    organization = Organization.objects.get(name=organization_name)
    application = services.application_create(person(officer), organization=organization,
                                              name="监测系统")
    _credential, token = services.credential_issue(person(officer), application)
    return token


@pytest.fixture
def operator_token(person):
    operator = person("operator")
    RoleAssignment.objects.create(user=operator, role=Role.SHARING_OFFICER,
                                  organization=operator.organization)
    operator.forget_roles()
    return _token(person, "河北省政务信息资源共享平台运维中心", "operator")


def _families(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return {f.name: f for f in text_string_to_metric_families(response.content.decode())}


def _sample(families, name, sample_name, **labels):
    for sample in families[name].samples:
        if sample.name == sample_name and all(sample.labels.get(k) == v
                                              for k, v in labels.items()):
            return sample.value
    return None


def test_r17_metrics_parse_and_count_requests_by_view_name(operator_token, bearer, login):
    organization = Organization.objects.get(name="河北省公安厅")
    login("gat_admin").get(f"/organizations/{organization.pk}/")
    families = _families(bearer(operator_token).get("/metrics"))
    assert {"govshare_http_requests", "govshare_http_request_duration_seconds",
            "govshare_gateway_calls", "govshare_rows_ingested", "govshare_rows_served",
            "govshare_overdue_steps", "govshare_task_queue_depth"} <= set(families)
    assert _sample(families, "govshare_http_requests", "govshare_http_requests_total",
                   view="orgs:organization_detail", method="GET", status="2xx") >= 1
    assert _sample(families, "govshare_http_request_duration_seconds",
                   "govshare_http_request_duration_seconds_count",
                   view="orgs:organization_detail") >= 1
    views = {s.labels["view"] for s in families["govshare_http_requests"].samples}
    assert not any("/" in view for view in views), "raw paths must not become labels"


def test_r17_counters_for_other_apps_are_exported(operator_token, bearer):
    platform_metrics.ROWS_INGESTED.labels("130000-GAT-0001").inc(250)
    platform_metrics.GATEWAY_CALLS.labels("130000-GAT-0001", "7", "ok").inc()
    families = _families(bearer(operator_token).get("/metrics"))
    assert _sample(families, "govshare_rows_ingested", "govshare_rows_ingested_total",
                   resource="130000-GAT-0001") >= 250
    assert _sample(families, "govshare_gateway_calls", "govshare_gateway_calls_total",
                   resource="130000-GAT-0001", application="7") >= 1


def test_r17_task_queue_depth_is_read_at_scrape_time(operator_token, bearer, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    scrape = bearer(operator_token)
    before = _sample(_families(scrape.get("/metrics")), "govshare_task_queue_depth",
                     "govshare_task_queue_depth", queue="default")
    _noop.enqueue()
    _noop.enqueue()
    after = _sample(_families(scrape.get("/metrics")), "govshare_task_queue_depth",
                    "govshare_task_queue_depth", queue="default")
    assert after == before + 2


def test_r18_metrics_refused_without_the_scrape_credential(client, db, login):
    response = client.get("/metrics")
    assert response.status_code == 401 and "Bearer" in response["WWW-Authenticate"]
    assert client.get("/metrics", headers={"Authorization": "Bearer gs_nope_nope"}
                      ).status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Basic b3BlcmF0b3I6eA=="}
                      ).status_code == 401
    # A person, even the operator, does not scrape with a session.
    assert login("operator").get("/metrics").status_code == 401


def test_r18_metrics_refused_to_a_department_application(person, bearer):
    token = _token(person, "河北省公安厅", "gat_officer")
    response = bearer(token).get("/metrics")
    assert response.status_code == 403
    assert b"govshare_" not in response.content
    assert AuditRecord.objects.filter(action="metrics.scrape", outcome="denied").count() == 1


def test_r18_revoked_scrape_credential_is_refused(operator_token, bearer, person):
    scrape = bearer(operator_token)
    assert scrape.get("/metrics").status_code == 200
    credential = Credential.objects.get(key_id=operator_token.split("_")[1])
    services.credential_revoke(person("operator"), credential)
    assert scrape.get("/metrics").status_code == 401


def test_r17_worker_processes_counts_are_merged(tmp_path, monkeypatch, db):
    """Two processes in multiprocess mode (as gunicorn workers) and one scrape adding them."""
    program = ("from govshare.monitor.metrics import ROWS_SERVED; "
               "ROWS_SERVED.labels('130000-MZT-0002', '3').inc(5)")
    for _worker in range(2):
        subprocess.run([sys.executable, "-c", program], check=True,  # noqa: S603 (our own code)
                       env={"PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PATH": "/usr/bin"})
    assert len(list(tmp_path.glob("counter_*.db"))) == 2
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    families = {f.name: f for f in text_string_to_metric_families(_exposition().decode())}
    assert _sample(families, "govshare_rows_served", "govshare_rows_served_total",
                   resource="130000-MZT-0002", application="3") == 10
    assert "govshare_task_queue_depth" in families
