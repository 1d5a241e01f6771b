from govshare.orgs.models import Organization, Region


def test_r4_demo_has_province_all_cities_and_shijiazhuang_counties(demo):
    province = Region.objects.get(code="130000")
    assert province.level == "province"
    cities = Region.objects.filter(parent=province)
    assert sorted(cities.values_list("code", flat=True)) == [
        f"13{n:02d}00" for n in range(1, 12)]
    sjz = Region.objects.get(code="130100")
    assert sjz.children.filter(code="130102", name="长安区").exists()
    assert sjz.contains(Region.objects.get(code="130123"))
    assert not sjz.contains(Region.objects.get(code="130200"))


def test_r4_each_level_has_one_authority_and_the_province_an_operator(demo):
    for code in ["130000", "130100", "130123"]:
        assert Organization.objects.filter(region__code=code, duty="authority").count() == 1
    assert Organization.objects.filter(region__code="130000", duty="operator").count() == 1
    assert Organization.objects.filter(region__code="130000", duty="department").count() >= 20


def test_r4_region_api_walks_down_to_a_county(login):
    client = login("gat_staff")
    cities = client.get("/api/v1/regions?parent=130000").json()
    assert len(cities) == 11
    counties = client.get("/api/v1/regions?parent=130100").json()
    assert {"code": "130123", "name": "正定县", "level": "county", "parent": "130100"} in counties
    organizations = client.get("/api/v1/organizations?region=130123").json()
    assert {o["name"] for o in organizations} >= {"正定县公安局", "正定县数据和政务服务局"}
    assert client.get("/api/v1/regions/999999").status_code == 404
