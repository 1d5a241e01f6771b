"""The authority's dashboard in a real browser: ECharts draws the charts, in Chinese (R17)."""

import os
from datetime import date

import pytest
import time_machine

from govshare.monitor import services
from govshare.monitor.tasks import MONITOR

from .test_dashboards import APRIL

pytestmark = pytest.mark.browser
SCREENSHOT = os.environ.get("GOVSHARE_SCREENSHOT_DIR")


def test_r17_the_authority_sees_its_regions_charts(world, page, browser_login):
    with time_machine.travel(APRIL, tick=False):
        for day in range(1, 32):
            services.stats_compute(MONITOR, date(2026, 3, day))
    browser_login("hb_reviewer")
    page.click("nav >> text=监测分析")
    page.wait_for_url("**/monitor/regions/130000/")
    page.goto("/monitor/regions/130000/?start=2026-03-01&end=2026-03-31")
    page.set_viewport_size({"width": 1280, "height": 1600})
    charts = page.locator(".chart[data-chart] svg")
    charts.first.wait_for()
    assert charts.count() == 4
    trend = page.locator('.chart[data-chart="trend"] svg')
    assert "每日接口调用与被拒绝访问" in trend.inner_html()
    assert "访问被拒绝" in trend.inner_html()
    departments = page.locator('.chart[data-chart="departments"] svg').inner_html()
    assert "河北省公安厅" in departments and "作为提供方被调用" in departments
    assert page.locator('.kpi[data-measure="gateway_calls"] .value').inner_text() == "13"
    if SCREENSHOT:
        page.screenshot(path=os.path.join(SCREENSHOT, "authority-dashboard.png"),
                        full_page=True)
