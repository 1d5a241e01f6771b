import pytest

pytestmark = pytest.mark.browser


def test_r4_browser_logs_in_switches_language_and_browses_to_a_county(demo, page,
                                                                      browser_login):
    page.goto("/")
    assert "登录" in page.title()
    browser_login("gat_staff")
    assert page.locator("h1").inner_text().startswith("欢迎")

    page.click("button[data-lang=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text().startswith("Welcome")

    page.click("button[data-lang=zh-hans]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-hans"

    page.click("text=行政区划与单位")
    province = page.locator("li[data-region='130000']")
    province.locator("> button.expand").click()
    city = page.locator("li[data-region='130100']")
    city.locator("> button.expand").click()
    county = page.locator("li[data-region='130123'] > a")
    county.click()
    page.wait_for_url("**/regions/130123/")
    assert page.locator("h1").inner_text().startswith("正定县")
    assert page.locator("text=正定县公安局").is_visible()
