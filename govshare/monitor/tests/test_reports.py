"""The periodic sharing report (R17): the figures printed are the database's counts."""

import hashlib
import io
import re
from datetime import date, datetime

import openpyxl
import pytest
import time_machine
from django.db.models import Sum
from pypdf import PdfReader

from govshare.audit.models import AuditRecord
from govshare.catalog.models import Resource
from govshare.exchange.models import Batch
from govshare.monitor.models import Report
from govshare.monitor.stats import MEASURES, day_bounds
from govshare.monitor.tasks import make_monthly_reports
from govshare.notifications.models import Notification
from govshare.sharing.models import Grant, Objection, ShareRequest, TimelineEntry

from .conftest import SHANGHAI

pytestmark = pytest.mark.django_db
REPORT_TIME = datetime(2026, 4, 1, 6, 0, tzinfo=SHANGHAI)
MARCH_START, MARCH_END = day_bounds(date(2026, 3, 1))[0], day_bounds(date(2026, 3, 31))[1]


def _march(queryset, field):
    return queryset.filter(**{f"{field}__gte": MARCH_START, f"{field}__lt": MARCH_END})


def _expected():
    """March's figures for the whole province, counted straight from the source tables."""
    accesses = _march(AuditRecord.objects.filter(action="resource.access"), "time")
    entries = _march(TimelineEntry.objects.all(), "at")
    return {
        "requests_filed": _march(ShareRequest.objects.all(), "created_at").count(),
        "requests_granted": entries.filter(share_request__isnull=False, to_state="granted")
        .exclude(from_state="granted").count(),
        "requests_refused": entries.filter(action="refuse").count(),
        "grants_active": Grant.objects.filter(state="active").count(),
        "gateway_calls": accesses.count(),
        "errors": accesses.filter(outcome="denied").count(),
        "rows_served": sum(int(s.get("rows", 0)) for s in accesses.filter(outcome="ok")
                           .values_list("summary", flat=True)),
        "rows_ingested": _march(Batch.objects.all(), "received_at").aggregate(
            n=Sum("rows"))["n"],
        "objections_opened": _march(Objection.objects.all(), "created_at").count(),
        "resources_stale": Resource.objects.stale(at=MARCH_END).count(),
    }


def _pdf_figures(content: bytes) -> dict:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    figures = {}
    for measure in MEASURES:
        found = re.search(re.escape(str(measure.label)) + r"\s+(\d+)", text)
        figures[measure.name] = int(found.group(1)) if found else None
    return figures, text


def _xlsx_figures(content: bytes) -> dict:
    sheet = openpyxl.load_workbook(io.BytesIO(content))["概要"]
    labels = {str(m.label): m.name for m in MEASURES}
    return {labels[row[0]]: row[1] for row in sheet.iter_rows(values_only=True)
            if row and row[0] in labels}


def test_r17_the_monthly_report_of_the_demo_region_prints_the_database_counts(world):
    expected = _expected()
    assert expected["gateway_calls"] == 13 and expected["errors"] == 1
    assert expected["rows_served"] == 12 and expected["rows_ingested"] == 120
    assert expected["requests_filed"] >= 5 and expected["resources_stale"] > 0

    with time_machine.travel(REPORT_TIME, tick=False):
        made = make_monthly_reports.call()

    report = Report.objects.get(region__code="130000", period_start=date(2026, 3, 1))
    assert report.pk in made and report.kind == Report.Kind.MONTHLY
    assert report.title == "河北省政务信息资源共享情况报告（2026年3月）"
    pdf_bytes = report.pdf.read()
    xlsx_bytes = report.xlsx.read()
    assert hashlib.sha256(pdf_bytes).hexdigest() == report.pdf_sha256
    assert hashlib.sha256(xlsx_bytes).hexdigest() == report.xlsx_sha256

    pdf, text = _pdf_figures(pdf_bytes)
    xlsx = _xlsx_figures(xlsx_bytes)
    for name, value in expected.items():
        assert pdf[name] == value, (name, pdf[name], value)
        assert xlsx[name] == value, (name, xlsx[name], value)
        assert report.figures["totals"][name] == value
    assert pdf == xlsx
    assert "逾期环节" in text and "未办结的数据异议" in text
    assert report.problems["overdue"] and report.problems["objections"]
    assert {r["number"] for r in report.problems["objections"]} == {
        o.number for o in Objection.objects.all()}

    # Delivered to the authority's inbox; the departments with problems are told (R17).
    assert Notification.objects.filter(event="report.generated",
                                       recipient__username="hb_reviewer").exists()
    told = set(Notification.objects.filter(event="report.problems")
               .values_list("recipient__username", flat=True))
    assert {"gat_officer", "gat_admin"} <= told
    # Each region with an authority gets its own; a second run makes none again.
    assert set(Report.objects.values_list("region__code", flat=True)) == {
        "130000", "130100", "130123"}
    with time_machine.travel(REPORT_TIME, tick=False):
        assert make_monthly_reports.call() == []
