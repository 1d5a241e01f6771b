"""The catalog's xlsx format: the template, export of any list of resources, and parsing an
uploaded file into rows for `services.resource_import`.

Two sheets with Chinese headers: 信息资源 (one row per resource, keyed by 序号) and 信息项 (one
row per data item, pointing to its resource by 资源序号). Columns are found by header, so extra
columns (an export's 提供方, 状态, …) are ignored on upload. Choice cells take the Chinese label
(共享类型 “有条件共享”), the English label or the code. docs/catalog.md describes the format.
"""

import io
import re
from dataclasses import dataclass, field
from zipfile import BadZipFile

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from govshare.core.exceptions import ValidationError

from .models import DataType, OpenType, ResourceFormat, ShareMode, ShareType, UpdateCycle

RESOURCE_SHEET = "信息资源"
ITEM_SHEET = "信息项"
GUIDE_SHEET = "填写说明"

# (header, key, choices or type); the header is the file format, never translated.
RESOURCE_COLUMNS = [
    ("序号", "key", str),
    ("资源代码", "code", str),
    ("资源名称", "name", str),
    ("资源摘要", "summary", str),
    ("分类代码", "classification", str),
    ("资源格式", "format", ResourceFormat),
    ("共享类型", "share_type", ShareType),
    ("共享条件", "share_conditions", str),
    ("不予共享依据", "legal_basis", str),
    ("共享方式", "share_modes", ShareMode),
    ("开放属性", "open_type", OpenType),
    ("开放条件", "open_conditions", str),
    ("更新周期", "update_cycle", UpdateCycle),
    ("关键字", "keywords", str),
    ("联系人及电话", "contact", str),
]
# Written on export for the reader, ignored on upload.
EXPORT_COLUMNS = ["提供方", "状态", "版本号", "发布日期"]
ITEM_COLUMNS = [
    ("资源序号", "resource_key", str),
    ("信息项标识符", "identifier", str),
    ("信息项名称", "name", str),
    ("数据类型", "data_type", DataType),
    ("长度", "length", int),
    ("数据元", "element", str),
    ("主键", "is_key", bool),
    ("权威来源", "is_source", bool),
    ("说明", "description", str),
]
MULTI_VALUE_KEYS = {"share_modes"}
SEPARATORS = re.compile(r"\s*[,，、;；]\s*")
YES, NO = "是", "否"
HEADER_FILL = PatternFill("solid", fgColor="DDE6F2")


@dataclass
class ImportRow:
    """One resource row and its data items, with where each came from in the file."""

    sheet: str
    number: int
    code: str
    metadata: dict
    items: list = field(default_factory=list)
    item_rows: list = field(default_factory=list)


def _labels(choices):
    """Chinese labels, whatever the request's language: the file format is Chinese."""
    with translation.override("zh-hans"):
        return [str(label) for label in choices.labels]


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _parse_choice(choices, text):
    if not text:
        return None
    for member in choices:
        with translation.override("en"):
            english = str(member.label)
        with translation.override("zh-hans"):
            chinese = str(member.label)
        if text in (member.value, chinese) or text.lower() == english.lower():
            return member.value
    raise ValueError(_("无法识别“%(value)s”，可填：%(allowed)s") % {
        "value": text, "allowed": "、".join(_labels(choices))})


def _parse(kind, key, text):
    if kind is str:
        return text
    if kind is int:
        if not text:
            return None
        if not text.isdigit():
            raise ValueError(_("应为正整数。"))
        return int(text)
    if kind is bool:
        if text in ("", NO, "N", "n", "false", "False", "0"):
            return False
        if text in (YES, "Y", "y", "true", "True", "1"):
            return True
        raise ValueError(_("应填“是”或“否”。"))
    if key in MULTI_VALUE_KEYS:
        return [_parse_choice(kind, part) for part in SEPARATORS.split(text.strip()) if part]
    return _parse_choice(kind, text)


