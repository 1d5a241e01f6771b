"""The periodic sharing report (R17): its content for a region and period (key figures, daily
series, departments, the problems found) and its two documents, PDF and XLSX, which print the
same figures.

PDF: a Django template rendered by WeasyPrint, which lays out Chinese text with the system's
CJK font (fontconfig, Noto Sans CJK SC) and embeds a subset of it; reportlab cannot embed that
font (CFF outlines in a TTC), and its built-in CID fonts are not embedded at all. XLSX: openpyxl,
with the spreadsheet's own charts.
"""

import base64
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.apps import apps
from django.db.models import Q
from django.http import FileResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Font

from govshare.core import clock
from govshare.core.exceptions import NotFound

from . import charts, stats
from .models import Alert, DailyStat, StatsDay, subtree_q

TREND = ("gateway_calls", "errors")
REQUESTS = ("requests_filed", "requests_granted", "requests_refused")
TOP_DEPARTMENTS = 12
DEPARTMENT_COLUMNS = (
    ("organization", gettext_lazy("部门")), ("received", gettext_lazy("收到申请")),
    ("filed", gettext_lazy("提交申请")), ("grants", gettext_lazy("有效授权（提供方）")),
    ("served_calls", gettext_lazy("被调用次数")), ("served_rows", gettext_lazy("提供记录数")),
    ("calls", gettext_lazy("调用次数（使用方）")), ("refused", gettext_lazy("访问被拒绝")),
    ("overdue", gettext_lazy("逾期环节")), ("objections", gettext_lazy("收到异议")),
    ("stale", gettext_lazy("未按期更新的资源")),
)
# Each kind of problem: its key in `problems()`, its heading, and its columns.
PROBLEM_SHEETS = (
    ("overdue", gettext_lazy("逾期环节"), {
        "number": gettext_lazy("编号"), "resource": gettext_lazy("信息资源"),
        "step": gettext_lazy("环节"), "holder": gettext_lazy("办理单位"),
        "due": gettext_lazy("截止日期"), "days_late": gettext_lazy("逾期天数")}),
    ("stale", gettext_lazy("未按期更新的资源"), {
        "code": gettext_lazy("资源代码"), "resource": gettext_lazy("信息资源"),
        "provider": gettext_lazy("提供方"), "cycle": gettext_lazy("更新周期"),
        "last_update": gettext_lazy("最近更新")}),
    ("objections", gettext_lazy("未办结的数据异议"), {
        "number": gettext_lazy("编号"), "resource": gettext_lazy("信息资源"),
        "consumer": gettext_lazy("提出单位"), "provider": gettext_lazy("提供方"),
        "kind": gettext_lazy("异议类型"), "state": gettext_lazy("状态"),
        "raised": gettext_lazy("提出日期")}),
    ("alerts", gettext_lazy("异常告警"), {
        "number": gettext_lazy("编号"), "rule": gettext_lazy("规则"),
        "application": gettext_lazy("应用系统"), "organization": gettext_lazy("所属单位"),
        "observed": gettext_lazy("观测值"), "threshold": gettext_lazy("阈值"),
        "state": gettext_lazy("状态"), "opened": gettext_lazy("发现时间")}),
)


@dataclass
class Content:
    region: object
    start: date
    end: date
    totals: dict
    series: dict
    departments: list
    problems: dict

    @property
    def figures(self) -> dict:
        """What the Report row keeps: the figures exactly as printed."""
        return {"start": self.start.isoformat(), "end": self.end.isoformat(),
                "totals": self.totals, "series": self.series, "departments": self.departments}


def _model(label):
    return apps.get_model(*label.split("."))


def _in_region(region, *paths) -> Q:
    q = Q(pk__in=[])
    for path in paths:
        q |= subtree_q(region, f"{path}__region__")
    return q


