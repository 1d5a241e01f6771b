import pytest

from govshare.audit.services import audit_record
from govshare.orgs.models import User

pytestmark = pytest.mark.browser


@pytest.fixture
def two_records(demo):
    """Written before the browser starts: on PostgreSQL, database work in the test body after
    Playwright has started leaves a session open that blocks dropping the test database."""
    audit_record(User.objects.get(username="gat_admin"), "user.create", None, {"n": 1})
    audit_record(User.objects.get(username="mzt_admin"), "role.assign", None, {"n": 2})


def test_r18_operator_browses_and_filters_the_audit_log(two_records, page, browser_login):
    browser_login("operator")
    page.click("nav >> text=审计日志")
    page.wait_for_url("**/audit/")
    assert page.locator("tr[data-record]").count() == 2
    page.fill("input[name=action]", "role.")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/audit/?*")
    rows = page.locator("tr[data-record]")
    assert rows.count() == 1 and "民政厅管理员" in rows.first.inner_text()
    page.click("text=检查点签名公钥")
    assert "BEGIN PUBLIC KEY" in page.locator("#public-key").inner_text()


def test_r18_staff_see_no_audit_entry_in_the_navigation(demo, page, browser_login):
    browser_login("gat_staff")
    assert page.locator("nav >> text=审计日志").count() == 0
