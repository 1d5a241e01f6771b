"""One installation serves one region subtree (R4, R8): the root is GOVSHARE_ROOT_REGION."""

import pytest

from govshare.core.exceptions import PermissionDenied
from govshare.orgs import services, tenancy
from govshare.orgs.credit_code import make_credit_code
from govshare.orgs.models import Organization, Region, Role, RoleAssignment


@pytest.fixture
def city_installation(settings, demo):
    settings.GOVSHARE_ROOT_REGION = "130100"


def test_r4_the_province_is_the_default_root(demo):
    assert tenancy.root_region().code == "130000"
    assert tenancy.serves(Region.objects.get(code="130123"))
    assert Region.objects.filter(tenancy.served()).count() == Region.objects.count()


def test_r8_a_city_installation_serves_its_subtree_only(city_installation):
    assert tenancy.root_region().code == "130100"
    assert tenancy.serves(Region.objects.get(code="130100"))
    assert tenancy.serves(Region.objects.get(code="130123"))
    assert not tenancy.serves(Region.objects.get(code="130000"))
    assert not tenancy.serves(Region.objects.get(code="130200"))
    served = set(Region.objects.filter(tenancy.served()).values_list("code", flat=True))
    assert served == {"130100"} | {r.code for r in Region.objects.filter(parent__code="130100")}


def test_r8_a_city_operator_creates_organisations_in_its_subtree_only(city_installation, person):
    operator = person("operator")
    county = Region.objects.get(code="130123")
    created = services.organization_create(operator, name="正定县体育局",
                                           credit_code=make_credit_code("1", "130123", 77),
                                           region=county)
    assert created.region == county
    with pytest.raises(PermissionDenied):
        services.organization_create(operator, name="唐山市体育局",
                                     credit_code=make_credit_code("1", "130200", 78),
                                     region=Region.objects.get(code="130200"))
    assert not Organization.objects.filter(name="唐山市体育局").exists()
    with pytest.raises(PermissionDenied):
        services.organization_update(operator, Organization.objects.get(name="河北省公安厅"),
                                     name="改名")


def test_r8_no_role_is_scoped_outside_the_installation(city_installation, person):
    operator = person("operator")
    with pytest.raises(PermissionDenied):
        services.role_assign(operator, user=person("sjz_reviewer"),
                             role=Role.SUPERVISOR, region=Region.objects.get(code="130000"))
    with pytest.raises(PermissionDenied):
        services.role_assign(operator, user=person("gat_staff"), role=Role.SHARING_OFFICER,
                             organization=person("gat_staff").organization)
    assignment = services.role_assign(operator, user=person("sjz_reviewer"),
                                      role=Role.SUPERVISOR,
                                      region=Region.objects.get(code="130100"))
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_r8_the_region_api_lists_the_served_subtree(city_installation, login):
    client = login("gat_staff")
    assert [r["code"] for r in client.get("/api/v1/regions?parent=130000").json()] == ["130100"]
    assert len(client.get("/api/v1/regions?parent=130100").json()) == 22
    assert client.get("/api/v1/regions/130200").status_code == 404