def _overdue(region, start_at, end_at):
    deadlines = (_model("sharing.Deadline").objects
                 .filter(supervised=True, due_at__lt=end_at)
                 .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=start_at))
                 .filter(_in_region(region, "share_request__resource__provider",
                                    "share_request__consumer", "objection__resource__provider",
                                    "objection__consumer"))
                 .select_related("share_request__resource", "objection__resource",
                                 "organization", "region").order_by("due_at"))
    rows = []
    for deadline in deadlines:
        late = deadline.overdue_time(at=min(end_at, clock.now()))
        if deadline.closed_at and deadline.closed_at <= deadline.due_at or not late:
            continue
        subject = deadline.share_request or deadline.objection
        states = type(subject).State
        holder = deadline.organization or deadline.region
        rows.append({
            "number": subject.number, "resource": subject.resource.name,
            "step": str(states(deadline.step).label) if deadline.step in states.values
            else deadline.step,
            "holder": str(holder) if holder else deadline.get_party_display(),
            "organization_id": deadline.organization_id,
            "due": deadline.due_date.isoformat(), "days_late": late.days + 1,
            "closed": deadline.closed_at is not None})
    return rows


def _stale(region, end):
    last = StatsDay.objects.filter(day__lte=end).latest_day()
    if last is None:
        return []
    ids = (DailyStat.objects.filter(day=last, resources_stale__gt=0).in_region(region)
           .values_list("resource_id", flat=True))
    resources = (_model("catalog.Resource").objects.filter(pk__in=ids)
                 .select_related("provider", "published_version").order_by("code"))
    updates = stats.last_updates(stats.day_bounds(last)[1])
    rows = []
    for resource in resources:
        updated = (resource.data_updated_at if resource.data_updated_at
                   and resource.data_updated_at < stats.day_bounds(last)[1]
                   else updates.get(resource.pk)) or resource.first_published_at
        rows.append({
            "code": resource.code, "resource": resource.name,
            "provider": resource.provider.name, "organization_id": resource.provider_id,
            "cycle": str(resource.published_version.get_update_cycle_display()),
            "last_update": timezone.localdate(updated).isoformat() if updated else ""})
    return rows


def _objections(region, end_at):
    objections = (_model("sharing.Objection").objects.exclude(state="closed")
                  .filter(created_at__lt=end_at)
                  .filter(_in_region(region, "resource__provider", "consumer"))
                  .select_related("resource__provider", "consumer").order_by("created_at"))
    return [{"number": o.number, "resource": o.resource.name, "consumer": o.consumer.name,
             "provider": o.resource.provider.name, "organization_id": o.resource.provider_id,
             "kind": str(o.get_kind_display()), "state": str(o.get_state_display()),
             "raised": timezone.localdate(o.created_at).isoformat()} for o in objections]


def _alerts(region, start_at, end_at):
    alerts = (Alert.objects.filter(opened_at__gte=start_at, opened_at__lt=end_at)
              .filter(subtree_q(region, "organization__region__"))
              .select_related("application", "organization").order_by("opened_at"))
    return [{"number": a.number, "rule": str(a.get_rule_display()),
             "application": a.application.name, "organization": a.organization.name,
             "observed": round(a.observed), "threshold": round(a.threshold),
             "state": str(a.get_state_display()),
             "opened": timezone.localtime(a.opened_at).strftime("%Y-%m-%d %H:%M")}
            for a in alerts]


def problems(region, start: date, end: date) -> dict:
    start_at = stats.day_bounds(start)[0]
    end_at = stats.day_bounds(end)[1]
    return {"overdue": _overdue(region, start_at, end_at), "stale": _stale(region, end),
            "objections": _objections(region, end_at),
            "alerts": _alerts(region, start_at, end_at)}


def build(region, start: date, end: date) -> Content:
    rows = DailyStat.objects.in_region(region)
    return Content(
        region=region, start=start, end=end, totals=stats.totals(rows, start, end),
        series=stats.series(rows, start, end, stats.NAMES),
        departments=stats.by_department(rows, start, end),
        problems=problems(region, start, end))


def title(region, start: date, end: date) -> str:
    month_end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    if start.day == 1 and end == month_end:
        period = _("%(year)d年%(month)d月") % {"year": start.year, "month": start.month}
    else:
        period = f"{start:%Y-%m-%d} — {end:%Y-%m-%d}"
    return _("%(region)s政务信息资源共享情况报告（%(period)s）") % {
        "region": region.name, "period": period}


def _labels():
    return {m.name: str(m.label) for m in stats.MEASURES}


