"""Each orgs service, called once as the demo user allowed to call it (see audit/testing.py)."""

from govshare.audit.testing import AuditCase
from govshare.orgs import services
from govshare.orgs.credit_code import make_credit_code
from govshare.orgs.models import Application, Region, Role, RoleAssignment

PASSWORD = "A-long-enough-pass-42"


def _gat(person):
    return person("gat_admin").organization


def _application(person):
    return Application.objects.get_or_create(organization=_gat(person), name="警务综合平台")[0]


def _credential(person):
    credential, _token = services.credential_issue(person("gat_officer"), _application(person))
    return credential


CASES = [
    AuditCase("orgs.organization_create", lambda person: services.organization_create(
        person("operator"), name="河北省体育局", credit_code=make_credit_code("1", "130000", 99),
        region=Region.objects.get(code="130000")), ("organization.create",)),
    AuditCase("orgs.organization_update", lambda person: services.organization_update(
        person("operator"), _gat(person), name="河北省公安厅（新）"), ("organization.update",)),
    AuditCase("orgs.user_create", lambda person: services.user_create(
        person("gat_admin"), organization=_gat(person), username="gat_new", password=PASSWORD),
        ("user.create",)),
    AuditCase("orgs.user_update", lambda person: services.user_update(
        person("gat_admin"), person("gat_staff"), display_name="新名字"), ("user.update",)),
    AuditCase("orgs.role_assign", lambda person: services.role_assign(
        person("gat_admin"), user=person("gat_staff"), role=Role.SHARING_OFFICER,
        organization=_gat(person)), ("role.assign",)),
    AuditCase("orgs.role_revoke", lambda person: services.role_revoke(
        person("gat_admin"), RoleAssignment.objects.get(user=person("gat_staff"))),
        ("role.revoke",)),
    AuditCase("orgs.application_create", lambda person: services.application_create(
        person("gat_officer"), organization=_gat(person), name="人口库"),
        ("application.create",)),
    AuditCase("orgs.application_update", lambda person: services.application_update(
        person("gat_officer"), _application(person), contact="张三 0311-0000000"),
        ("application.update",)),
    AuditCase("orgs.credential_issue", lambda person: services.credential_issue(
        person("gat_officer"), _application(person)), ("credential.issue",)),
    AuditCase("orgs.credential_revoke", lambda person: services.credential_revoke(
        person("gat_officer"), _credential(person)),
        ("credential.issue", "credential.revoke")),
    AuditCase("orgs.credential_rotate", lambda person: services.credential_rotate(
        person("gat_officer"), _credential(person)),
        ("credential.issue", "credential.revoke", "credential.issue")),
]
