"""Compiling the catalog from a spreadsheet (R7): the template, upload all-or-nothing with every
bad row reported, and export of what was compiled."""

import io

import pytest
from openpyxl import load_workbook

from govshare.catalog import services, spreadsheets
from govshare.catalog.compare import compare_versions
from govshare.catalog.models import Resource
from govshare.core.exceptions import PermissionDenied, ValidationError


def _filled_template(resource_rows, item_rows):
    workbook = load_workbook(io.BytesIO(spreadsheets.write_workbook([], template=True)))
    for row in resource_rows:
        workbook["信息资源"].append(row)
    for row in item_rows:
        workbook["信息项"].append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


POPULATION = [1, "", "常住人口户籍信息", "全省常住人口的户籍登记信息。", "101001", "数据库表",
              "有条件共享", "用于政务服务身份核验", "", "接口服务、库表同步", "不予开放", "",
              "每日", "户籍,人口", "公安厅 0311-1234"]
SOCIETY = [2, "", "社会组织登记信息", "社会团体等的登记信息。", "102", "数据库表", "无条件共享", "",
           "", "接口服务", "无条件开放", "", "每月", "", ""]
ITEMS = [
    [1, "gmsfhm", "公民身份号码", "字符型", 18, "GMSFHM", "是", "是", ""],
    [1, "xm", "姓名", "字符型", 50, "XM", "否", "否", "户籍登记姓名"],
    [1, "csrq", "出生日期", "日期型", None, "", "否", "否", ""],
    [2, "tyshxydm", "统一社会信用代码", "字符型", 18, "TYSHXYDM", "是", "否", ""],
]


def test_r7_template_has_chinese_headers_on_two_sheets(elements):
    workbook = load_workbook(io.BytesIO(spreadsheets.write_workbook([], template=True)))
    assert workbook.sheetnames[:2] == ["信息资源", "信息项"]
    headers = [c.value for c in workbook["信息资源"][1]]
    assert headers[:4] == ["序号", "资源代码", "资源名称", "资源摘要"]
    assert "共享类型" in headers and "不予共享依据" in headers
    item_headers = [c.value for c in workbook["信息项"][1]]
    assert item_headers[:3] == ["资源序号", "信息项标识符", "信息项名称"]


def test_r7_template_round_trips(person, elements):
    officer = person("gat_officer")
    upload = _filled_template([POPULATION, SOCIETY], ITEMS)
    results = services.resource_import(officer, provider=officer.organization, file=upload)
    assert [created for _r, created in results] == [True, True]
    population = Resource.objects.get(versions__name="常住人口户籍信息")
    version = population.pending_version
    assert (version.share_type, version.share_modes, version.update_cycle) == (
        "conditional", ["api", "table"], "daily")
    assert version.keywords == "户籍,人口" and version.classification.code == "101001"
    items = list(version.items.all())
    assert [(i.identifier, i.is_key, i.is_source, i.length) for i in items] == [
        ("gmsfhm", True, True, 18), ("xm", False, False, 50), ("csrq", False, False, None)]
    assert items[0].element.identifier == "GMSFHM" and items[1].description == "户籍登记姓名"

    # Export what was compiled and upload it unchanged: the drafts are updated to themselves.
    entries = [(r, r.pending_version) for r in Resource.objects.order_by("code")]
    exported = spreadsheets.write_workbook(entries)
    before = {r.pk: r.pending_version for r in Resource.objects.all()}
    results = services.resource_import(officer, provider=officer.organization,
                                       file=io.BytesIO(exported))
    assert [created for _r, created in results] == [False, False]
    assert Resource.objects.count() == 2
    for resource in Resource.objects.all():
        after = resource.pending_version
        assert after.pk == before[resource.pk].pk
        assert compare_versions(before[resource.pk], after).is_empty


def test_r7_a_file_with_three_bad_rows_writes_nothing_and_names_all_three(person, elements):
    officer = person("gat_officer")
    no_conditions = [3, "", "无条件的有条件资源", "摘要", "101", "数据库表", "有条件共享", "", "",
                     "接口服务", "不予开放", "", "每日", "", ""]
    bad_share_type = [4, "", "共享类型写错", "摘要", "101", "数据库表", "随便共享", "", "",
                      "接口服务", "不予开放", "", "每日", "", ""]
    bad_item = [1, "bad id", "空格标识", "字符型", 10, "", "否", "否", ""]
    upload = _filled_template([POPULATION, SOCIETY, no_conditions, bad_share_type],
                              ITEMS + [bad_item])
    with pytest.raises(ValidationError) as error:
        services.resource_import(officer, provider=officer.organization, file=upload)
    errors = error.value.field_errors
    assert list(errors) == ["信息资源:4", "信息资源:5", "信息项:6"]
    assert "共享条件" in errors["信息资源:4"][0]
    assert "共享类型" in errors["信息资源:5"][0] and "随便共享" in errors["信息资源:5"][0]
    assert "信息项标识符" in errors["信息项:6"][0]
    assert Resource.objects.count() == 0


def test_r7_upload_reports_missing_sheets_and_files_that_are_not_xlsx(person, elements):
    officer = person("gat_officer")
    with pytest.raises(ValidationError) as error:
        services.resource_import(officer, provider=officer.organization,
                                 file=io.BytesIO(b"not a workbook"))
    assert "file" in error.value.field_errors
    workbook = load_workbook(io.BytesIO(spreadsheets.write_workbook([], template=True)))
    del workbook["信息项"]
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    with pytest.raises(ValidationError) as error:
        services.resource_import(officer, provider=officer.organization, file=buffer)
    assert "信息项" in error.value.field_errors["file"][0]


def test_r7_upload_cannot_touch_another_departments_resources(person, published):
    marriage = published("mzt_officer", name="婚姻登记信息")
    officer = person("gat_officer")
    with pytest.raises(PermissionDenied):
        services.resource_import(officer, provider=person("mzt_officer").organization,
                                 file=_filled_template([POPULATION], ITEMS[:1]))
    row = [1, marriage.code, *POPULATION[2:]]
    with pytest.raises(ValidationError) as error:
        services.resource_import(officer, provider=officer.organization,
                                 file=_filled_template([row], ITEMS[:1]))
    assert list(error.value.field_errors) == ["信息资源:2"]
    marriage.refresh_from_db()
    assert marriage.name == "婚姻登记信息"


def test_r7_upload_cannot_edit_a_published_version_in_place(person, published):
    resource = published()
    officer = person("gat_officer")
    row = [1, resource.code, *POPULATION[2:]]
    with pytest.raises(ValidationError) as error:
        services.resource_import(officer, provider=officer.organization,
                                 file=_filled_template([row], ITEMS))
    assert "信息资源:2" in error.value.field_errors
