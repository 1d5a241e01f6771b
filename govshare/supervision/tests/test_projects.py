"""The information-project register (R9): approval is refused, naming what is missing, unless
the project's resources are catalogued and its systems connected to the platform, or it is
secret."""

import pytest

from govshare.catalog.models import Resource
from govshare.core.exceptions import InvalidTransition, PermissionDenied, ValidationError
from govshare.exchange.models import Node
from govshare.orgs.models import Application
from govshare.supervision import services
from govshare.supervision.models import InfoProject

pytestmark = pytest.mark.django_db


def _project(county, **overrides):
    arguments = {
        "name": "正定县智慧民政建设项目", "funding": "180.50", "description": "低保审批信息化",
        "resources": [{"name": "低保对象信息", "resource": county.civil_resource},
                      {"name": "临时救助对象信息"}, {"name": "特困人员信息"}],
        "systems": [{"name": "社会救助系统", "application": county.civil_application},
                    {"name": "养老服务平台"}],
    } | overrides
    project = services.project_create(county.civil_officer, county.civil, **arguments)
    services.project_submit(county.civil_officer, project)
    return project


def test_r9_approval_refuses_a_non_sharing_project_naming_the_missing_resources(county,
                                                                               person):
    project = _project(county)
    with pytest.raises(ValidationError) as error:
        services.project_approve(person("zd_reviewer"), project)
    errors = error.value.field_errors
    assert errors["resources"] == ["以下信息资源尚未编目发布：临时救助对象信息（未编入目录）、"
                                   "特困人员信息（未编入目录）。"]
    assert errors["systems"] == ["以下信息系统未在平台登记为应用系统或经批准的交换节点："
                                 "养老服务平台。"]
    assert "临时救助对象信息" in str(error.value.message)
    project.refresh_from_db()
    assert project.state == InfoProject.State.SUBMITTED


def test_r9_a_resource_catalogued_but_not_published_is_still_missing(county, person):
    draft = Resource.objects.create(code="101000000-ZDMZJ-0009", provider=county.civil)
    project = _project(county, resources=[{"name": "特困人员信息", "resource": draft}],
                       systems=[{"name": "社会救助系统",
                                 "application": county.civil_application}])
    with pytest.raises(ValidationError) as error:
        services.project_approve(person("zd_reviewer"), project)
    assert error.value.field_errors == {
        "resources": ["以下信息资源尚未编目发布：特困人员信息（101000000-ZDMZJ-0009，草稿）。"]}


def test_r9_a_project_with_nothing_registered_is_refused(county, person):
    project = _project(county, resources=[], systems=[])
    with pytest.raises(ValidationError) as error:
        services.project_approve(person("zd_reviewer"), project)
    assert set(error.value.field_errors) == {"resources", "systems"}


def test_r9_a_sharing_project_is_approved(county, person):
    node = Node.objects.get(organization=county.civil)
    project = _project(county, resources=[{"name": "低保对象信息",
                                           "resource": county.civil_resource}],
                       systems=[{"name": "社会救助系统", "application": county.civil_application},
                                {"name": "民政前置机", "node": node}])
    services.project_approve(person("zd_reviewer"), project, comment="同意")
    project.refresh_from_db()
    assert project.state == InfoProject.State.APPROVED and project.decided_at


def test_r9_a_revoked_node_or_stopped_application_does_not_connect_a_system(county, person):
    Node.objects.filter(organization=county.civil).update(state=Node.State.REVOKED)
    Application.objects.filter(pk=county.civil_application.pk).update(is_active=False)
    project = _project(county, resources=[{"name": "低保对象信息",
                                           "resource": county.civil_resource}],
                       systems=[{"name": "社会救助系统", "application": county.civil_application},
                                {"name": "民政前置机",
                                 "node": Node.objects.get(organization=county.civil)}])
    with pytest.raises(ValidationError) as error:
        services.project_approve(person("zd_reviewer"), project)
    assert "社会救助系统、民政前置机" in error.value.field_errors["systems"][0]


def test_r9_a_secret_project_is_approved_without_sharing(county, person):
    project = _project(county, is_secret=True)
    services.project_approve(person("zd_reviewer"), project)
    assert InfoProject.objects.get().state == InfoProject.State.APPROVED


def test_r9_another_departments_resources_and_systems_cannot_be_claimed(county):
    with pytest.raises(ValidationError) as error:
        services.project_create(
            county.civil_officer, county.civil, name="项目", funding="1",
            resources=[{"name": "户籍", "resource": county.police_resource}],
            systems=[{"name": "前置机", "node": Node.objects.get(organization=county.police)}])
    assert set(error.value.field_errors) == {"resources", "systems"}
    with pytest.raises(ValidationError) as error:
        services.project_create(county.civil_officer, county.civil, name=" ", funding="-1")
    assert set(error.value.field_errors) == {"name", "funding"}
    assert not InfoProject.objects.exists()


def test_r9_who_registers_submits_and_decides(county, person):
    with pytest.raises(PermissionDenied):
        services.project_create(county.police_officer, county.civil, name="项目", funding="1")
    project = _project(county, is_secret=True)
    for username in ("supervisor", "gat_admin", "operator"):
        with pytest.raises(PermissionDenied):
            services.project_approve(person(username), project)
    with pytest.raises(PermissionDenied):
        services.project_approve(county.civil_officer, project)
    with pytest.raises(InvalidTransition):
        services.project_update(county.civil_officer, project, name="改名")
    with pytest.raises(ValidationError):
        services.project_reject(person("zd_reviewer"), project, comment="")
    services.project_reject(person("zd_reviewer"), project, comment="预算过高")
    services.project_update(county.civil_officer, project, funding="90",
                            systems=[{"name": "社会救助系统",
                                      "application": county.civil_application}])
    project.refresh_from_db()
    assert project.state == InfoProject.State.REJECTED and str(project.funding) == "90.00"
    assert [s.name for s in project.systems.all()] == ["社会救助系统"]
    assert project.planned_resources.count() == 3
    services.project_submit(county.civil_officer, project)
    services.project_approve(person("sjz_reviewer"), project)


def test_r9_the_project_page_shows_the_refusal(county, login):
    project = _project(county)
    client = login("zd_reviewer")
    page = client.post(f"/supervision/projects/{project.pk}/approve/", {"comment": ""})
    assert page.status_code == 200
    text = page.content.decode()
    assert "临时救助对象信息（未编入目录）" in text and "养老服务平台" in text
    assert InfoProject.objects.get().state == InfoProject.State.SUBMITTED
