"""The catalog through /api/v1/catalog/: the lifecycle and its denials, search with facets and
region filtering (R7), versions, single-source conflicts (R11) and spreadsheets."""

import io

import pytest
from openpyxl import load_workbook

from govshare.catalog import spreadsheets
from govshare.catalog.models import SourceConflict
from govshare.orgs.models import Organization

from .conftest import population_metadata

BASE = "/api/v1/catalog"


def _post(client, path, payload=None):
    return client.post(f"{BASE}{path}", payload or {}, content_type="application/json")


def _compile(client, username_org, **overrides):
    payload = population_metadata(**overrides)
    payload["provider_id"] = Organization.objects.get(name=username_org).pk
    return _post(client, "/resources", payload)


@pytest.fixture
def api_published(login, elements):
    """Compile, submit and publish through the API; returns the resource's code."""

    def make(officer="gat_officer", org="河北省公安厅", reviewer="hb_reviewer", **overrides):
        created = _compile(login(officer), org, **overrides)
        assert created.status_code == 201, created.content
        code = created.json()["code"]
        assert _post(login(officer), f"/resources/{code}/submit").status_code == 200
        published = _post(login(reviewer), f"/resources/{code}/publish", {"comment": "同意"})
        assert published.status_code == 200, published.content
        return code

    return make


def test_r7_search_finds_huji_in_the_population_register_through_the_api(api_published,
                                                                          login):
    code = api_published()
    api_published("mzt_officer", "河北省民政厅", name="婚姻登记信息", summary="结婚离婚登记。",
                  items=[{"identifier": "djzh", "name": "婚姻登记证字号"}])
    found = login("mzt_staff").get(f"{BASE}/resources", {"q": "户籍"}).json()
    assert found["total"] == 1
    hit = found["hits"][0]
    assert (hit["code"], hit["name"]) == (code, "常住人口户籍信息")
    assert hit["provider_name"] == "河北省公安厅" and hit["share_type"] == "conditional"
    # Data item names are searchable too.
    assert login("mzt_staff").get(f"{BASE}/resources", {"q": "婚姻登记证字号"}).json()["total"] == 1
    assert login("mzt_staff").get(f"{BASE}/resources", {"q": "不动产"}).json()["total"] == 0


def test_r7_search_facets_and_filters(api_published, login):
    api_published()
    api_published("mzt_officer", "河北省民政厅", name="养老机构信息", share_type="unconditional",
                  share_conditions="", open_type="open", items=[
                      {"identifier": "jgmc", "name": "机构名称"}])
    client = login("gat_staff")
    everything = client.get(f"{BASE}/resources").json()
    assert everything["total"] == 2
    share_types = {f["value"]: (f["label"], f["count"])
                   for f in everything["facets"]["share_type"]}
    assert share_types == {"conditional": ("有条件共享", 1), "unconditional": ("无条件共享", 1)}
    providers = [f["label"] for f in everything["facets"]["provider"]]
    assert sorted(providers) == ["河北省公安厅", "河北省民政厅"]
    only_open = client.get(f"{BASE}/resources", {"open_type": "open"}).json()
    assert [h["name"] for h in only_open["hits"]] == ["养老机构信息"]
    assert [f["selected"] for f in only_open["facets"]["open_type"]] == [True]
    either = client.get(f"{BASE}/resources?open_type=open&open_type=not_open").json()
    assert either["total"] == 2
    bad = client.get(f"{BASE}/resources", {"region": "13"})
    assert bad.status_code == 400 and "region" in bad.json()["errors"]


def test_r7_the_provinces_catalog_rolls_up_every_level_filterable_by_region(api_published,
                                                                           login):
    api_published()
    city = api_published("sjz_gaj_admin", "石家庄市公安局", reviewer="sjz_reviewer",
                         name="居住证办理信息")
    client = login("mzt_staff")
    province = client.get(f"{BASE}/resources", {"region": "130000"}).json()
    assert province["total"] == 2
    regions = dict((f["value"], f["count"]) for f in province["facets"]["region"])
    assert regions == {"130000": 1, "130100": 1}
    shijiazhuang = client.get(f"{BASE}/resources", {"region": "130100"}).json()
    assert [h["code"] for h in shijiazhuang["hits"]] == [city]
    assert client.get(f"{BASE}/resources", {"region": "130200"}).json()["total"] == 0


def test_r7_api_denials_name_the_field_and_the_step(api_published, login, elements):
    gat = login("gat_officer")
    refused = _compile(gat, "河北省公安厅", share_type="not_shared", share_modes=[])
    assert refused.status_code == 400
    assert list(refused.json()["errors"]) == ["legal_basis"]
    assert _compile(login("mzt_officer"), "河北省公安厅").status_code == 403
    code = _compile(gat, "河北省公安厅").json()["code"]
    assert _post(login("gat_staff"), f"/resources/{code}/submit").status_code == 403
    assert _post(gat, f"/resources/{code}/submit").status_code == 200
    assert _post(gat, f"/resources/{code}/publish").status_code == 403
    # A city's authority cannot even see the province's submission, let alone publish it.
    assert _post(login("sjz_reviewer"), f"/resources/{code}/publish").status_code == 404
    assert _post(gat, f"/resources/{code}/submit").status_code == 409
    # A draft is invisible outside its department and authorities.
    assert login("mzt_staff").get(f"{BASE}/resources/{code}").status_code == 404
    assert login("hb_reviewer").get(f"{BASE}/resources/{code}").status_code == 200
    assert [r["code"] for r in login("hb_reviewer").get(f"{BASE}/review-queue").json()] == [code]
    assert login("sjz_reviewer").get(f"{BASE}/review-queue").json() == []


