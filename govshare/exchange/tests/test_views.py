"""The exchange's web page: a department issues a registration code, the operator approves the
node, an application's manager downloads its Delta Sharing profile (R10, R14)."""

import json

import pytest

from govshare.exchange.models import Node, RegistrationCode
from govshare.orgs.models import Application, Organization

from .factories import registered_node

pytestmark = pytest.mark.django_db


def test_r10_a_department_administrator_issues_a_code_shown_once(login):
    admin = login("gat_admin")
    gat = Organization.objects.get(name="河北省公安厅")
    response = admin.post(f"/exchange/organizations/{gat.pk}/registration-code/", follow=True)
    page = response.content.decode()
    assert response.status_code == 200 and "gsn_" in page
    assert RegistrationCode.objects.filter(organization=gat).count() == 1
    assert "gsn_" not in admin.get("/exchange/").content.decode()


def test_r10_another_department_cannot_issue_codes_for_it(login):
    gat = Organization.objects.get(name="河北省公安厅")
    login("mzt_admin").post(f"/exchange/organizations/{gat.pk}/registration-code/")
    assert not RegistrationCode.objects.exists()


def test_r10_the_operator_approves_a_pending_node_on_the_page(login, tmp_path):
    node, _key = registered_node(tmp_path, "河北省公安厅", approve=False)
    approve = f"/exchange/nodes/{node.pk}/approve/"
    page = login("gat_admin").get("/exchange/").content.decode()
    assert node.key_id in page and approve not in page
    login("gat_admin").post(f"/exchange/nodes/{node.pk}/approve/")
    assert Node.objects.get().state == Node.State.PENDING
    operator = login("operator")
    assert approve in operator.get("/exchange/").content.decode()
    operator.post(approve)
    assert Node.objects.get().state == Node.State.APPROVED


def test_r15_only_an_application_s_managers_download_its_profile(login):
    application = Application.objects.create(
        organization=Organization.objects.get(name="河北省民政厅"), name="社会救助系统")
    response = login("mzt_officer").post(
        f"/exchange/applications/{application.pk}/delta-sharing-profile/")
    profile = json.loads(response.content)
    assert profile["shareCredentialsVersion"] == 1
    assert profile["endpoint"].endswith("/api/v1/delta-sharing")
    assert profile["bearerToken"].startswith("gs_")
    assert login("gat_officer").post(
        f"/exchange/applications/{application.pk}/delta-sharing-profile/").status_code == 404
