"""The whole catalog lifecycle in a browser (R7): a department compiles a resource with its
data-item table (htmx adds rows), submits it; the province's authority reviews and publishes it;
it is then found by the catalog search."""

import pytest
from playwright.sync_api import expect

from govshare.catalog.demo import load_classifications, load_elements

pytestmark = pytest.mark.browser


@pytest.fixture
def catalog_reference(demo):
    load_elements()
    load_classifications()


def _logout(page):
    page.click("form[action='/accounts/logout/'] button")
    page.wait_for_url("**/accounts/login/**")


def test_r7_compile_submit_review_publish_then_find_it_in_search(catalog_reference, page,
                                                                  browser_login):
    browser_login("gat_officer")
    page.goto("/catalog/mine/")
    page.click("text=编目新资源")
    page.fill("#id_name", "常住人口户籍信息")
    page.fill("#id_summary", "全省常住人口的户籍登记信息，包括身份号码、姓名和户籍地址。")
    page.select_option("#id_classification", "101001")
    page.select_option("#id_share_type", "conditional")
    page.fill("#id_share_conditions", "用于政务服务身份核验")
    page.check("input[name=share_modes][value=api]")
    page.select_option("#id_update_cycle", "daily")

    rows = page.locator("#item-rows tr")
    assert rows.count() == 1
    first = rows.nth(0)
    first.locator("input[name$=-identifier]").fill("gmsfhm")
    first.locator("input[name$=-name]").fill("公民身份号码")
    first.locator("select[name$=-element]").select_option("GMSFHM")
    first.locator("input[name$=-is_key]").check()
    for count, (identifier, name) in enumerate(
            [("xm", "姓名"), ("hjdz", "户籍地址"), ("tmp", "多余的行")], start=2):
        page.click("#add-item")
        expect(rows).to_have_count(count)
        row = rows.nth(count - 1)
        row.locator("input[name$=-identifier]").fill(identifier)
        row.locator("input[name$=-name]").fill(name)
    rows.nth(3).locator("button.remove-row").click()
    expect(rows).to_have_count(3)
    page.click("form.resource-form button[type=submit].primary")
    page.wait_for_url("**/catalog/resources/*/")

    # Read back through the page, not the ORM: ORM calls made while Playwright's greenlet
    # runs get a database connection of their own that nothing closes (on PostgreSQL it then
    # blocks dropping the test database).
    code = page.url.rstrip("/").rsplit("/", 1)[-1]
    identifiers = page.locator("table.items tbody tr td:first-child code").all_inner_texts()
    assert identifiers == ["gmsfhm", "xm", "hjdz"]
    page.click("#submit-resource")
    page.wait_for_load_state()
    assert "已提交" in page.locator("#resource-status").inner_text()
    _logout(page)

    browser_login("hb_reviewer")
    page.goto("/catalog/review/")
    page.click("text=常住人口户籍信息")
    page.fill("#review-form textarea[name=comment]", "符合编目要求，同意发布。")
    page.click("#publish-resource")
    page.wait_for_url("**/catalog/review/")
    assert "没有待审核的资源" in page.content()

    page.goto("/catalog/")
    page.fill("input[name=q]", "户籍")
    page.click("form.searchbar button[type=submit]")
    page.wait_for_load_state()
    assert "共 1 个资源" in page.locator("#result-count").inner_text()
    page.click("article.hit h2 a")
    page.wait_for_url(f"**/catalog/resources/{code}/")
    assert "已发布" in page.locator("#resource-status").inner_text()
    assert page.locator("text=用于政务服务身份核验").is_visible()
