"""The catalog's web pages (R7): my catalog, the resource form with its data-item table, the
detail page with versions and comparison, the review queue, conflicts, spreadsheets, export."""

import io

import pytest
from openpyxl import load_workbook

from govshare.catalog import services, spreadsheets
from govshare.catalog.models import Resource, ResourceVersion, SourceClaim, SourceConflict


def _form(**overrides):
    data = {
        "name": "常住人口户籍信息", "summary": "全省常住人口的户籍登记信息。",
        "classification": "101001", "format": "database", "share_type": "conditional",
        "share_conditions": "用于身份核验", "share_modes": ["api"], "open_type": "not_open",
        "update_cycle": "daily", "keywords": "", "contact": "", "related_resources": "",
        "item_row": ["r1", "r2"],
        "item-r1-identifier": "gmsfhm", "item-r1-name": "公民身份号码",
        "item-r1-data_type": "string", "item-r1-length": "18", "item-r1-element": "GMSFHM",
        "item-r1-is_key": "1", "item-r1-is_source": "1",
        "item-r2-identifier": "xm", "item-r2-name": "姓名", "item-r2-data_type": "string",
    }
    data.update(overrides)
    return data


def test_r7_the_resource_form_creates_a_draft_with_its_data_items(login, elements):
    client = login("gat_staff")
    page = client.get("/catalog/new/")
    assert page.status_code == 200 and 'hx-get="/catalog/item-row/"' in page.content.decode()
    response = client.post("/catalog/new/", _form())
    resource = Resource.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(
        f"/catalog/resources/{resource.code}/")
    items = list(resource.pending_version.items.all())
    assert [(i.identifier, i.is_key, i.is_source, i.length) for i in items] == [
        ("gmsfhm", True, True, 18), ("xm", False, False, None)]


def test_r12_the_form_shows_each_refusal_beside_its_field_and_row(login, elements):
    client = login("gat_staff")
    response = client.post("/catalog/new/", _form(
        share_conditions="", **{"item-r2-identifier": "9x"}))
    assert response.status_code == 200
    page = response.content.decode()
    assert "有条件共享的资源须说明共享条件" in page
    assert "标识符以字母开头" in page
    assert Resource.objects.count() == 0


def test_r7_htmx_adds_a_blank_item_row(login, elements):
    row = login("gat_staff").get("/catalog/item-row/", headers={"HX-Request": "true"})
    page = row.content.decode()
    assert row.status_code == 200 and page.strip().startswith("<tr")
    assert 'name="item_row"' in page and "data-remove-row" in page


def test_r7_edit_submit_review_and_compare_on_the_web(login, compile_resource, person):
    resource = compile_resource("gat_staff")
    staff = login("gat_staff")
    edit = staff.get(f"/catalog/resources/{resource.code}/edit/")
    assert edit.status_code == 200 and "gmsfhm" in edit.content.decode()
    detail = staff.get(f"/catalog/resources/{resource.code}/").content.decode()
    assert "提交审核" not in detail, "staff may edit, only the officer submits"
    officer = login("gat_officer")
    assert "提交审核" in officer.get(f"/catalog/resources/{resource.code}/").content.decode()
    officer.post(f"/catalog/resources/{resource.code}/submit/")
    assert ResourceVersion.objects.get().status == "submitted"

    assert "审核通过并发布" not in officer.get(
        f"/catalog/resources/{resource.code}/").content.decode()
    reviewer = login("hb_reviewer")
    queue = reviewer.get("/catalog/review/").content.decode()
    assert resource.code in queue
    returned = reviewer.post(f"/catalog/resources/{resource.code}/return/", {"comment": ""})
    assert returned.status_code == 302
    assert ResourceVersion.objects.get().status == "submitted", "a return needs a comment"
    reviewer.post(f"/catalog/resources/{resource.code}/publish/", {"comment": "同意"})
    resource.refresh_from_db()
    assert resource.status == "published"

    staff.post(f"/catalog/resources/{resource.code}/change/",
               {"change_reason": "institutional_reform", "change_description": "机构改革"})
    staff.post(f"/catalog/resources/{resource.code}/edit/",
               _form(name="常住人口户籍登记信息", **{"item_row": ["r1"]}))
    compare = staff.get(f"/catalog/resources/{resource.code}/compare/?old=1&new=2")
    page = compare.content.decode()
    assert "常住人口户籍登记信息" in page and "机构改革" in page
    assert "xm" in page and "−" in page, "the removed item is shown"
    versions = staff.get(f"/catalog/resources/{resource.code}/").content.decode()
    assert "v1" in versions and "v2" in versions