def test_r11_change_through_the_api_keeps_the_old_version_until_published(api_published,
                                                                         login):
    code = api_published()
    staff = login("gat_staff")
    changed = _post(staff, f"/resources/{code}/change",
                    {"change_reason": "institutional_reform", "change_description": "机构改革"})
    assert changed.status_code == 201 and changed.json()["number"] == 2
    patched = staff.patch(f"{BASE}/resources/{code}", {"name": "常住人口户籍登记信息"},
                          content_type="application/json")
    assert patched.status_code == 200
    body = patched.json()
    assert body["current"]["name"] == "常住人口户籍信息"
    assert body["pending"]["name"] == "常住人口户籍登记信息"
    _post(login("gat_officer"), f"/resources/{code}/submit")
    # Search still shows the version in force while the change is reviewed.
    search = login("mzt_staff").get(f"{BASE}/resources", {"q": "户籍"}).json()
    assert search["hits"][0]["name"] == "常住人口户籍信息"
    _post(login("hb_reviewer"), f"/resources/{code}/publish")
    search = login("mzt_staff").get(f"{BASE}/resources", {"q": "户籍"}).json()
    assert search["total"] == 1 and search["hits"][0]["name"] == "常住人口户籍登记信息"
    comparison = staff.get(f"{BASE}/resources/{code}/compare", {"old": 1, "new": 2}).json()
    assert {f["field"] for f in comparison["fields"]} == {"name", "change_reason",
                                                         "change_description"}
    assert staff.get(f"{BASE}/resources/{code}/versions/1").json()["status"] == "superseded"


def test_r7_withdrawing_removes_the_resource_from_search(api_published, login):
    code = api_published()
    withdrawn = _post(login("gat_officer"), f"/resources/{code}/withdraw", {"reason": "停止采集"})
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert login("mzt_staff").get(f"{BASE}/resources", {"q": "户籍"}).json()["total"] == 0


def test_r11_conflicts_are_listed_and_resolved_through_the_api(api_published, login):
    api_published()
    api_published("sjz_gaj_admin", "石家庄市公安局", reviewer="sjz_reviewer",
                  name="居住证办理信息")
    conflicts = login("gat_staff").get(f"{BASE}/conflicts").json()
    assert [c["element"] for c in conflicts] == ["GMSFHM"]
    conflict = conflicts[0]
    gat_claim = next(c for c in conflict["claims"] if c["resource"].endswith("GAT-0001"))
    path = f"/conflicts/{conflict['id']}/resolve"
    assert _post(login("sjz_reviewer"), path, {"claim_id": gat_claim["id"]}).status_code == 403
    assert _post(login("hb_reviewer"), path, {"claim_id": 0}).status_code == 400
    resolved = _post(login("hb_reviewer"), path, {"claim_id": gat_claim["id"]})
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    assert login("gat_staff").get(f"{BASE}/conflicts").json() == []
    assert not SourceConflict.objects.open().exists()
    elements = {e["identifier"]: e for e in login("gat_staff").get(f"{BASE}/elements").json()}
    assert elements["GMSFHM"]["source_resource"] == gat_claim["resource"]


def test_r7_spreadsheets_through_the_api(login, elements):
    client = login("gat_officer")
    template = client.get(f"{BASE}/template.xlsx")
    assert template.status_code == 200
    assert template["Content-Type"].startswith("application/vnd.openxmlformats")
    provider = Organization.objects.get(name="河北省公安厅").pk
    bad = client.post(f"{BASE}/import", {"provider_id": provider,
                                        "file": io.BytesIO(b"plain text")})
    assert bad.status_code == 400 and "file" in bad.json()["errors"]
    exported = client.get(f"{BASE}/export.xlsx", {"view": "mine"})
    assert exported.status_code == 200


def test_r12_data_updates_reported_through_the_api(api_published, login):
    code = api_published()
    reported = _post(login("gat_officer"), f"/resources/{code}/data-updated")
    assert reported.status_code == 200 and reported.json()["data_updated_at"]
    assert reported.json()["stale"] is False
    assert _post(login("mzt_officer"), f"/resources/{code}/data-updated").status_code == 403


def test_r7_export_of_a_search_holds_the_resources_found(api_published, login):
    api_published()
    api_published("mzt_officer", "河北省民政厅", name="婚姻登记信息", summary="结婚离婚登记。",
                  items=[{"identifier": "djzh", "name": "婚姻登记证字号"}])
    exported = login("mzt_staff").get(f"{BASE}/export.xlsx", {"view": "browse", "q": "户籍"})
    sheet = load_workbook(io.BytesIO(exported.content))[spreadsheets.RESOURCE_SHEET]
    assert [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["常住人口户籍信息"]


def test_r7_the_catalog_api_is_described_in_the_openapi_schema(login):
    paths = login("gat_staff").get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/catalog/resources", "/api/v1/catalog/resources/{code}/publish",
            "/api/v1/catalog/import", "/api/v1/catalog/conflicts"} <= set(paths)
