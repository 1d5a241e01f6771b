"""The ranking as a spreadsheet: the departments with each part's score and the counts behind
it, and a second sheet with the formula and its weights (R20: transparent parts)."""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from .rankings import PARTS


def ranking_xlsx(ranking) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _("排名")
    sheet.append([_("名次"), _("单位"), _("得分"), *[str(p.label) for p in PARTS]])
    for entry in ranking.entries.select_related("organization"):
        sheet.append([entry.rank, entry.organization.name, round(entry.score, 2),
                      *[round(entry.parts[p.key], 4) for p in PARTS]])
    counts = book.create_sheet(_("计数"))
    keys = list(ranking.entries.first().counts) if ranking.entries.exists() else []
    counts.append([_("单位"), *keys])
    for entry in ranking.entries.select_related("organization"):
        counts.append([entry.organization.name, *[entry.counts[k] for k in keys]])
    formula = book.create_sheet(_("计分方法"))
    formula.append([_("得分 = 100 × Σ(权重 × 分项得分) ÷ Σ权重")])
    formula.append([_("分项"), _("权重"), _("计算方法")])
    for part in PARTS:
        formula.append([str(part.label), ranking.weights.get(part.key, 0), str(part.formula)])
    formula.append([_("问题数封顶值"), ranking.findings_cap])
    for each in (sheet, counts, formula):
        for cell in each[1]:
            cell.font = Font(bold=True)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
