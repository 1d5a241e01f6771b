"""Each catalog service, called once as the demo user allowed to call it (see
audit/testing.py). Resources go through their lifecycle by the services themselves, so every
step a case takes to reach its service is declared among its actions."""

import io

from openpyxl import load_workbook

from govshare.audit.testing import AuditCase
from govshare.catalog import services, spreadsheets
from govshare.catalog.demo import load_classifications, load_elements
from govshare.catalog.models import DataElement, SourceClaim, SourceConflict
from govshare.catalog.tests.conftest import population_metadata

CREATE, SUBMIT, PUBLISH = "resource.create", "resource.submit", "resource.publish"


def _draft(person, username="gat_staff", **overrides):
    load_elements()
    load_classifications()
    user = person(username)
    return services.resource_create(user, provider=user.organization,
                                    **population_metadata(**overrides))


def _submitted(person):
    resource = _draft(person)
    return services.resource_submit(person("gat_officer"), resource)


def _published(person, officer="gat_officer", **overrides):
    resource = _draft(person, officer, **overrides)
    services.resource_submit(person(officer), resource)
    return services.resource_publish(person("hb_reviewer"), resource)


def _resolve(person):
    """Two departments claim to be the source of 公民身份号码; the authority names 公安厅."""
    population = _published(person)
    _published(person, "mzt_officer", name="婚姻登记信息", items=[
        {"identifier": "djzh", "name": "婚姻登记证字号", "is_key": True},
        {"identifier": "nfsfzh", "name": "男方公民身份号码", "element": "GMSFHM",
         "is_source": True}])
    conflict = SourceConflict.objects.open().get()
    return services.source_conflict_resolve(
        person("hb_reviewer"), conflict, claim=SourceClaim.objects.get(resource=population),
        comment="公安厅为公民身份号码的法定登记机关")


def _import(person):
    load_elements()
    load_classifications()
    workbook = load_workbook(io.BytesIO(spreadsheets.write_workbook([], template=True)))
    workbook["信息资源"].append([1, "", "社会组织登记信息", "社会团体等的登记信息。", "102",
                             "数据库表", "无条件共享", "", "", "接口服务", "无条件开放", "", "每月",
                             "", ""])
    workbook["信息项"].append([1, "tyshxydm", "统一社会信用代码", "字符型", 18, "TYSHXYDM", "是",
                            "否", ""])
    upload = io.BytesIO()
    workbook.save(upload)
    upload.seek(0)
    officer = person("gat_officer")
    return services.resource_import(officer, provider=officer.organization, file=upload)


def _element_update(person):
    load_elements()
    return services.data_element_update(person("operator"),
                                        DataElement.objects.get(identifier="XM"),
                                        definition="公民户籍登记的姓名。")


CASES = [
    AuditCase("catalog.resource_create", _draft, (CREATE,)),
    AuditCase("catalog.resource_update", lambda person: services.resource_update(
        person("gat_staff"), _draft(person), summary="全省常住人口的户籍登记信息（修订）。"),
        (CREATE, "resource.update")),
    AuditCase("catalog.resource_submit", _submitted, (CREATE, SUBMIT)),
    AuditCase("catalog.resource_return", lambda person: services.resource_return(
        person("hb_reviewer"), _submitted(person), comment="共享条件表述不清"),
        (CREATE, SUBMIT, "resource.return")),
    AuditCase("catalog.resource_publish", _published, (CREATE, SUBMIT, PUBLISH)),
    AuditCase("catalog.resource_change", lambda person: services.resource_change(
        person("gat_staff"), _published(person), change_reason="content"),
        (CREATE, SUBMIT, PUBLISH, "resource.change")),
    AuditCase("catalog.resource_discard", lambda person: services.resource_discard(
        person("gat_staff"), _draft(person)), (CREATE, "resource.discard")),
    AuditCase("catalog.resource_withdraw", lambda person: services.resource_withdraw(
        person("gat_officer"), _published(person), reason="机构改革，职能划出"),
        (CREATE, SUBMIT, PUBLISH, "resource.withdraw")),
    AuditCase("catalog.resource_mark_data_updated", lambda person:
              services.resource_mark_data_updated(person("gat_staff"), _published(person)),
              (CREATE, SUBMIT, PUBLISH, "resource.mark_data_updated")),
    AuditCase("catalog.source_conflict_resolve", _resolve,
              (CREATE, SUBMIT, PUBLISH, CREATE, SUBMIT, PUBLISH, "source_conflict.resolve")),
    AuditCase("catalog.data_element_create", lambda person: services.data_element_create(
        person("operator"), identifier="HYZK", name="婚姻状况", standard="GB/T 2261.2"),
        ("data_element.create",)),
    AuditCase("catalog.data_element_update", _element_update, ("data_element.update",)),
    AuditCase("catalog.resource_import", _import, (CREATE, "resource.import")),
]
