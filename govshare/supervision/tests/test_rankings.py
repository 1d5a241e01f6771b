"""The ranking (R20): recomputed here from the database, by the formula and with the weights the
ranking page shows, it matches the stored and displayed scores; the spreadsheet carries both."""

import datetime
import io
import re

import openpyxl
import pytest

from govshare.catalog.models import Resource
from govshare.exchange.tests.factories import grant_for
from govshare.sharing import services as sharing
from govshare.sharing.models import Deadline, Grant, Objection
from govshare.supervision import services
from govshare.supervision.models import Finding, Ranking
from govshare.supervision.tests.conftest import INSPECTED, PERIOD

pytestmark = pytest.mark.django_db
PART_KEYS = ["catalog_completeness", "freshness", "answer_time", "grants_served",
             "objections_resolved", "findings_open"]


@pytest.fixture
def varied(county, person, at_inspection):
    """民政局 has a draft besides its published resource and lets a request run overdue;
    公安局's resource serves one grant and has an unanswered objection."""
    Resource.objects.create(code="101000000-ZDMZJ-0002", provider=county.civil)
    grant_for(county.civil_application, county.police_resource, ["id_number"])
    Grant.objects.update(activated_at=INSPECTED - datetime.timedelta(days=3))
    Objection.objects.create(consumer=county.civil, resource=county.police_resource,
                             kind=Objection.Kind.ACCURACY, description="姓名有误",
                             raised_by=county.civil_officer,
                             created_at=INSPECTED - datetime.timedelta(days=2))
    from govshare.orgs.models import Application

    police_app = Application.objects.create(organization=county.police, name="警务综合平台")
    import time_machine

    with time_machine.travel(INSPECTED - datetime.timedelta(days=20), tick=False):
        sharing.share_request_file(county.police_officer, application=police_app,
                                   resource=county.civil_resource, items=["id_number"],
                                   purpose="治安管理", duty="户籍管理",
                                   requested_until=datetime.date(2027, 3, 1))
    services.inspection_run(person("zd_reviewer"), county.region, PERIOD)
    return county


def _expected_parts(department, max_grants, cap):
    """Each part, computed the plain way from the rows, as the page's formula words it."""
    now = datetime.datetime.now(datetime.UTC)
    resources = Resource.objects.filter(provider=department)
    published = [r for r in resources if r.status == "published" and r.published_version_id]
    compiling = [r for r in resources if r.status in ("draft", "submitted", "returned")]
    stale = [r for r in published if r.is_stale(at=now)]
    due = [d for d in Deadline.objects.filter(organization=department, party="provider",
                                              supervised=True)
           if d.due_at.date() >= datetime.date(2026, 4, 1)
           and (d.closed_at is not None or d.due_at < now)]
    on_time = [d for d in due if d.closed_at and d.closed_at <= d.due_at]
    objections = list(Objection.objects.filter(resource__provider=department))
    answered = [o for o in objections if o.state != "open"]
    grants = Grant.objects.filter(resource__provider=department).count()
    open_findings = Finding.objects.filter(organization=department, status="open",
                                           period=PERIOD).count()
    return {
        "catalog_completeness": len(published) / (len(published) + len(compiling)),
        "freshness": 1 - len(stale) / len(published),
        "answer_time": len(on_time) / len(due) if due else 1.0,
        "grants_served": grants / max_grants if max_grants else 0.0,
        "objections_resolved": len(answered) / len(objections) if objections else 1.0,
        "findings_open": max(0.0, 1 - open_findings / cap),
    }


def _weights_shown(page_html):
    rows = re.findall(r'data-part="(\w+)"><td>[^<]*</td><td class="weight">([\d.]+)</td>',
                      page_html)
    return {key: float(weight) for key, weight in rows}