def _read_sheet(workbook, title, columns, errors):
    """(row number, values by key) for each non-empty row; cell errors go to `errors`."""
    if title not in workbook.sheetnames:
        raise ValidationError({"file": [_("缺少工作表“%(sheet)s”。") % {"sheet": title}]})
    sheet = workbook[title]
    rows = sheet.iter_rows(values_only=True)
    headers = [_cell_text(h) for h in next(rows, ())]
    missing = [header for header, _key, _kind in columns if header not in headers]
    if missing:
        raise ValidationError({"file": [_("工作表“%(sheet)s”缺少列：%(columns)s") % {
            "sheet": title, "columns": "、".join(missing)}]})
    positions = {header: headers.index(header) for header, _key, _kind in columns}
    parsed = []
    for number, cells in enumerate(rows, start=2):
        texts = {header: _cell_text(cells[i] if i < len(cells) else None)
                 for header, i in positions.items()}
        if not any(texts.values()):
            continue
        values, problems = {}, []
        for header, key, kind in columns:
            try:
                values[key] = _parse(kind, key, texts[header])
            except ValueError as error:
                problems.append(f"{header}：{error}")
        if problems:
            errors.append((title, number, "；".join(problems)))
        else:
            parsed.append((number, values))
    return parsed


def read_workbook(file):
    """Parse an uploaded workbook into ImportRows, and the (sheet, row, reason) of every row
    that could not even be read."""
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, KeyError, OSError, ValueError) as error:
        raise ValidationError(
            {"file": [_("无法读取文件，请上传 xlsx 格式的目录表格。")]}) from error
    errors = []
    resource_rows = _read_sheet(workbook, RESOURCE_SHEET, RESOURCE_COLUMNS, errors)
    item_rows = _read_sheet(workbook, ITEM_SHEET, ITEM_COLUMNS, errors)
    rows, by_key = [], {}
    for number, values in resource_rows:
        key = values.pop("key") or str(number)
        code = values.pop("code")
        if key in by_key:
            errors.append((RESOURCE_SHEET, number, _("序号重复：%(key)s") % {"key": key}))
            continue
        # The row is the whole truth of the resource: an empty text cell clears the field,
        # an empty choice cell keeps the default (or the draft's current value).
        metadata = {k: v for k, v in values.items() if v is not None}
        row = ImportRow(RESOURCE_SHEET, number, code, metadata)
        by_key[key] = row
        rows.append(row)
    for number, values in item_rows:
        row = by_key.get(values.pop("resource_key"))
        if row is None:
            errors.append((ITEM_SHEET, number, _("资源序号在“信息资源”工作表中不存在。")))
            continue
        row.items.append({k: v for k, v in values.items() if v not in (None, "")})
        row.item_rows.append(number)
    return rows, errors


_RESOURCE_HEADERS = {key: header for header, key, _kind in RESOURCE_COLUMNS}
_ITEM_HEADERS = {key: header for header, key, _kind in ITEM_COLUMNS}


def locate_errors(row, field_errors):
    """A service's field errors for one ImportRow, as (sheet, row, reason) of the file."""
    located = []
    for name, messages in field_errors.items():
        text = " ".join(messages)
        parts = name.split(".")
        if parts[0] == "items" and len(parts) == 3 and parts[1].isdigit() \
                and int(parts[1]) < len(row.item_rows):
            header = _ITEM_HEADERS.get(parts[2], parts[2])
            located.append((ITEM_SHEET, row.item_rows[int(parts[1])], f"{header}：{text}"))
        else:
            header = _RESOURCE_HEADERS.get(name, name)
            located.append((row.sheet, row.number, f"{header}：{text}"))
    return located


def import_error(errors):
    """One ValidationError naming every bad row as "sheet:row", in file order."""
    field_errors = {}
    for sheet, number, reason in sorted(errors, key=lambda e: (e[0] != RESOURCE_SHEET, e[1])):
        field_errors.setdefault(f"{sheet}:{number}", []).append(reason)
    return ValidationError(field_errors, rows=sorted(errors))


