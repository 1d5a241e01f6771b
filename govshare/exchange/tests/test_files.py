"""File resources: versioned uploads checked by SHA-256, downloads through a grant (R12, R14)."""

import base64
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from govshare.audit.models import AuditRecord
from govshare.exchange.models import FileVersion
from govshare.orgs.models import Organization

from .factories import SignedClient, application_with_token, grant_for, published_resource

pytestmark = pytest.mark.django_db

ITEMS = [("year", "年度", "integer", True), ("report", "报告", "string", False)]


@pytest.fixture
def statistics(demo, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return published_resource(Organization.objects.get(name="河北省公安厅"),
                              code="301000000-GAT-0009", name="治安统计年报", items=ITEMS,
                              share_modes=("file",))


def _upload(client, resource, content, name="年报2025.pdf", sha256=None):
    return client.post(f"/api/v1/exchange/resources/{resource.code}/files", {
        "file": SimpleUploadedFile(name, content),
        "sha256": sha256 if sha256 is not None else hashlib.sha256(content).hexdigest()})


def test_r12_uploads_are_versioned_and_checked_by_sha256(statistics, login):
    staff = login("gat_staff")
    assert _upload(staff, statistics, b"first").json()["number"] == 1
    second = _upload(staff, statistics, b"second edition")
    assert second.status_code == 201 and second.json()["number"] == 2
    assert second.json()["sha256"] == hashlib.sha256(b"second edition").hexdigest()
    damaged = _upload(staff, statistics, b"damaged", sha256="0" * 64)
    assert damaged.status_code == 400 and "sha256" in damaged.json()["errors"]
    assert FileVersion.objects.count() == 2
    assert AuditRecord.objects.filter(action="file.upload").count() == 2


def test_r9_only_the_provider_uploads(statistics, login):
    response = _upload(login("mzt_staff"), statistics, b"not theirs")
    assert response.status_code == 403 and not FileVersion.objects.exists()


def test_r10_a_provider_node_uploads_signed(statistics, tmp_path):
    from .factories import registered_node

    _node, key = registered_node(tmp_path, "河北省公安厅")
    content = b"%PDF-1.7 ..."
    response = SignedClient(key).call(
        "PUT", f"/api/v1/exchange/resources/{statistics.code}/files/report.pdf"
               f"?sha256={hashlib.sha256(content).hexdigest()}", content)
    assert response.status_code == 201 and response.json()["size"] == len(content)


def test_r14_download_through_a_grant_only(statistics, login, bearer):
    _upload(login("gat_staff"), statistics, b"the annual report")
    application, token = application_with_token("河北省民政厅")
    client = bearer(token)
    assert client.get(f"/api/v1/data/{statistics.code}/files/1").status_code == 403
    grant_for(application, statistics, ["year", "report"])
    (listed,) = client.get(f"/api/v1/data/{statistics.code}/files").json()
    response = client.get(f"/api/v1/data/{statistics.code}/files/1")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body == b"the annual report"
    digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
    assert response["Repr-Digest"] == f"sha-256=:{digest}:" and listed["sha256"] in response["ETag"]
    assert AuditRecord.objects.filter(action="resource.access", outcome="ok").count() == 1