def test_r20_the_ranking_recomputed_from_the_database_matches_the_formula_shown(
        varied, person, login):
    services.ranking_compute(person("zd_reviewer"), varied.region, PERIOD)
    page = login("zd_reviewer").get(f"/supervision/rankings/?region=130123&period={PERIOD}")
    html = page.content.decode()
    weights = _weights_shown(html)
    assert list(weights) == PART_KEYS
    assert "100 × Σ(权重 × 分项得分) ÷ Σ权重" in html
    ranking = Ranking.objects.get(region=varied.region, period=PERIOD)
    cap = ranking.findings_cap
    assert f"问题数封顶值：{cap}" in html
    max_grants = max(Grant.objects.filter(resource__provider=d).count()
                     for d in (varied.police, varied.civil))
    expected = {}
    for department in (varied.police, varied.civil):
        parts = _expected_parts(department, max_grants, cap)
        expected[department.pk] = 100 * sum(weights[k] * parts[k] for k in PART_KEYS) / sum(
            weights.values())
        entry = ranking.entries.get(organization=department)
        assert entry.parts == pytest.approx(parts)
        assert entry.score == pytest.approx(expected[department.pk], abs=1e-3)
        shown = re.search(rf'data-organization="{department.pk}"><td>(\d+)</td><td>[^<]+</td>'
                          r'<td class="score">([\d.]+)</td>', html)
        assert float(shown[2]) == pytest.approx(expected[department.pk], abs=0.006)
    # The two departments differ on every count planted, and the better one is first.
    best = max(expected, key=expected.get)
    assert ranking.entries.get(rank=1).organization_id == best
    assert expected[varied.police.pk] != expected[varied.civil.pk]
    assert _expected_parts(varied.civil, max_grants, cap)["answer_time"] == 0.0
    assert _expected_parts(varied.police, max_grants, cap)["objections_resolved"] == 0.0


def test_r20_weights_are_settings_and_recomputing_replaces_the_ranking(varied, person,
                                                                       settings, login):
    services.ranking_compute(person("zd_reviewer"), varied.region, PERIOD)
    settings.GOVSHARE_SUPERVISION_RANKING_WEIGHTS = dict.fromkeys(PART_KEYS, 0.0) | {
        "grants_served": 1.0}
    services.ranking_compute(person("zd_reviewer"), varied.region, PERIOD)
    ranking = Ranking.objects.get()
    assert ranking.entries.count() == 2
    assert ranking.entries.get(organization=varied.police).score == 100.0
    assert ranking.entries.get(organization=varied.civil).score == 0.0
    html = login("gat_staff").get(f"/supervision/rankings/?region=130123&period={PERIOD}"
                                  ).content.decode()
    assert _weights_shown(html)["grants_served"] == 1.0


def test_r20_bad_weights_are_refused(county, person, settings):
    from govshare.core.exceptions import ValidationError

    settings.GOVSHARE_SUPERVISION_RANKING_WEIGHTS = dict.fromkeys(PART_KEYS, 0.0)
    with pytest.raises(ValidationError) as error:
        services.ranking_compute(person("zd_reviewer"), county.region, PERIOD)
    assert "weights" in error.value.field_errors
    assert not Ranking.objects.exists()


def test_r20_equal_scores_share_a_rank(county, person, at_inspection):
    services.ranking_compute(person("zd_reviewer"), county.region, PERIOD)
    ranks = dict(Ranking.objects.get().entries.values_list("organization__name", "rank"))
    assert ranks["正定县公安局"] == ranks["正定县民政局"] == 1


def test_r20_the_ranking_exports_to_xlsx_with_its_formula(varied, person, login):
    services.ranking_compute(person("zd_reviewer"), varied.region, PERIOD)
    response = login("gat_staff").get(
        f"/supervision/rankings/export.xlsx?region=130123&period={PERIOD}")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(book.worksheets[0].values)
    assert rows[0][:3] == ("名次", "单位", "得分")
    scores = {row[1]: row[2] for row in rows[1:]}
    ranking = Ranking.objects.get()
    for entry in ranking.entries.select_related("organization"):
        assert scores[entry.organization.name] == round(entry.score, 2)
    formula = list(book.worksheets[2].values)
    assert formula[0][0].startswith("得分 = 100")
    assert {row[0]: row[1] for row in formula[2:8]}["目录完整度"] == 20.0


def test_r20_ranking_is_computed_only_by_overseers_and_not_found_before(county, person, login):
    from govshare.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.ranking_compute(county.police_officer, county.region, PERIOD)
    response = login("gat_staff").get(
        f"/supervision/rankings/export.xlsx?region=130123&period={PERIOD}")
    assert response.status_code == 404
