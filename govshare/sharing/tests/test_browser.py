"""In a real browser: a consumer requests a conditional resource, the provider agrees, the
operator activates, and the consumer sees the active grant (R13, R14)."""

import os
from datetime import timedelta

import pytest

from govshare.core import clock

pytestmark = pytest.mark.browser


def _logout(page):
    page.click("form[action='/accounts/logout/'] button")
    page.wait_for_url("**/accounts/login/**")


def test_r13_consumer_requests_provider_agrees_operator_activates(population, relief_app, page,
                                                                  browser_login):
    browser_login("mzt_officer")
    page.click("nav.mainnav >> text=共享申请")
    page.click("text=新建申请")
    page.fill("input[name=q]", "人口")
    page.click("button:has-text('查找')")
    page.click(f"tr[data-resource='{population.code}'] >> text=申请")
    page.select_option("select[name=application]", str(relief_app.pk))
    page.check("input[name=items][value=id_number]")
    page.check("input[name=items][value=name]")
    page.fill("textarea[name=purpose]", "低保对象身份核验")
    page.fill("textarea[name=duty]", "最低生活保障审核确认")
    page.fill("input[name=requested_until]", f"{clock.today() + timedelta(days=365):%Y-%m-%d}")
    page.click("#submit-request")
    page.wait_for_selector("#request-state")
    assert page.inner_text("#request-state") == "待提供方答复"
    # Read from the page: ORM calls made while Playwright runs use a connection of their own
    # (greenlets keep their own context) that would outlive the test.
    number = page.inner_text(".breadcrumb").split("·")[-1].strip()
    detail_url = page.url
    _logout(page)

    browser_login("gat_officer")
    page.goto("/sharing/requests/?box=provider")
    page.click(f"text={number}")
    assert page.url == detail_url
    page.uncheck("input[name=agree-items][value=name]")
    page.fill("input[name=agree-daily_quota]", "1000")
    page.fill("textarea[name=agree-comment]", "同意，仅限身份核验")
    page.click("#do-agree")
    page.wait_for_selector("#grant-state")
    assert page.inner_text("#request-state") == "已同意，待实施授权"
    assert page.inner_text("#grant-state") == "待实施"
    _logout(page)

    browser_login("operator")
    page.goto("/sharing/requests/?box=operator")
    page.click(f"text={number}")
    page.click("form[data-action=grant-activate] button")
    page.wait_for_selector("#grant-state:has-text('有效')")
    _logout(page)

    browser_login("mzt_officer")
    assert int(page.inner_text("#unread-count")) >= 2  # agreed, then activated
    page.goto("/sharing/grants/")
    row = page.locator("#grant-table tbody tr")
    assert row.count() == 1
    assert row.get_attribute("data-state") == "active"
    assert "有效" in row.inner_text() and "1000" in row.inner_text()
    row.locator("a").first.click()
    page.wait_for_selector("#timeline")
    actions = page.locator("#timeline li").evaluate_all(
        "items => items.map(i => i.dataset.action)")
    assert actions == ["file", "agree", "activate"]
    if os.environ.get("GOVSHARE_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["GOVSHARE_SCREENSHOTS"],
                                          "sharing-request.png"), full_page=True)
