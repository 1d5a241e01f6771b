"""Dashboards: each viewer sees only what it may (R17), with the figures of the stats."""

from datetime import date, datetime

import pytest
import time_machine

from govshare.monitor import services
from govshare.monitor.models import DailyStat, StatsDay
from govshare.monitor.tasks import MONITOR, refresh_statistics
from govshare.orgs.models import Organization

from .conftest import SHANGHAI

pytestmark = pytest.mark.django_db
APRIL = datetime(2026, 4, 1, 8, 0, tzinfo=SHANGHAI)
PERIOD = "?start=2026-03-01&end=2026-03-31"


@pytest.fixture
def computed(world):
    """March's statistics, computed as the hourly task would have."""
    with time_machine.travel(APRIL, tick=False):
        for day in range(1, 32):
            services.stats_compute(MONITOR, date(2026, 3, day))
    return world


def _org(name):
    return Organization.objects.get(name=name)


def test_r17_recomputing_a_day_replaces_it(computed, person):
    day = date(2026, 3, 13)
    before = list(DailyStat.objects.filter(day=day).values_list(
        "application_id", "gateway_calls", "rows_served", "errors"))
    assert sum(row[1] for row in before) == 13
    with time_machine.travel(APRIL, tick=False):
        services.stats_compute(person("operator"), day)
        services.stats_compute(person("operator"), day)
    after = list(DailyStat.objects.filter(day=day).values_list(
        "application_id", "gateway_calls", "rows_served", "errors"))
    assert after == before
    assert StatsDay.objects.filter(day=day).count() == 1


def test_r17_statistics_are_queryable_by_region_subtree(computed):
    from govshare.orgs.models import Region

    province = DailyStat.objects.in_region(Region.objects.get(code="130000"))
    shijiazhuang = DailyStat.objects.in_region(Region.objects.get(code="130100"))
    zhengding = DailyStat.objects.in_region(Region.objects.get(code="130123"))
    assert province.count() == DailyStat.objects.count()
    assert 0 < shijiazhuang.count() < province.count()
    assert set(shijiazhuang.values_list("provider__region__path", flat=True)) <= {
        p for p in Region.objects.filter(path__startswith="130000/130100")
        .values_list("path", flat=True)}
    assert zhengding.filter(gateway_calls__gt=0).count() == 0


def test_r17_the_statistics_task_computes_today_and_the_days_not_yet_final(world):
    with time_machine.travel(APRIL, tick=False):
        days = refresh_statistics.call()
    assert days[-1] == "2026-04-01" and "2026-03-31" in days
    assert StatsDay.objects.filter(day=date(2026, 3, 31)).exists()


def test_r17_only_the_operator_computes_statistics(world, person):
    from govshare.core.exceptions import PermissionDenied

    for username in ("hb_reviewer", "gat_admin", "supervisor"):
        with pytest.raises(PermissionDenied):
            services.stats_compute(person(username), date(2026, 3, 1))


def test_r17_a_department_sees_its_own_dashboard_and_not_another(computed, login):
    gat = _org("河北省公安厅")
    mzt = _org("河北省民政厅")
    with time_machine.travel(APRIL, tick=False):
        own = login("gat_officer").get(f"/monitor/organizations/{gat.pk}/{PERIOD}")
        other = login("gat_officer").get(f"/monitor/organizations/{mzt.pk}/{PERIOD}")
        region = login("gat_admin").get(f"/monitor/regions/130000/{PERIOD}")
        platform = login("gat_admin").get("/monitor/platform/")
        index = login("mzt_staff").get("/monitor/")
    assert own.status_code == 200
    page = own.content.decode()
    assert "河北省公安厅共享情况" in page and 'data-chart="trend"' in page
    assert 'data-measure="gateway_calls"' in page
    assert other.status_code == 403 and region.status_code == 403
    assert platform.status_code == 403
    assert index.status_code == 302 and index["Location"] == f"/monitor/organizations/{mzt.pk}/"


