"""The supervision report of a region and period (R21): PDF and XLSX with the findings by
article 22 item, the notices, the criticism list and the ranking, delivered to the authority's
inbox; and the periodic task that inspects, criticises and ranks."""

import io
import shutil
import subprocess

import openpyxl
import pytest

from govshare.exchange.models import Record
from govshare.notifications.models import Notification
from govshare.supervision import services, tasks
from govshare.supervision.models import Criticism, Finding, Inspection, Ranking
from govshare.supervision.tests.conftest import PERIOD

pytestmark = pytest.mark.django_db


@pytest.fixture
def inspected(county, person, at_inspection):
    Record.objects.filter(resource=county.police_resource).delete()
    services.inspection_run(person("zd_reviewer"), county.region, PERIOD)
    notice = services.notice_issue(person("zd_reviewer"), county.police,
                                   findings=list(Finding.objects.all()),
                                   requirements="补齐数据", due_date=_due())
    services.notice_decline(county.police_officer, notice, reasons="无须整改")
    services.ranking_compute(person("zd_reviewer"), county.region, PERIOD)
    return county


def _due():
    import datetime

    return datetime.date(2026, 6, 30)


def _pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    # Our own file through poppler's pdftotext: no outside input reaches the command line.
    return subprocess.run([shutil.which("pdftotext"), "-layout", str(path), "-"],  # noqa: S603
                          capture_output=True, text=True, check=True).stdout


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_r21_the_report_is_a_pdf_with_chinese_text_and_an_xlsx(inspected, person, tmp_path):
    report = services.supervision_report_generate(person("zd_reviewer"), inspected.region,
                                                  PERIOD)
    pdf = report.pdf.read()
    assert pdf.startswith(b"%PDF")
    text = _pdf_text(pdf, tmp_path)
    assert "正定县政务信息资源共享监督检查报告" in text
    assert "已编目共享的资源未通过平台提供数据" in text and "正定县公安局" in text
    assert "拒不整改" in text
    book = openpyxl.load_workbook(io.BytesIO(report.xlsx.read()))
    first = list(book.worksheets[0].values)
    assert first[0][0] == "正定县政务信息资源共享监督检查报告"
    by_rule = {row[1]: row[2:] for row in first[4:]}
    assert by_rule["已编目共享的资源未通过平台提供数据"] == (1, 0, 0, 1)
    criticism = list(book.worksheets[3].values)
    assert criticism[4][:2] == ("正定县公安局", "拒不整改")
    assert report.summary["findings"] == 1 and report.summary["criticisms"] == 1


def test_r17_r21_the_report_is_delivered_to_the_authority_inbox(inspected, person, login):
    report = services.supervision_report_generate(person("supervisor"), inspected.region,
                                                  PERIOD)
    delivered = Notification.objects.get(event="supervision.report")
    assert delivered.recipient.username == "zd_reviewer"
    assert delivered.url == f"/supervision/reports/{report.pk}/"
    client = login("zd_reviewer")
    assert client.get(delivered.url).status_code == 200
    response = client.get(f"/supervision/reports/{report.pk}/report.pdf")
    assert response.status_code == 200 and b"".join(response.streaming_content)[:4] == b"%PDF"
    assert login("gat_admin").get(delivered.url).status_code == 404
    assert login("mzt_officer").get(delivered.url).status_code == 404


def test_r21_only_overseers_generate_reports(county, person):
    from govshare.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.supervision_report_generate(county.police_officer, county.region, PERIOD)


def test_r21_the_periodic_task_inspects_criticises_and_ranks(inspected, person):
    import datetime

    import time_machine

    with time_machine.travel(datetime.datetime(2026, 6, 10, 9, 0)):
        done = tasks.inspect.enqueue("130123", PERIOD).return_value
    assert done == {"130123": {"findings": 1, "criticised": 0}}
    assert Inspection.objects.filter(trigger=Inspection.Trigger.TASK).count() == 1
    assert Ranking.objects.filter(period=PERIOD).count() == 1
    assert Criticism.objects.count() == 1
    result = tasks.report.enqueue("130123", PERIOD).return_value
    assert list(result) == ["130123"]


def test_r21_the_command_runs_the_inspection(county, person, at_inspection):
    from django.core.management import call_command

    out = io.StringIO()
    call_command("supervision_inspect", "--region", "130123", "--period", PERIOD, stdout=out)
    assert "inspect" in out.getvalue()
    assert Inspection.objects.get().trigger == Inspection.Trigger.TASK


def test_r21_the_periodic_inspection_inspects_the_top_regions_for_the_current_period(
        inspected, person, at_inspection):
    done = tasks.periodic_inspection.call()
    assert list(done) == ["130000"]
    inspection = Inspection.objects.get(trigger=Inspection.Trigger.TASK)
    assert (inspection.region.code, inspection.period) == ("130000", PERIOD)
    assert inspection.findings.exists()