def test_r7_pages_deny_what_the_services_deny(login, compile_resource, person):
    resource = compile_resource("gat_staff")
    assert login("mzt_staff").get(f"/catalog/resources/{resource.code}/").status_code == 404
    services.resource_submit(person("gat_officer"), resource)
    response = login("gat_officer").post(f"/catalog/resources/{resource.code}/publish/")
    assert response.status_code == 403
    assert Resource.objects.get().status == "submitted"


def test_r11_conflicts_page_lists_and_resolves(login, published):
    published()
    published("sjz_gaj_admin", reviewer="sjz_reviewer", name="居住证办理信息")
    page = login("gat_staff").get("/catalog/conflicts/").content.decode()
    assert "公民身份号码" in page and 'type="radio"' not in page
    reviewer = login("hb_reviewer")
    page = reviewer.get("/catalog/conflicts/").content.decode()
    assert 'type="radio"' in page
    conflict = SourceConflict.objects.get()
    claim = SourceClaim.objects.get(resource__provider__name="河北省公安厅")
    reviewer.post(f"/catalog/conflicts/{conflict.pk}/resolve/", {"claim": claim.pk})
    conflict.refresh_from_db()
    assert conflict.status == "resolved" and conflict.decision == claim
    assert "目前没有待处理的冲突" in reviewer.get("/catalog/conflicts/").content.decode()
    elements = reviewer.get("/catalog/elements/").content.decode()
    assert claim.resource.code in elements


def test_r7_import_page_lists_every_bad_row(login, elements):
    client = login("gat_officer")
    workbook = load_workbook(io.BytesIO(spreadsheets.write_workbook([], template=True)))
    workbook["信息资源"].append([1, "", "无条件", "摘要", "101", "数据库表", "有条件共享", "", "",
                              "接口服务", "不予开放", "", "每日", "", ""])
    workbook["信息项"].append([1, "x y", "坏", "字符型", None, "", "否", "否", ""])
    workbook["信息项"].append([9, "ok", "孤儿", "字符型", None, "", "否", "否", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "catalog.xlsx"
    response = client.post("/catalog/import/", {
        "provider": client.get("/catalog/import/").context["form"].fields["provider"]
        .queryset.get().pk, "file": buffer})
    page = response.content.decode()
    assert response.status_code == 200 and 'id="bad-rows"' in page
    assert page.count("<tr><td>") == 3
    assert Resource.objects.count() == 0


@pytest.mark.parametrize("view", ["mine", "browse", "review"])
def test_r7_every_list_exports_as_xlsx(login, published, compile_resource, view):
    published()
    compile_resource("gat_staff", name="草稿资源")
    response = login("gat_officer").get(f"/catalog/export.xlsx?view={view}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content))["信息资源"]
    names = sorted(row[2] for row in sheet.iter_rows(min_row=2, values_only=True))
    expected = {"mine": ["常住人口户籍信息", "草稿资源"], "browse": ["常住人口户籍信息"],
                "review": []}
    assert names == expected[view]


def test_r7_the_browser_page_shows_facets_and_filters_by_region(login, published):
    published()
    published("sjz_gaj_admin", reviewer="sjz_reviewer", name="居住证办理信息")
    client = login("mzt_staff")
    page = client.get("/catalog/").content.decode()
    assert "共 2 个资源" in page and "石家庄市" in page and "有条件共享" in page
    city = client.get("/catalog/?region=130100").content.decode()
    assert "共 1 个资源" in city and "居住证办理信息" in city
    found = client.get("/catalog/?q=户籍&share_type=conditional")
    assert "常住人口户籍信息" in found.content.decode()
    facet = next(v for _f, _t, values in found.context["facets"] for v, link in values
                 if v.value == "conditional")
    assert facet.selected
    link = next(link for _f, _t, values in found.context["facets"] for v, link in values
                if v.value == "conditional")
    assert "share_type" not in link and "q=" in link, "a selected facet's link drops it"


def test_r13_a_published_resource_page_leads_to_the_request_form(login):
    from govshare.catalog.demo import load_demo
    from govshare.catalog.models import Resource

    load_demo()
    resource = Resource.objects.published().get(provider__name="河北省公安厅",
                                                published_version__name="常住人口户籍信息")
    consumer = login("mzt_officer").get(f"/catalog/resources/{resource.code}/").content.decode()
    assert f"/sharing/resources/{resource.code}/request/" in consumer
    provider = login("gat_officer").get(f"/catalog/resources/{resource.code}/").content.decode()
    assert f"/sharing/resources/{resource.code}/request/" not in provider