def test_r17_the_authority_sees_its_region_and_below_not_above(computed, login):
    with time_machine.travel(APRIL, tick=False):
        sjz = login("sjz_reviewer")
        assert sjz.get(f"/monitor/regions/130100/{PERIOD}").status_code == 200
        assert sjz.get("/monitor/regions/130123/").status_code == 200
        assert sjz.get("/monitor/regions/130000/").status_code == 403
        assert sjz.get(f"/monitor/organizations/{_org('河北省公安厅').pk}/").status_code == 403
        province = login("hb_reviewer").get(f"/monitor/regions/130000/{PERIOD}")
        operator = login("operator").get(f"/monitor/platform/{PERIOD}")
    page = province.content.decode()
    assert province.status_code == 200
    kpi = page.split('data-measure="gateway_calls"')[1].split("</span>")[0]
    assert kpi.endswith(">13")
    assert "未按期更新的资源" in page and "河北省公安厅" in page
    assert operator.status_code == 200 and "平台运行状态" in operator.content.decode()


def test_r17_reports_are_read_by_the_authority_of_their_region(computed, login):
    with time_machine.travel(APRIL, tick=False):
        made = login("sjz_reviewer").post("/monitor/reports/", {
            "region": "130100", "start": "2026-03-01", "end": "2026-03-31"})
        assert made.status_code == 302
        detail = made["Location"]
        assert login("sjz_reviewer").get(detail).status_code == 200
        assert login("hb_reviewer").get(detail).status_code == 200
        assert login("zd_reviewer").get(detail).status_code == 404
        assert login("gat_admin").get("/monitor/reports/").status_code == 403
        refused = login("sjz_reviewer").post("/monitor/reports/", {
            "region": "130000", "start": "2026-03-01", "end": "2026-03-31"})
        assert refused.status_code == 400  # not a region the form offers it
        pdf = login("hb_reviewer").get(f"{detail}pdf/")
        assert pdf.status_code == 200 and pdf["Repr-Digest"].startswith("sha-256=:")
        assert b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_r17_the_api_answers_figures_and_reports_within_the_same_limits(computed, login,
                                                                         person):
    from govshare.core.exceptions import PermissionDenied
    from govshare.orgs.models import Region

    with time_machine.travel(APRIL, tick=False):
        figures = login("hb_reviewer").get(
            "/api/v1/monitor/stats?region=130000&start=2026-03-01&end=2026-03-31").json()
        assert figures["totals"]["gateway_calls"] == 13
        assert len(figures["series"]["days"]) == 31
        mzt = _org("河北省民政厅").pk
        assert login("gat_admin").get(
            f"/api/v1/monitor/stats?organization_id={mzt}").status_code == 403
        assert login("mzt_admin").get(
            f"/api/v1/monitor/stats?organization_id={mzt}").status_code == 200
        assert login("hb_reviewer").get("/api/v1/monitor/stats").status_code == 403
        assert login("operator").get("/api/v1/monitor/stats").status_code == 200

        with pytest.raises(PermissionDenied):
            services.report_generate(person("sjz_reviewer"),
                                     region=Region.objects.get(code="130000"),
                                     start=date(2026, 3, 1), end=date(2026, 3, 31))
        bad = login("hb_reviewer").post("/api/v1/monitor/reports", {
            "region": "130000", "start": "2026-03-31", "end": "2026-03-01"},
            content_type="application/json")
        assert bad.status_code == 400 and "end" in bad.json()["errors"]
        made = login("hb_reviewer").post("/api/v1/monitor/reports", {
            "region": "130000", "start": "2026-03-01", "end": "2026-03-31"},
            content_type="application/json")
        assert made.status_code == 201
        report = made.json()
        assert report["figures"]["totals"]["gateway_calls"] == 13
        assert login("sjz_reviewer").get(
            f"/api/v1/monitor/reports/{report['id']}").status_code == 404
        xlsx = login("hb_reviewer").get(f"/api/v1/monitor/reports/{report['id']}/xlsx")
        assert xlsx.status_code == 200 and b"".join(xlsx.streaming_content)[:2] == b"PK"
