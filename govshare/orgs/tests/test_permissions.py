"""Department administrators manage their own organisation's people only; denials are exact."""

import pytest

from govshare.audit.models import AuditRecord
from govshare.core.exceptions import PermissionDenied
from govshare.orgs import services
from govshare.orgs.models import Organization, Role, RoleAssignment, User


def test_r4_department_admin_creates_users_in_own_organisation(person):
    admin = person("gat_admin")
    user = services.user_create(admin, organization=admin.organization, username="gat_new",
                                password="A-long-enough-pass-42", display_name="新同事")
    assert user.organization == admin.organization
    assert user.check_password("A-long-enough-pass-42")
    assert AuditRecord.objects.filter(action="user.create", object_id=str(user.pk)).exists()


def test_r4_department_admin_cannot_create_users_elsewhere(person):
    admin = person("gat_admin")
    other = Organization.objects.get(name="河北省民政厅")
    with pytest.raises(PermissionDenied):
        services.user_create(admin, organization=other, username="intruder",
                             password="A-long-enough-pass-42")
    assert not User.objects.filter(username="intruder").exists()


def test_r4_department_admin_cannot_give_roles_to_another_departments_people(person):
    admin = person("gat_admin")
    with pytest.raises(PermissionDenied):
        services.role_assign(admin, user=person("mzt_staff"), role=Role.DEPT_ADMIN,
                             organization=person("mzt_staff").organization)
    # Nor can they hand their own people a role in another organisation, or a region role.
    with pytest.raises(PermissionDenied):
        services.role_assign(admin, user=person("gat_staff"), role=Role.DEPT_ADMIN,
                             organization=person("mzt_staff").organization)
    with pytest.raises(PermissionDenied):
        services.role_assign(admin, user=person("gat_staff"), role=Role.OPERATOR,
                             region=person("operator").role_assignments()[0].region)
    assert not person("mzt_staff").roles.filter(role=Role.DEPT_ADMIN).exists()


def test_r6_operator_manages_every_organisation(person):
    operator = person("operator")
    other = Organization.objects.get(name="河北省民政厅")
    user = services.user_create(operator, organization=other, username="mzt_new",
                                password="A-long-enough-pass-42")
    services.role_assign(operator, user=user, role=Role.SHARING_OFFICER, organization=other)
    assert user.has_org_role(other, Role.SHARING_OFFICER)


def test_r4_staff_and_applications_cannot_manage_people(person):
    staff = person("gat_staff")
    with pytest.raises(PermissionDenied):
        services.user_create(staff, organization=staff.organization, username="x1",
                             password="A-long-enough-pass-42")


def test_r4_api_denies_other_departments_admin(login, person):
    target = person("mzt_staff")
    gat = login("gat_admin")
    # Users of another organisation are invisible: 404, never their data.
    assert gat.get(f"/api/v1/users/{target.pk}").status_code == 404
    assert gat.patch(f"/api/v1/users/{target.pk}", {"is_active": False},
                     content_type="application/json").status_code == 404
    listing = gat.get(f"/api/v1/users?organization_id={target.organization_id}").json()
    assert listing == []
    created = gat.post("/api/v1/users", {
        "organization_id": target.organization_id, "username": "intruder",
        "password": "A-long-enough-pass-42"}, content_type="application/json")
    assert created.status_code == 403
    assert "detail" in created.json()
    assert not User.objects.filter(username="intruder").exists()
    assert User.objects.get(pk=target.pk).is_active


def test_r4_api_allows_own_departments_admin(login, person):
    mzt = login("mzt_admin")
    target = person("mzt_staff")
    response = mzt.patch(f"/api/v1/users/{target.pk}", {"display_name": "改名"},
                         content_type="application/json")
    assert response.status_code == 200
    assert response.json()["display_name"] == "改名"
    created = mzt.post("/api/v1/users", {
        "organization_id": target.organization_id, "username": "mzt_api",
        "password": "A-long-enough-pass-42"}, content_type="application/json")
    assert created.status_code == 201
    role = mzt.post("/api/v1/roles", {"user_id": created.json()["id"], "role": "dept_staff",
                                      "organization_id": target.organization_id},
                    content_type="application/json")
    assert role.status_code == 201
    revoked = mzt.delete(f"/api/v1/roles/{role.json()['id']}")
    assert revoked.status_code == 204


def test_r4_web_denies_other_departments_admin(login, person):
    target = person("mzt_staff")
    gat = login("gat_admin")
    page = gat.get(f"/organizations/{target.organization_id}/users/")
    assert page.status_code == 200
    assert "mzt_staff" not in page.content.decode()
    response = gat.post(f"/organizations/{target.organization_id}/users/", {
        "username": "intruder", "password": "A-long-enough-pass-42"})
    assert response.status_code == 403
    assert not User.objects.filter(username="intruder").exists()
    assert gat.post(f"/users/{target.pk}/roles/", {"role": "dept_admin"}).status_code == 404
    assignment = RoleAssignment.objects.get(user=target)
    assert gat.post(f"/roles/{assignment.pk}/revoke/").status_code == 404
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_r4_web_allows_own_departments_admin(login, person):
    mzt = login("mzt_admin")
    org_id = person("mzt_admin").organization_id
    response = mzt.post(f"/organizations/{org_id}/users/", {
        "username": "mzt_web", "display_name": "网页新建", "password": "A-long-enough-pass-42"})
    assert response.status_code == 302
    user = User.objects.get(username="mzt_web")
    assert mzt.post(f"/users/{user.pk}/roles/", {"role": "dept_staff"}).status_code == 302
    assert user.roles.filter(role="dept_staff").exists()


def test_r4_weak_password_is_rejected_naming_the_field(login, person):
    org_id = person("mzt_admin").organization_id
    response = login("mzt_admin").post("/api/v1/users", {
        "organization_id": org_id, "username": "weak", "password": "123"},
        content_type="application/json")
    assert response.status_code == 400
    assert "password" in response.json()["errors"]
    assert not User.objects.filter(username="weak").exists()


def test_r18_unauthenticated_api_calls_get_401_not_500(client, demo):
    for method, url in [("get", "/api/v1/regions"), ("get", "/api/v1/users"),
                        ("post", "/api/v1/users"), ("post", "/api/v1/applications"),
                        ("delete", "/api/v1/roles/1"), ("get", "/api/v1/me")]:
        response = getattr(client, method)(url)
        assert response.status_code == 401, (method, url, response.status_code)
        assert response.json()["detail"]


def test_r18_bad_json_names_the_field(login, person):
    response = login("mzt_admin").post("/api/v1/users", {"username": "x"},
                                       content_type="application/json")
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert "organization_id" in errors and "password" in errors


def test_r6_admin_is_for_the_operator_only(login):
    assert login("operator").get("/admin/").status_code == 200
    assert login("gat_admin").get("/admin/").status_code == 302
