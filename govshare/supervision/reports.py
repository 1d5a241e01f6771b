"""The supervision report of a region for a period (R21: reported regularly to the people's
government): what the inspections found, by rule and by department, the rectification notices
and how they stand, the criticism list, the ranking, the project register.

`build` gathers the content once, as titled tables; the renderers turn the same content into
XLSX and PDF.
"""

import io
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from govshare.core import clock

from .inspections import organizations_in
from .models import (
    ARTICLE_22_ITEM,
    Criticism,
    Finding,
    InfoProject,
    Ranking,
    RectificationNotice,
    Rule,
)
from .periods import Period


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)


@dataclass
class ReportContent:
    title: str
    subtitle: str
    summary: dict
    tables: list[Table]


def _findings_by_rule(findings) -> Table:
    counts = {(row["rule"], row["status"]): row["n"]
              for row in findings.values("rule", "status").annotate(n=Count("pk"))}
    table = Table(_("一、检查发现的问题（按第二十二条各项）"),
                  [_("条款项"), _("问题类型"), _("待整改"), _("复查已消除"), _("已整改"),
                   _("合计")])
    for rule in Rule:
        row = [counts.get((rule.value, status), 0)
               for status in (Finding.Status.OPEN, Finding.Status.RESOLVED,
                              Finding.Status.RECTIFIED)]
        table.rows.append([_("第%(item)s项") % {"item": ARTICLE_22_ITEM[rule]}, str(rule.label),
                           *row, sum(row)])
    return table


def _findings_list(findings) -> Table:
    table = Table(_("二、问题清单"), [_("单位"), _("问题类型"), _("涉及对象"), _("情况"),
                                     _("状态")])
    for finding in findings.select_related("organization").order_by("organization__name",
                                                                    "rule", "pk"):
        table.rows.append([finding.organization.name, finding.get_rule_display(),
                           finding.object_repr, finding.text, finding.get_status_display()])
    return table


def _notices(region, period: Period) -> Table:
    notices = RectificationNotice.objects.filter(
        organization__in=organizations_in(region)).filter(
        Q(issued_at__gte=period.start_at, issued_at__lt=period.end_at)
        | Q(state=RectificationNotice.State.ISSUED, issued_at__lt=period.end_at)
    ).select_related("organization").order_by("issued_at", "pk")
    table = Table(_("三、整改通知"), [_("编号"), _("单位"), _("发出日期"), _("整改期限"),
                                     _("状态"), _("问题数")])
    for notice in notices.annotate(n=Count("findings")):
        state = notice.get_state_display()
        if notice.is_overdue(on=min(clock.today(), period.end)):
            state = _("%(state)s（已逾期）") % {"state": state}
        table.rows.append([notice.number, notice.organization.name,
                           f"{notice.issued_at:%Y-%m-%d}", f"{notice.due_date:%Y-%m-%d}", state,
                           notice.n])
    return table


def _criticisms(region, period: Period) -> Table:
    listed = Criticism.objects.filter(organization__in=organizations_in(region),
                                      listed_at__lt=period.end_at).select_related("organization")
    table = Table(_("四、通报批评"), [_("单位"), _("原因"), _("情况"), _("列入日期"),
                                     _("发布日期")])
    for criticism in listed.order_by("listed_at", "pk"):
        table.rows.append([criticism.organization.name, criticism.get_reason_display(),
                           criticism.text, f"{criticism.listed_at:%Y-%m-%d}",
                           f"{criticism.published_at:%Y-%m-%d}" if criticism.published_at
                           else _("未发布")])
    return table


def _ranking(region, period: Period) -> Table:
    table = Table(_("五、共享工作排名"), [_("名次"), _("单位"), _("得分")])
    ranking = Ranking.objects.filter(region=region, period=period.key).first()
    if ranking is not None:
        for entry in ranking.entries.select_related("organization"):
            table.rows.append([entry.rank, entry.organization.name, round(entry.score, 2)])
    return table


def _projects(region) -> Table:
    table = Table(_("六、信息化项目"), [_("项目名称"), _("建设单位"), _("财政资金（万元）"),
                                       _("涉密"), _("状态")])
    projects = InfoProject.objects.filter(department__in=organizations_in(region)).exclude(
        state=InfoProject.State.DRAFT).select_related("department")
    for project in projects.order_by("department__name", "name"):
        table.rows.append([project.name, project.department.name, float(project.funding),
                           _("是") if project.is_secret else _("否"),
                           project.get_state_display()])
    return table


def build(region, period: Period) -> ReportContent:
    findings = Finding.objects.filter(period=period.key,
                                      organization__in=organizations_in(region))
    by_rule = _findings_by_rule(findings)
    tables = [by_rule, _findings_list(findings), _notices(region, period),
              _criticisms(region, period), _ranking(region, period), _projects(region)]
    summary = {
        "findings": findings.count(),
        "open": findings.filter(status=Finding.Status.OPEN).count(),
        "by_rule": {rule.value: row[-1] for rule, row in zip(Rule, by_rule.rows, strict=True)},
        "notices": len(tables[2].rows), "criticisms": len(tables[3].rows),
    }
    return ReportContent(
        title=_("%(region)s政务信息资源共享监督检查报告") % {"region": region.name},
        subtitle=_("期间：%(period)s（%(start)s至%(end)s）　生成时间：%(now)s") % {
            "period": period.label, "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "now": f"{timezone.localtime(clock.now()):%Y-%m-%d %H:%M}"},
        summary=summary, tables=tables)


def render_xlsx(content: ReportContent) -> ContentFile:
    """One sheet per table, under the report's title."""
    book = Workbook()
    book.remove(book.active)
    for table in content.tables:
        sheet = book.create_sheet(table.title.split("、", 1)[-1][:31])
        sheet.append([content.title])
        sheet.append([content.subtitle])
        sheet.append([table.title])
        sheet.append(table.columns)
        for cell in sheet[4]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return ContentFile(buffer.getvalue())


def render_pdf(content: ReportContent) -> ContentFile:
    """The same tables as a PDF: a template laid out by WeasyPrint, which sets the Chinese text
    in the system's CJK font (Noto Sans CJK SC) and embeds it, as monitor's reports do."""
    from weasyprint import HTML  # heavy; only report generation needs it

    html = render_to_string("supervision/report_document.html", {"content": content})
    return ContentFile(HTML(string=html).write_pdf())