def _charts(content) -> list[str]:
    labels = _labels()
    series = content.series
    departments = content.departments[:TOP_DEPARTMENTS]
    svgs = [
        charts.lines(_("每日接口调用与被拒绝访问"), series["days"],
                     {labels[name]: series[name] for name in TREND}),
        charts.lines(_("每日共享申请办理"), series["days"],
                     {labels[name]: series[name] for name in REQUESTS}),
    ]
    if departments:
        svgs.append(charts.bars(
            _("各部门数据调用（前%(n)d名）") % {"n": len(departments)},
            [d["organization"] for d in departments],
            {_("作为提供方被调用"): [d.get("served_calls", 0) for d in departments],
             _("作为使用方调用"): [d.get("calls", 0) for d in departments]}))
    return ["data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
            for svg in svgs]


def pdf(content, report_title: str, generated_at: datetime) -> bytes:
    from weasyprint import HTML  # heavy; only report generation needs it

    html = render_to_string("monitor/report_document.html", {
        "title": report_title, "content": content, "generated_at": generated_at,
        "measures": [(m, content.totals[m.name]) for m in stats.MEASURES],
        "charts": _charts(content), "columns": DEPARTMENT_COLUMNS,
        "departments": [[row.get(key, 0) for key, _label in DEPARTMENT_COLUMNS]
                        for row in content.departments],
        "problems": [(heading, [str(label) for label in header.values()],
                      [[row.get(f, "") for f in header] for row in content.problems[key]])
                     for key, heading, header in PROBLEM_SHEETS]})
    return HTML(string=html).write_pdf()


def _sheet(workbook, name, header, rows):
    sheet = workbook.create_sheet(name)
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        sheet.column_dimensions[cell.column_letter].width = max(12, 2.2 * len(str(cell.value)))
    for row in rows:
        sheet.append(row)
    return sheet


def xlsx(content, report_title: str, generated_at: datetime) -> bytes:
    labels = _labels()
    workbook = Workbook()
    summary = workbook.active
    summary.title = _("概要")
    summary.append([report_title])
    summary["A1"].font = Font(bold=True, size=13)
    summary.append([_("统计期间"), f"{content.start:%Y-%m-%d} — {content.end:%Y-%m-%d}"])
    summary.append([_("生成时间"), timezone.localtime(generated_at).strftime("%Y-%m-%d %H:%M")])
    summary.append([])
    summary.append([_("指标"), _("数值"), _("口径")])
    for measure in stats.MEASURES:
        summary.append([str(measure.label), content.totals[measure.name],
                        str(measure.definition)])
    summary.column_dimensions["A"].width = 22
    summary.column_dimensions["B"].width = 14
    summary.column_dimensions["C"].width = 80

    series = content.series
    daily = _sheet(workbook, _("每日"), [_("日期"), *(labels[n] for n in stats.NAMES)],
                   [[day, *(series[n][i] for n in stats.NAMES)]
                    for i, day in enumerate(series["days"])])
    last_row = len(series["days"]) + 1
    for names, title_text, anchor, kind in (
            (TREND, _("每日接口调用与被拒绝访问"), "O2", LineChart),
            (REQUESTS, _("每日共享申请办理"), "O18", BarChart)):
        chart = kind()
        chart.title = title_text
        chart.height, chart.width = 7, 18
        for name in names:
            column = stats.NAMES.index(name) + 2
            chart.add_data(Reference(daily, min_col=column, min_row=1, max_row=last_row),
                           titles_from_data=True)
        chart.set_categories(Reference(daily, min_col=1, min_row=2, max_row=last_row))
        daily.add_chart(chart, anchor)

    _sheet(workbook, _("各部门"), [str(label) for _key, label in DEPARTMENT_COLUMNS],
           [[row.get(key, 0) for key, _label in DEPARTMENT_COLUMNS]
            for row in content.departments])
    for key, name, header in PROBLEM_SHEETS:
        rows = content.problems[key]
        fields = list(header)
        _sheet(workbook, str(name), [str(header[f]) for f in fields],
               [[row.get(f, "") for f in fields] for row in rows])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def download(report, fmt: str) -> FileResponse:
    """The archived PDF or XLSX of `report`, with its SHA-256 in `Repr-Digest` (RFC 9530)."""
    if fmt not in ("pdf", "xlsx"):
        raise NotFound()
    response = FileResponse(getattr(report, fmt).open("rb"), as_attachment=True,
                            filename=f"{report.title}.{fmt}")
    digest = base64.b64encode(bytes.fromhex(getattr(report, f"{fmt}_sha256"))).decode()
    response["Repr-Digest"] = f"sha-256=:{digest}:"
    return response
