"""In a real browser: the county's authority inspects, issues a rectification notice, the
department answers, the authority reopens it and, answered again, closes it; a second notice
is declined, goes on the criticism list, and the authority publishes it for everyone (R21)."""

import datetime

import pytest

from govshare.exchange.models import Node, Record
from govshare.orgs.demo import DEMO_PASSWORD
from govshare.orgs.models import User
from govshare.supervision import services
from govshare.supervision.models import Criticism, Finding, RectificationNotice, Rule
from govshare.supervision.tests.conftest import PERIOD

pytestmark = pytest.mark.browser


def _logout(page):
    page.click("form[action='/accounts/logout/'] button")
    page.wait_for_url("**/accounts/login/**")


def _notice_state(page):
    page.wait_for_selector("#notice-state")
    return page.inner_text("#notice-state")


def test_r21_rectification_loop_and_criticism_in_the_browser(county, at_inspection, page,
                                                             browser_login, person):
    officer = User.objects.get(username="zd_gaj_officer")
    officer.set_password(DEMO_PASSWORD)
    officer.save()
    Record.objects.filter(resource=county.police_resource).delete()
    Node.objects.filter(organization=county.police).update(state=Node.State.REVOKED)

    browser_login("zd_reviewer")
    page.click("nav.mainnav >> text=监督检查")
    page.goto(f"/supervision/findings/?region=130123&period={PERIOD}")
    page.click("#run-inspection button")
    page.wait_for_selector("text=检查完成，发现问题2个")
    no_data = Finding.objects.get(rule=Rule.SHARED_WITHOUT_DATA)
    page.click(f"#findings tr[data-rule='{Rule.SHARED_WITHOUT_DATA}'] a")
    page.click("#issue-notice")
    page.fill("textarea[name=requirements]", "6月底前补推全部数据")
    page.fill("input[name=due_date]", "2026-06-30")
    page.click("#notice-form button[type=submit]")
    assert _notice_state(page) == "待整改"
    notice = RectificationNotice.objects.get()
    assert list(notice.findings.all()) == [no_data]
    _logout(page)

    browser_login("zd_gaj_officer")
    page.goto("/supervision/notices/")
    page.click(f"text={notice.number}")
    page.fill("#notice-answer textarea[name=answer]", "已补推数据")
    page.click("#notice-answer button[type=submit]")
    assert _notice_state(page) == "已报送整改情况"
    _logout(page)

    browser_login("zd_reviewer")
    page.goto(f"/supervision/notices/{notice.pk}/")
    page.fill("#notice-reopen textarea[name=comment]", "数据不完整，缺少2025年记录")
    page.fill("#notice-reopen input[name=due_date]", "2026-07-15")
    page.click("#notice-reopen button[type=submit]")
    assert _notice_state(page) == "待整改"
    _logout(page)

    browser_login("zd_gaj_officer")
    page.goto(f"/supervision/notices/{notice.pk}/")
    page.fill("#notice-answer textarea[name=answer]", "已补推2025年记录")
    page.click("#notice-answer button[type=submit]")
    assert _notice_state(page) == "已报送整改情况"
    _logout(page)

    browser_login("zd_reviewer")
    page.goto(f"/supervision/notices/{notice.pk}/")
    page.click("#notice-close button[type=submit]")
    assert _notice_state(page) == "已办结"
    no_data.refresh_from_db()
    assert no_data.status == Finding.Status.RECTIFIED
    second = services.notice_issue(person("zd_reviewer"), county.police,
                                   findings=[Finding.objects.get(rule=Rule.NO_NODE)],
                                   requirements="重新申请并接入前置交换节点",
                                   due_date=datetime.date(2026, 6, 30))
    _logout(page)

    browser_login("zd_gaj_officer")
    page.goto(f"/supervision/notices/{second.pk}/")
    page.fill("#notice-decline textarea[name=reasons]", "我局不打算接入")
    page.click("#notice-decline button[type=submit]")
    assert _notice_state(page) == "拒不整改"
    _logout(page)

    browser_login("zd_reviewer")
    page.goto("/supervision/criticisms/")
    page.click("#pending button:has-text('发布通报')")
    page.wait_for_selector("#published >> text=正定县公安局")
    assert Criticism.objects.get().published_at is not None
    _logout(page)

    page.goto("/supervision/criticisms/")
    row = page.inner_text("#published tbody tr")
    assert "正定县公安局" in row and "拒不整改" in row
