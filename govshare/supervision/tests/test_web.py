"""Supervision's pages and API: findings and on-demand inspections, notices, criticism, the
project register, each showing only what the viewer may see (R9, R20, R21)."""

import datetime

import pytest

from govshare.exchange.models import Record
from govshare.supervision import services
from govshare.supervision.models import Criticism, Finding, InfoProject, RectificationNotice
from govshare.supervision.tests.conftest import PERIOD

pytestmark = pytest.mark.django_db
SCOPE = f"region=130123&period={PERIOD}"


@pytest.fixture
def found(county, person, at_inspection):
    Record.objects.filter(resource=county.police_resource).delete()
    services.inspection_run(person("zd_reviewer"), county.region, PERIOD)
    return Finding.objects.get()


def test_r21_an_overseer_runs_an_inspection_from_the_findings_page(county, login,
                                                                  at_inspection):
    Record.objects.filter(resource=county.police_resource).delete()
    client = login("zd_reviewer")
    page = client.get(f"/supervision/findings/?{SCOPE}").content.decode()
    assert 'id="run-inspection"' in page and "本期未发现问题" in page
    response = client.post("/supervision/inspections/run/",
                           {"region": "130123", "period": PERIOD}, follow=True)
    text = response.content.decode()
    assert "检查完成，发现问题1个" in text
    assert "已编目共享的资源未通过平台提供数据" in text and "正定县户籍人口信息" in text


def test_r21_departments_see_their_own_findings_and_cannot_inspect(found, county, login):
    police = login("zd_gaj_officer").get(f"/supervision/findings/?{SCOPE}").content.decode()
    assert "正定县户籍人口信息" in police and 'id="run-inspection"' not in police
    civil = login("zd_mzj_officer").get(f"/supervision/findings/?{SCOPE}").content.decode()
    assert "正定县户籍人口信息" not in civil
    assert login("zd_mzj_officer").get(
        f"/supervision/findings/{found.pk}/").status_code == 404
    refused = login("zd_mzj_officer").post("/supervision/inspections/run/",
                                           {"region": "130123", "period": PERIOD})
    assert refused.status_code == 403


def test_r21_the_finding_page_shows_its_evidence_and_leads_to_a_notice(found, login):
    page = login("zd_reviewer").get(f"/supervision/findings/{found.pk}/").content.decode()
    assert "第二十二条第四项" in page and "approved_nodes" in page
    assert f"/supervision/notices/new/?organization={found.organization_id}" in page
    form = login("zd_reviewer").get(
        f"/supervision/notices/new/?organization={found.organization_id}&finding={found.pk}")
    assert 'checked' in form.content.decode()


def test_r21_notices_through_the_pages(found, county, login):
    reviewer, officer = login("zd_reviewer"), login("zd_gaj_officer")
    bad = reviewer.post(f"/supervision/notices/new/?organization={county.police.pk}",
                        {"findings": [found.pk], "requirements": "补齐",
                         "due_date": "2026-05-01"})
    assert bad.status_code == 200 and "整改期限应晚于今天" in bad.content.decode()
    reviewer.post(f"/supervision/notices/new/?organization={county.police.pk}",
                  {"findings": [found.pk], "requirements": "补齐数据",
                   "due_date": "2026-06-30"})
    notice = RectificationNotice.objects.get()
    page = officer.get(f"/supervision/notices/{notice.pk}/").content.decode()
    assert 'id="notice-answer"' in page and 'id="notice-close"' not in page
    assert reviewer.post(f"/supervision/notices/{notice.pk}/answer/",
                         {"answer": "越权"}).status_code == 403
    officer.post(f"/supervision/notices/{notice.pk}/answer/", {"answer": "已补齐"})
    page = reviewer.get(f"/supervision/notices/{notice.pk}/").content.decode()
    assert 'id="notice-close"' in page and 'id="notice-reopen"' in page
    reviewer.post(f"/supervision/notices/{notice.pk}/close/", {"comment": "到位"})
    notice.refresh_from_db()
    assert notice.state == RectificationNotice.State.CLOSED
    assert login("zd_mzj_officer").get(f"/supervision/notices/{notice.pk}/").status_code == 404


