"""Each violation of article 22, planted in a county whose work is otherwise in order, is found
by the inspection with its evidence; the county as it is yields nothing (R21, R9, R15)."""

import datetime

import pytest
import time_machine

from govshare.catalog import services as catalog
from govshare.catalog.models import ChangeReason
from govshare.exchange.models import Node, Record
from govshare.exchange.tests.factories import SignedClient
from govshare.node.signing import generate_key
from govshare.orgs import services as orgs
from govshare.orgs.credit_code import make_credit_code
from govshare.orgs.models import Application, Organization
from govshare.sharing import services as sharing
from govshare.supervision import services
from govshare.supervision.models import Finding, InfoProject, Inspection, Rule
from govshare.supervision.tests.conftest import COMPILED, INSPECTED, PERIOD

pytestmark = pytest.mark.django_db


def _inspect(county, person, period=PERIOD):
    return services.inspection_run(person("zd_reviewer"), county.region, period)


def _found(rule=None):
    findings = Finding.objects.order_by("pk")
    return list(findings.filter(rule=rule) if rule else findings)


def _only(rule):
    """The findings, after checking that no other rule found anything."""
    assert {f.rule for f in _found()} == {rule}
    return _found(rule)


def test_r21_a_county_in_order_yields_no_finding(county, person, at_inspection):
    inspection = _inspect(county, person)
    assert inspection.counts == {}
    assert _found() == []


def test_r21_catalog_not_compiled_is_found(county, person, at_inspection):
    newcomer = Organization.objects.create(
        name="正定县文化广电和旅游局", credit_code=make_credit_code("1", "130123", 9),
        region=county.region, short_code="ZDWGLJ")
    _inspect(county, person)
    [finding] = _only(Rule.CATALOG_MISSING)
    assert finding.organization == newcomer and finding.object_id == str(newcomer.pk)
    assert finding.evidence["resources_by_status"] == {}
    assert "未发布任何信息资源目录" in finding.text


def test_r21_catalog_not_compiled_is_found_in_the_period_it_was_missing(county, person):
    with time_machine.travel(INSPECTED):
        _inspect(county, person, period="2026-02")
    assert {f.organization for f in _only(Rule.CATALOG_MISSING)} == {county.police, county.civil}


def test_r21_data_not_updated_within_its_cycle_is_found(county, person, at_inspection):
    last = INSPECTED - datetime.timedelta(days=40)
    Record.objects.filter(resource=county.civil_resource).update(seq=2)
    type(county.civil_resource).objects.filter(pk=county.civil_resource.pk).update(
        data_updated_at=last)
    _inspect(county, person)
    [finding] = _only(Rule.CATALOG_STALE)
    assert finding.organization == county.civil
    assert finding.evidence["update_cycle"] == "monthly"
    assert datetime.datetime.fromisoformat(finding.evidence["data_updated_at"]) == last
    assert "40天未更新" in finding.text


def test_r21_a_reform_change_left_unsubmitted_is_found(county, person):
    with time_machine.travel(INSPECTED - datetime.timedelta(days=31), tick=False):
        catalog.resource_change(county.police_officer, county.police_resource,
                                change_reason=ChangeReason.INSTITUTIONAL_REFORM,
                                change_description="机构改革，户籍业务划转")
    with time_machine.travel(INSPECTED):
        _inspect(county, person)
    [finding] = _only(Rule.REFORM_NOT_RESUBMITTED)
    assert finding.organization == county.police
    assert finding.evidence["version"] == 2 and finding.evidence["version_status"] == "draft"


def test_r21_a_reform_change_within_the_grace_days_is_not_yet_a_finding(county, person):
    with time_machine.travel(INSPECTED - datetime.timedelta(days=29), tick=False):
        catalog.resource_change(county.police_officer, county.police_resource,
                                change_reason=ChangeReason.INSTITUTIONAL_REFORM)
    with time_machine.travel(INSPECTED):
        _inspect(county, person)
    assert _found() == []


def test_r21_catalog_not_resubmitted_after_a_department_is_reformed(county, person):
    with time_machine.travel(COMPILED + datetime.timedelta(days=10), tick=False):
        orgs.organization_update(person("operator"), county.civil,
                                 name="正定县民政和社会保障局")
    with time_machine.travel(INSPECTED):
        _inspect(county, person)
    [finding] = _only(Rule.REFORM_NOT_RESUBMITTED)
    assert finding.organization == county.civil
    assert finding.object_id == str(county.civil_resource.pk)
    assert finding.evidence["reform_changes"] == {"name": "正定县民政和社会保障局"}


def test_r21_a_shared_resource_without_data_is_found(county, person, at_inspection):
    Record.objects.filter(resource=county.police_resource).delete()
    _inspect(county, person)
    [finding] = _only(Rule.SHARED_WITHOUT_DATA)
    assert finding.organization == county.police
    assert finding.evidence | {"records": 0, "files": 0, "approved_nodes": 1} == \
        finding.evidence