def _choice_label(choices, value):
    with translation.override("zh-hans"):
        return str(choices(value).label) if value in choices.values else value or ""


def _header(sheet, headers):
    sheet.append(headers)
    for index, _header_text in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        sheet.column_dimensions[get_column_letter(index)].width = 18
    sheet.freeze_panes = "A2"


def _validate_choices(sheet, columns):
    """Drop-down lists on the choice columns, so the template guides whoever fills it."""
    for index, (_header_text, key, kind) in enumerate(columns, start=1):
        if kind in (str, int) or key in MULTI_VALUE_KEYS:
            continue
        options = [YES, NO] if kind is bool else _labels(kind)
        validation = DataValidation(type="list", formula1='"' + ",".join(options) + '"',
                                    allow_blank=True)
        letter = get_column_letter(index)
        validation.add(f"{letter}2:{letter}1000")
        sheet.add_data_validation(validation)


def _guide(workbook):
    sheet = workbook.create_sheet(GUIDE_SHEET)
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 90
    def choices(kind):
        return "、".join(_labels(kind))

    # Column names stay Chinese (they are the file format); the explanations follow the
    # reader's language.
    lines = [
        ("序号", _("本文件内的行标识，信息项通过“资源序号”指向它。")),
        ("资源代码", _("新建时留空，由平台生成；填写已有代码则更新该资源的草稿。")),
        ("分类代码", _("类1位、项2位、目3位、细目3位，如 101 表示基础信息资源·人口。")),
        ("共享类型", choices(ShareType) + " " + _("有条件共享须填共享条件，不予共享须填依据。")),
        ("共享方式", choices(ShareMode) + " " + _("可填多个，用顿号分隔。")),
        ("开放属性", choices(OpenType)),
        ("更新周期", choices(UpdateCycle)),
        ("资源格式", choices(ResourceFormat)),
        ("数据类型", choices(DataType)),
        ("数据元", _("填写数据元标识符；声明为权威来源的信息项须关联数据元。")),
        ("主键、权威来源", _("填“是”或“否”。")),
    ]
    for line in lines:
        sheet.append(line)


def write_workbook(entries, *, template=False):
    """An xlsx (bytes) of `entries`, a list of (resource, version) pairs; the template when
    `entries` is empty and `template` is set."""
    workbook = Workbook()
    resources = workbook.active
    resources.title = RESOURCE_SHEET
    resource_headers = [h for h, _k, _t in RESOURCE_COLUMNS]
    _header(resources, resource_headers if template else resource_headers + EXPORT_COLUMNS)
    items = workbook.create_sheet(ITEM_SHEET)
    _header(items, [h for h, _k, _t in ITEM_COLUMNS])
    for key, (resource, version) in enumerate(entries, start=1):
        resources.append(_resource_cells(key, resource, version))
        for item in version.items.select_related("element"):
            items.append([
                key, item.identifier, item.name, _choice_label(DataType, item.data_type),
                item.length, item.element.identifier if item.element else "",
                YES if item.is_key else NO, YES if item.is_source else NO, item.description,
            ])
    _validate_choices(resources, RESOURCE_COLUMNS)
    _validate_choices(items, ITEM_COLUMNS)
    _guide(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _resource_cells(key, resource, version):
    with translation.override("zh-hans"):
        status = str(version.get_status_display())
    return [
        key, resource.code, version.name, version.summary, version.classification.code,
        _choice_label(ResourceFormat, version.format),
        _choice_label(ShareType, version.share_type), version.share_conditions,
        version.legal_basis,
        "、".join(_choice_label(ShareMode, m) for m in version.share_modes),
        _choice_label(OpenType, version.open_type), version.open_conditions,
        _choice_label(UpdateCycle, version.update_cycle), version.keywords, version.contact,
        resource.provider.name, status, version.number,
        version.publish_date.isoformat() if version.publish_date else "",
    ]
