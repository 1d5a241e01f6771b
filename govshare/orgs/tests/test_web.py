from django.core.management import call_command
from django.test import Client

from govshare.orgs.demo import DEMO_PASSWORD
from govshare.orgs.models import Application, Credential, RoleAssignment, User


def test_r18_login_locks_out_after_repeated_failures(demo, settings):
    client = Client()
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/accounts/login/", {"username": "gat_staff", "password": "wrong"})
        assert response.status_code == 200
    last = client.post("/accounts/login/", {"username": "gat_staff", "password": "wrong"})
    assert last.status_code == 429
    locked = client.post("/accounts/login/", {"username": "gat_staff", "password": DEMO_PASSWORD})
    assert locked.status_code == 429
    assert "锁定" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # Another account is not locked by those failures.
    other = Client().post("/accounts/login/", {"username": "mzt_staff", "password": DEMO_PASSWORD})
    assert other.status_code == 302


def test_r15_web_issues_a_credential_once_and_revokes_it(login, person):
    client = login("mzt_officer")
    org_id = person("mzt_officer").organization_id
    created = client.post(f"/organizations/{org_id}/applications/",
                          {"name": "低保审核系统", "description": "", "contact": ""})
    assert created.status_code == 302
    application = Application.objects.get(name="低保审核系统")
    issued = client.post(f"/applications/{application.pk}/credentials/")
    token = issued.context["issued_token"]
    assert token.startswith("gs_") and token in issued.content.decode()
    again = client.get(f"/applications/{application.pk}/").content.decode()
    assert token not in again and token.split("_", 2)[2] not in again
    credential = Credential.objects.get(application=application)
    assert client.post(f"/credentials/{credential.pk}/revoke/").status_code == 302
    assert Client(headers={"Authorization": f"Bearer {token}"}).get("/api/v1/me").status_code == 401


def test_r15_web_hides_other_departments_applications(login, person):
    client = login("gat_admin")
    org_id = person("mzt_officer").organization_id
    page = client.get(f"/organizations/{org_id}/applications/").content.decode()
    assert "登记应用系统" not in page
    response = client.post(f"/organizations/{org_id}/applications/", {"name": "冒名系统"})
    assert response.status_code == 403
    assert not Application.objects.filter(name="冒名系统").exists()


def test_r4_createuser_command_sets_up_a_first_user(demo):
    from govshare.orgs.models import Organization

    operator_org = Organization.objects.get(duty="operator")
    call_command("createuser", "first_op", "--password", "pw-for-first-op",
                 "--organization", operator_org.credit_code, "--role", "operator")
    user = User.objects.get(username="first_op")
    assert user.is_operator and user.check_password("pw-for-first-op")
    assert RoleAssignment.objects.get(user=user).region.code == operator_org.region.code