def test_r21_a_department_sharing_by_interface_without_a_node_is_found(county, person,
                                                                       at_inspection):
    Node.objects.filter(organization=county.civil).update(state=Node.State.REVOKED)
    _inspect(county, person)
    [finding] = _only(Rule.NO_NODE)
    assert finding.organization == county.civil
    assert finding.evidence == {"resources": [county.civil_resource.code],
                                "nodes_by_state": {"revoked": 1}}


def test_r12_r21_a_refusal_citing_no_law_is_found(county, person, at_inspection):
    application = Application.objects.create(organization=county.civil, name="低保审批系统")
    request = sharing.share_request_file(
        county.civil_officer, application=application,
        resource=county.police_resource, items=["address"], purpose="入户核查",
        duty="最低生活保障审核", requested_until=datetime.date(2027, 3, 1))
    sharing.share_request_refuse(county.police_officer, request, reasons="数据敏感",
                                 statutory_ground="按单位内部规定不宜提供")
    _inspect(county, person)
    [finding] = _only(Rule.REFUSAL_WITHOUT_GROUND)
    assert finding.organization == county.police
    assert finding.object_id == str(request.pk)
    assert finding.evidence["statutory_ground"] == "按单位内部规定不宜提供"
    assert finding.evidence["reasons"] == "数据敏感"


def test_r13_r21_an_unanswered_request_past_its_deadline_is_found(county, person):
    with time_machine.travel(INSPECTED - datetime.timedelta(days=20), tick=False):
        request = sharing.share_request_file(
            county.police_officer, application=_police_application(county),
            resource=county.civil_resource, items=["id_number"], purpose="治安管理",
            duty="户籍管理", requested_until=datetime.date(2027, 3, 1))
    with time_machine.travel(INSPECTED):
        _inspect(county, person)
    [finding] = _only(Rule.OVERDUE_STEP)
    assert finding.organization == county.civil
    assert finding.evidence["subject"] == request.number
    assert finding.evidence["step"] == "consulting" and finding.evidence["closed_at"] == ""
    # Due on Sunday 10 May, which moves to Monday 11 May; judged on 20 May at 10:00.
    assert finding.evidence["due_at"].startswith("2026-05-11")
    assert 8 * 86400 < finding.evidence["overdue_seconds"] < 9 * 86400


def test_r13_r21_an_authority_deciding_late_is_found_against_the_authority(county, person):
    with time_machine.travel(INSPECTED - datetime.timedelta(days=60), tick=False):
        request = sharing.share_request_file(
            county.police_officer, application=_police_application(county),
            resource=county.civil_resource, items=["id_number"], purpose="治安管理",
            duty="户籍管理", requested_until=datetime.date(2027, 3, 1))
        sharing.share_request_refuse(county.civil_officer, request, reasons="涉及隐私",
                                     statutory_ground="《社会救助暂行办法》第六十一条")
        sharing.share_request_appeal(county.police_officer, request, comment="履职必需")
        sharing.share_request_explain(county.civil_officer, request, explanation="见附件")
    with time_machine.travel(INSPECTED - datetime.timedelta(days=10), tick=False):
        sharing.share_request_decide(person("zd_reviewer"), request, grant=False,
                                     statutory_ground="《社会救助暂行办法》第六十一条")
    with time_machine.travel(INSPECTED):
        _inspect(county, person)
    [finding] = _only(Rule.OVERDUE_STEP)
    assert finding.organization == county.authority
    assert finding.evidence["party"] == "authority" and finding.evidence["closed_at"]


def _police_application(county):
    return Application.objects.create(organization=county.police, name="警务综合平台")


def test_r9_r21_a_push_from_an_unregistered_node_is_found(county, person, tmp_path,
                                                          at_inspection):
    stranger = SignedClient(generate_key(tmp_path / "stranger.key"))
    for batch in ("batch-0001", "batch-0002"):
        response = stranger.call(
            "PUT", f"/api/v1/exchange/resources/{county.police_resource.code}/batches/{batch}",
            b"rows", content_type="application/vnd.apache.arrow.stream")
        assert response.status_code == 401
    _inspect(county, person)
    [finding] = _only(Rule.PRIVATE_CHANNEL)
    assert finding.organization == county.police
    assert finding.evidence["count"] == 2
    assert finding.evidence["reasons"] == ["unknown_key"]
    assert finding.evidence["resources"] == [county.police_resource.code]