def test_r21_the_criticism_page_is_public_and_publishes_for_the_authority(found, county,
                                                                         person, login):
    from django.test import Client

    notice = services.notice_issue(person("zd_reviewer"), county.police, findings=[found],
                                   requirements="补齐", due_date=datetime.date(2026, 6, 30))
    services.notice_decline(county.police_officer, notice, reasons="不整改")
    criticism = Criticism.objects.get()
    assert "发布通报" not in login("supervisor").get("/supervision/criticisms/").content.decode()
    reviewer = login("zd_reviewer")
    assert "发布通报" in reviewer.get("/supervision/criticisms/").content.decode()
    assert login("supervisor").post(
        f"/supervision/criticisms/{criticism.pk}/publish/").status_code == 403
    reviewer.post(f"/supervision/criticisms/{criticism.pk}/publish/")
    public = Client().get("/supervision/criticisms/").content.decode()
    assert "正定县公安局" in public
    api = Client().get("/api/v1/supervision/criticisms").json()
    assert [c["organization"] for c in api] == ["正定县公安局"]


def test_r9_a_project_registered_and_refused_through_the_pages(county, login):
    officer = login("zd_mzj_officer")
    form = officer.get("/supervision/projects/new/").content.decode()
    assert "社会救助系统" in form and "101000000-ZDMZJ-0001" in form
    response = officer.post("/supervision/projects/new/", {
        "name": "智慧民政", "funding": "80", "catalogued": [county.civil_resource.pk],
        "planned": "临时救助对象信息\n", "applications": [county.civil_application.pk],
        "unregistered": ""}, follow=True)
    project = InfoProject.objects.get()
    assert [r.name for r in project.planned_resources.all()] == ["正定县低保对象信息",
                                                                 "临时救助对象信息"]
    officer.post(f"/supervision/projects/{project.pk}/submit/")
    page = login("zd_reviewer").post(f"/supervision/projects/{project.pk}/approve/",
                                     {"comment": ""}).content.decode()
    assert "以下信息资源尚未编目发布：临时救助对象信息（未编入目录）" in page
    assert response.status_code == 200


def test_r9_r21_the_api_covers_inspection_notices_and_projects(county, login, at_inspection):
    Record.objects.filter(resource=county.police_resource).delete()
    reviewer = login("zd_reviewer")
    ran = reviewer.post("/api/v1/supervision/inspections",
                        {"region": "130123", "period": PERIOD}, content_type="application/json")
    assert ran.status_code == 201 and ran.json()["counts"] == {"shared_without_data": 1}
    [finding] = reviewer.get(f"/api/v1/supervision/findings?{SCOPE}").json()
    assert finding["article_item"] == "四" and finding["evidence"]["records"] == 0
    bad = reviewer.post("/api/v1/supervision/inspections", {"region": "130123", "period": "x"},
                        content_type="application/json")
    assert bad.status_code == 400 and "period" in bad.json()["errors"]
    issued = reviewer.post("/api/v1/supervision/notices", {
        "organization_id": county.police.pk, "finding_ids": [finding["id"]],
        "requirements": "补齐", "due_date": "2026-06-30"}, content_type="application/json")
    assert issued.status_code == 201
    notice_id = issued.json()["id"]
    officer = login("zd_gaj_officer")
    answered = officer.post(f"/api/v1/supervision/notices/{notice_id}/answer",
                            {"answer": "已补齐"}, content_type="application/json")
    assert answered.json()["state"] == "answered"
    assert officer.post(f"/api/v1/supervision/notices/{notice_id}/close", {},
                        content_type="application/json").status_code == 403
    created = login("zd_mzj_officer").post("/api/v1/supervision/projects", {
        "department_id": county.civil.pk, "name": "智慧民政", "funding": "80",
        "resources": [{"name": "临时救助对象信息"}],
        "systems": [{"name": "社会救助系统", "application_id": county.civil_application.pk}]},
        content_type="application/json")
    assert created.status_code == 201, created.content
    project_id = created.json()["id"]
    login("zd_mzj_officer").post(f"/api/v1/supervision/projects/{project_id}/submit")
    refused = reviewer.post(f"/api/v1/supervision/projects/{project_id}/approve", {},
                            content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["errors"]["resources"] == [
        "以下信息资源尚未编目发布：临时救助对象信息（未编入目录）。"]
    ranked = reviewer.post("/api/v1/supervision/rankings", {"region": "130123",
                                                            "period": PERIOD},
                           content_type="application/json").json()
    assert [p["weight"] for p in ranked["parts"]] == [20, 20, 20, 15, 10, 15]
    assert len(ranked["entries"]) == 2


def test_r21_the_navigation_names_supervision(login):
    assert "/supervision/" in login("gat_staff").get("/").content.decode()