def _alert(county, **fields):
    from govshare.monitor.models import Alert

    fields = {"subject": "203.0.113.0/24"} | fields
    return Alert.objects.create(
        rule=Alert.Rule.NEW_NETWORK, application=county.civil_application,
        organization=county.civil, resource_code=county.police_resource.code,
        window_start=INSPECTED - datetime.timedelta(days=3),
        window_end=INSPECTED - datetime.timedelta(days=2), observed=420, threshold=0,
        evidence={"networks": ["203.0.113.0/24"]}, **fields)


def test_r15_r21_access_confirmed_as_passed_on_is_found(county, person, at_inspection):
    from govshare.monitor import services as monitor

    alert = _alert(county)
    monitor.alert_confirm(person("operator"), alert, comment="凭证被转给第三方公司使用")
    _inspect(county, person)
    [finding] = _only(Rule.ACCESS_REDISTRIBUTED)
    assert finding.organization == county.civil
    assert finding.object_type == "monitor.alert" and finding.object_id == str(alert.pk)
    assert finding.evidence["confirmed_by"] == "运维值班员"
    assert finding.evidence["alert_evidence"] == {"networks": ["203.0.113.0/24"]}
    assert "凭证被转给第三方公司使用" in finding.text


def test_r15_alerts_not_confirmed_as_redistribution_are_not_findings(county, person,
                                                                      at_inspection):
    from govshare.monitor import services as monitor

    monitor.alert_confirm(person("operator"), _alert(county), comment="迁移机房",
                          redistribution=False)
    monitor.alert_dismiss(person("operator"), _alert(county, subject="198.51.100.0/24"),
                          comment="已知批处理")
    _alert(county, subject="192.0.2.0/24")
    _inspect(county, person)
    assert _found() == []


def test_r9_r21_an_approved_project_that_does_not_share_is_found(county, person,
                                                                 at_inspection):
    project = InfoProject.objects.create(
        name="正定县智慧公安建设项目", department=county.police, funding="320.00",
        state=InfoProject.State.APPROVED, created_by=county.police_officer)
    project.planned_resources.create(name="视频结构化数据")
    project.systems.create(name="智慧警务平台")
    _inspect(county, person)
    [finding] = _only(Rule.PROJECT_UNSHARED)
    assert finding.organization == county.police
    assert set(finding.evidence["gaps"]) == {"resources", "systems"}
    assert "视频结构化数据" in finding.text


def test_r9_a_secret_project_is_not_a_finding(county, person, at_inspection):
    project = InfoProject.objects.create(
        name="涉密指挥系统", department=county.police, funding="100", is_secret=True,
        state=InfoProject.State.APPROVED, created_by=county.police_officer)
    project.planned_resources.create(name="指挥调度数据")
    _inspect(county, person)
    assert _found() == []


def test_r21_findings_are_idempotent_and_resolve_when_the_violation_is_gone(county, person,
                                                                           at_inspection):
    Record.objects.filter(resource=county.police_resource).delete()
    _inspect(county, person)
    _inspect(county, person)
    [finding] = Finding.objects.all()
    assert finding.status == Finding.Status.OPEN and Inspection.objects.count() == 2
    Record.objects.create(resource=county.police_resource, key="1", payload={}, seq=1)
    _inspect(county, person)
    finding.refresh_from_db()
    assert finding.status == Finding.Status.RESOLVED and finding.resolved_at
    Record.objects.filter(resource=county.police_resource).delete()
    _inspect(county, person)
    finding.refresh_from_db()
    assert finding.status == Finding.Status.OPEN and Finding.objects.count() == 1


def test_r21_inspection_only_covers_its_region(county, person, at_inspection):
    Record.objects.filter(resource=county.police_resource).delete()
    services.inspection_run(person("sjz_reviewer"), county.region.parent.children.get(
        code="130102"), PERIOD)
    assert _found() == []


def test_r21_the_department_is_told_of_new_findings(county, person, at_inspection):
    from govshare.notifications.models import Notification

    Record.objects.filter(resource=county.police_resource).delete()
    _inspect(county, person)
    _inspect(county, person)
    assert list(Notification.objects.filter(event="supervision.findings")
                .values_list("recipient__username", flat=True)) == ["zd_gaj_officer"]


def test_r21_only_overseers_of_the_region_inspect(county, person):
    from govshare.core.exceptions import PermissionDenied

    for username in ("sjz_gaj_admin", "gat_admin", "operator"):
        with pytest.raises(PermissionDenied):
            _inspect(county, lambda _name, u=username: person(u))
    services.inspection_run(person("supervisor"), county.region, PERIOD)
    services.inspection_run(person("sjz_reviewer"), county.region, PERIOD)
    with pytest.raises(PermissionDenied):
        services.inspection_run(person("zd_reviewer"), county.region.parent, PERIOD)


def test_r21_a_bad_period_is_refused_naming_the_field(county, person):
    from govshare.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        _inspect(county, person, period="2026-13")
    assert "period" in error.value.field_errors
