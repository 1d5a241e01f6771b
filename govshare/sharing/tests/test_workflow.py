"""The consultation workflow of article 13, every branch, on a frozen clock (R12, R13, R14)."""

import hashlib
from datetime import date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.management import call_command

from govshare.audit.models import AuditRecord
from govshare.core.exceptions import (
    DeadlinePassed,
    InvalidTransition,
    PermissionDenied,
    ValidationError,
)
from govshare.notifications.models import Notification
from govshare.orgs.models import Application, Region, Role, RoleAssignment, User
from govshare.sharing import services
from govshare.sharing.access import grant_check
from govshare.sharing.models import Deadline, Grant, ShareRequest, TimelineEntry
from govshare.sharing.parties import PLATFORM, coordinating_region
from govshare.sharing.tasks import sweep_deadlines
from govshare.sharing.tests.conftest import make_resource

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 3, 2, 10, 0, tzinfo=TZ)  # a Monday
S = ShareRequest.State


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def _file(person, application, resource, **overrides):
    fields = {"items": ["id_number", "name", "region_code"], "purpose": "低保对象身份核验",
              "duty": "最低生活保障审核确认（《社会救助暂行办法》第十一条）",
              "requested_until": date(2027, 3, 1), "expected_volume": 2000}
    fields.update(overrides)
    return services.share_request_file(person("mzt_officer"), application=application,
                                       resource=resource, **fields)


def _events(username):
    return set(Notification.objects.filter(recipient__username=username)
               .values_list("event", flat=True))


def _actions(share_request):
    return list(share_request.timeline.values_list("action", flat=True))


def _refused(person, share_request, secrecy=False):
    return services.share_request_refuse(
        person("gat_officer"), share_request, reasons="涉及公民个人敏感信息",
        statutory_ground="《中华人民共和国个人信息保护法》第三十四条", secrecy=secrecy)


# --- filing -----------------------------------------------------------------------------

def test_r13_unconditional_request_is_granted_at_once_and_the_authority_informed(
        clock, person, open_register, relief_app):
    share_request = _file(person, relief_app, open_register,
                          items=["station_code", "station_name"])
    assert share_request.state == S.GRANTED
    grant = share_request.grant
    assert grant.state == Grant.State.ACTIVE and grant.valid_from == date(2026, 3, 2)
    assert grant_check(relief_app, open_register.code, ["station_name"]) == grant
    assert "share_request.granted.report" in _events("hb_reviewer")
    assert "share_request.granted.report" in _events("gat_officer")
    assert "grant.activated" in _events("mzt_officer")
    assert not share_request.deadlines.exists()
    assert AuditRecord.objects.filter(action="share_request.file").exists()


def test_r13_request_for_items_outside_the_resource_is_rejected_naming_the_field(
        clock, person, population, relief_app):
    with pytest.raises(ValidationError) as error:
        _file(person, relief_app, population, items=["id_number", "salary"])
    assert "items" in error.value.field_errors
    assert "salary" in error.value.field_errors["items"][0]
    with pytest.raises(ValidationError) as error:
        _file(person, relief_app, population, items=[])
    assert "items" in error.value.field_errors
    assert not ShareRequest.objects.exists()


def test_r13_request_input_is_checked_field_by_field(clock, person, population, relief_app):
    with pytest.raises(ValidationError) as error:
        _file(person, relief_app, population, purpose=" ", duty="",
              requested_until=date(2026, 3, 1),
              row_filter={"item": "salary", "op": "eq", "value": 1})
    assert {"purpose", "duty", "requested_until", "row_filter"} <= set(error.value.field_errors)
    with pytest.raises(ValidationError) as error:
        _file(person, relief_app, population, requested_until=date(2030, 1, 1))
    assert "requested_until" in error.value.field_errors


def test_r12_not_shared_request_must_cite_its_legal_basis(clock, person, secret_register,
                                                           relief_app):
    with pytest.raises(ValidationError) as error:
        _file(person, relief_app, secret_register, items=["id_number"])
    assert "legal_basis" in error.value.field_errors
    share_request = _file(person, relief_app, secret_register, items=["id_number"],
                          legal_basis="《社会救助暂行办法》第五十八条")
    assert share_request.state == S.CONSULTING


def test_r13_only_the_consumers_people_file_for_their_own_application(
        clock, person, population, relief_app, other_app):
    with pytest.raises(PermissionDenied):
        services.share_request_file(person("gat_officer"), application=relief_app,
                                    resource=population, items=["name"], purpose="x",
                                    duty="y", requested_until=date(2027, 1, 1))
    with pytest.raises(PermissionDenied):
        _file(person, other_app, population)  # mzt_officer filing for 人社厅's application
    # Department staff may file too.
    share_request = services.share_request_file(
        person("mzt_staff"), application=relief_app, resource=population, items=["name"],
        purpose="x", duty="y", requested_until=date(2027, 1, 1))
    assert share_request.requested_by.username == "mzt_staff"


def test_r13_one_open_request_per_application_and_resource(clock, person, population,
                                                          relief_app):
    _file(person, relief_app, population)
    with pytest.raises(ValidationError) as error:
        _file(person, relief_app, population)
    assert "resource" in error.value.field_errors


# --- consultation and agreement ---------------------------------------------------------

def test_r13_conditional_request_goes_to_the_provider_with_a_deadline(clock, person, population,
                                                                      relief_app):
    share_request = _file(person, relief_app, population)
    assert share_request.state == S.CONSULTING
    deadline = share_request.open_deadline()
    assert (deadline.step, deadline.party, deadline.duration) == ("consulting", "provider", "10d")
    assert deadline.due_date == date(2026, 3, 12)
    assert deadline.organization.name == "河北省公安厅"
    assert "share_request.filed" in _events("gat_officer")
    with pytest.raises(PermissionDenied):
        grant_check(relief_app, population.code, ["name"])


def test_r13_agreement_is_reported_to_the_authority_and_implemented_by_the_operator(
        clock, person, population, relief_app):
    share_request = _file(person, relief_app, population)
    grant = services.share_request_agree(
        person("gat_officer"), share_request, items=["id_number", "name"],
        row_filter={"item": "region_code", "op": "prefix", "value": "1301"},
        valid_until=date(2026, 12, 31), daily_quota=5000, comment="限石家庄市范围")
    share_request.refresh_from_db()
    assert share_request.state == S.AGREED
    assert grant.state == Grant.State.PENDING
    assert "share_request.agreed.report" in _events("hb_reviewer")
    assert "grant.pending" in _events("operator")
    assert "share_request.agreed" in _events("mzt_officer")
    activation = share_request.open_deadline()
    assert (activation.party, activation.duration) == ("operator", "5wd")
    assert activation.due_date == date(2026, 3, 9)
    with pytest.raises(PermissionDenied) as denied:
        grant_check(relief_app, population.code, ["name"])
    assert denied.value.context["reason"] == "pending_activation"

    clock.shift(timedelta(days=1))
    with pytest.raises(PermissionDenied):
        services.grant_activate(person("gat_officer"), grant)
    services.grant_activate(person("operator"), grant)
    share_request.refresh_from_db()
    grant.refresh_from_db()
    assert share_request.state == S.GRANTED and grant.state == Grant.State.ACTIVE
    assert grant.activated_by.username == "operator" and grant.valid_from == date(2026, 3, 3)
    assert grant_check(relief_app, population.code, ["id_number", "name"]) == grant
    assert grant.row_predicate()({"region_code": "130102"})
    assert not grant.row_predicate()({"region_code": "131000"})
    assert _actions(share_request) == ["file", "agree", "activate"]
    assert "grant.activated" in _events("mzt_officer")
    assert not share_request.deadlines.filter(closed_at__isnull=True).exists()


def test_r14_operator_step_is_automatic_when_configured(clock, person, population, relief_app,
                                                       settings):
    settings.GOVSHARE_SHARING_AUTO_ACTIVATE = True
    share_request = _file(person, relief_app, population)
    grant = services.share_request_agree(person("gat_officer"), share_request)
    grant.refresh_from_db()
    assert grant.state == Grant.State.ACTIVE and grant.activated_by is None
    entry = share_request.timeline.get(action="activate")
    assert entry.role == "platform" and entry.actor is None
    assert "grant.pending" not in _events("operator")


def test_r13_agreement_may_narrow_the_request_but_not_widen_it(clock, person, population,
                                                              relief_app):
    share_request = _file(person, relief_app, population, items=["id_number", "name"])
    with pytest.raises(ValidationError) as error:
        services.share_request_agree(person("gat_officer"), share_request,
                                     items=["id_number", "address"])
    assert "items" in error.value.field_errors
    with pytest.raises(ValidationError) as error:
        services.share_request_agree(person("gat_officer"), share_request,
                                     valid_until=date(2027, 6, 1), daily_quota=0,
                                     row_filter={"item": "age", "op": "eq", "value": 1})
    assert {"valid_until", "daily_quota", "row_filter"} <= set(error.value.field_errors)
    assert not Grant.objects.exists()
    share_request.refresh_from_db()
    assert share_request.state == S.CONSULTING


def test_r13_self_approval_is_rejected_naming_the_requester(clock, person, population, org):
    # A person working for both departments files for 公安厅's application, then tries to
    # answer as 公安厅's sharing officer.
    both = person("gat_officer")
    RoleAssignment.objects.create(user=both, role=Role.DEPT_STAFF,
                                  organization=org("河北省民政厅"))
    application = Application.objects.create(organization=org("河北省民政厅"), name="救助核查")
    share_request = services.share_request_file(
        both, application=application, resource=population, items=["name"], purpose="核查",
        duty="救助审核", requested_until=date(2027, 1, 1))
    for attempt in [
        lambda: services.share_request_agree(both, share_request),
        lambda: services.share_request_refuse(both, share_request, reasons="x",
                                              statutory_ground="y"),
    ]:
        with pytest.raises(PermissionDenied) as denied:
            attempt()
        assert denied.value.context["field"] == "requested_by"
        assert "申请人" in str(denied.value.message)
    share_request.refresh_from_db()
    assert share_request.state == S.CONSULTING
    assert not TimelineEntry.objects.filter(action="agree").exists()


def test_r13_operator_does_not_activate_a_grant_they_requested(clock, person, population, org):
    operator = person("operator")
    RoleAssignment.objects.create(user=operator, role=Role.DEPT_STAFF,
                                  organization=org("河北省民政厅"))
    application = Application.objects.create(organization=org("河北省民政厅"), name="运维自用")
    share_request = services.share_request_file(
        operator, application=application, resource=population, items=["name"], purpose="核查",
        duty="救助审核", requested_until=date(2027, 1, 1))
    grant = services.share_request_agree(person("gat_officer"), share_request)
    with pytest.raises(PermissionDenied) as denied:
        services.grant_activate(operator, grant)
    assert denied.value.context["field"] == "requested_by"
    grant.refresh_from_db()
    assert grant.state == Grant.State.PENDING


def test_r13_only_the_providers_sharing_officer_answers(clock, person, population, relief_app):
    share_request = _file(person, relief_app, population)
    for username in ["gat_staff", "gat_admin", "mzt_officer", "hb_reviewer", "operator"]:
        with pytest.raises(PermissionDenied):
            services.share_request_agree(person(username), share_request)
    services.share_request_agree(person("gat_officer"), share_request)
    with pytest.raises(InvalidTransition):
        services.share_request_agree(person("gat_officer"), share_request)


# --- refusal and the authority's coordination -------------------------------------------

def test_r12_refusal_without_statutory_ground_is_rejected_naming_the_field(
        clock, person, population, relief_app):
    share_request = _file(person, relief_app, population)
    with pytest.raises(ValidationError) as error:
        services.share_request_refuse(person("gat_officer"), share_request,
                                      reasons="数据敏感", statutory_ground="  ")
    assert list(error.value.field_errors) == ["statutory_ground"]
    assert "法定依据" in error.value.field_errors["statutory_ground"][0]
    with pytest.raises(ValidationError) as error:
        services.share_request_refuse(person("gat_officer"), share_request, reasons="",
                                      statutory_ground="《居民身份证法》第十九条")
    assert list(error.value.field_errors) == ["reasons"]
    share_request.refresh_from_db()
    assert share_request.state == S.CONSULTING and _actions(share_request) == ["file"]


def test_r13_disagreement_escalates_after_15_days(clock, person, population, relief_app):
    share_request = _file(person, relief_app, population)
    _refused(person, share_request)
    assert "share_request.refused" in _events("mzt_officer")
    clock.shift(timedelta(days=3))  # 2026-03-05
    services.share_request_appeal(person("mzt_officer"), share_request,
                                  comment="履行低保审核职责确需身份信息",
                                  attachments=[ContentFile(b"%PDF-1.4 appeal", name="申请.pdf")])
    share_request.refresh_from_db()
    assert share_request.state == S.EXPLAINING
    explanation = share_request.open_deadline()
    assert (explanation.party, explanation.duration) == ("provider", "15d")
    assert explanation.due_date == date(2026, 3, 20)
    assert "share_request.explanation_requested" in _events("gat_officer")
    assert "share_request.appealed" in _events("hb_reviewer")
    # The authority cannot skip the explanation while the provider still has time.
    with pytest.raises(InvalidTransition):
        services.share_request_proceed(person("hb_reviewer"), share_request)

    clock.move_to(datetime(2026, 3, 20, 23, 0, tzinfo=TZ))
    assert services.share_request_sweep(PLATFORM)["overdue"] == 0
    clock.move_to(datetime(2026, 3, 21, 9, 0, tzinfo=TZ))
    assert services.share_request_sweep(PLATFORM)["overdue"] == 1
    explanation.refresh_from_db()
    assert explanation.overdue_at == datetime(2026, 3, 21, 9, 0, tzinfo=TZ)
    assert explanation.is_overdue() and explanation.overdue_time() > timedelta(hours=9)
    assert "share_request.overdue" in _events("gat_officer")
    assert "share_request.overdue" in _events("hb_reviewer")
    assert "overdue" in _actions(share_request)
    # Reported once, not at every sweep.
    assert services.share_request_sweep(PLATFORM)["overdue"] == 0

    services.share_request_proceed(person("hb_reviewer"), share_request,
                                   comment="提供方逾期未说明，径行协调")
    share_request.refresh_from_db()
    assert share_request.state == S.COORDINATING
    decision = share_request.open_deadline()
    assert (decision.party, decision.due_date) == ("authority", date(2026, 4, 20))
    explanation.refresh_from_db()
    assert explanation.closed_at is not None and explanation.overdue_time() > timedelta(0)


def test_r13_decision_deadline_of_30_days_passing_is_recorded_and_reported(
        clock, person, population, relief_app):
    share_request = _file(person, relief_app, population)
    _refused(person, share_request)
    services.share_request_appeal(person("mzt_officer"), share_request, comment="确需")
    clock.shift(timedelta(days=10))  # 2026-03-12: within the 15 days
    services.share_request_explain(
        person("gat_officer"), share_request, explanation="涉及个人敏感信息，须最小必要",
        attachments=[ContentFile(b"written explanation", name="书面说明.pdf")])
    share_request.refresh_from_db()
    assert share_request.state == S.COORDINATING
    decision = share_request.open_deadline()
    # 30 days from 2026-03-12 is Saturday 2026-04-11: the period ends on Monday 04-13.
    assert decision.due_date == date(2026, 4, 13)
    assert "share_request.explained" in _events("hb_reviewer")
    explanation = share_request.deadlines.get(step="explaining")
    assert explanation.overdue_at is None and explanation.overdue_time() == timedelta(0)

    clock.move_to(datetime(2026, 4, 14, 8, 0, tzinfo=TZ))
    assert services.share_request_sweep(PLATFORM)["overdue"] == 1
    decision.refresh_from_db()
    assert decision.overdue_at is not None
    assert "share_request.overdue" in _events("hb_reviewer")

    services.share_request_decide(
        person("hb_reviewer"), share_request, grant=True, items=["id_number"],
        comment="限身份核验",
        attachments=[ContentFile(b"minutes", name="协调意见.pdf")])
    share_request.refresh_from_db()
    assert share_request.state == S.AGREED
    decision.refresh_from_db()
    # Due at the end of 04-13, closed at 08:00 on 04-14: eight hours late.
    assert timedelta(hours=8) <= decision.overdue_time() < timedelta(hours=8, seconds=1)
    services.grant_activate(person("operator"), share_request.grant)
    assert grant_check(relief_app, population.code, ["id_number"]).share_request == share_request
    assert _actions(share_request) == ["file", "refuse", "appeal", "explain", "overdue",
                                       "decide_grant", "activate"]


def test_r12_authority_refusal_must_cite_a_statutory_ground(clock, person, population,
                                                            relief_app):
    share_request = _file(person, relief_app, population)
    _refused(person, share_request)
    services.share_request_appeal(person("mzt_officer"), share_request, comment="确需")
    services.share_request_explain(person("gat_officer"), share_request, explanation="说明")
    with pytest.raises(ValidationError) as error:
        services.share_request_decide(person("hb_reviewer"), share_request, grant=False)
    assert list(error.value.field_errors) == ["statutory_ground"]
    services.share_request_decide(person("hb_reviewer"), share_request, grant=False,
                                  statutory_ground="《个人信息保护法》第三十四条")
    share_request.refresh_from_db()
    assert share_request.state == S.CLOSED
    assert share_request.refusal_ground == "《个人信息保护法》第三十四条"
    assert "share_request.closed" in _events("mzt_officer")
    assert not Grant.objects.exists()


@pytest.mark.parametrize("grant", [True, False])
def test_r13_joint_consultation_decides_when_coordination_fails(clock, person, population,
                                                                relief_app, grant):
    share_request = _file(person, relief_app, population)
    _refused(person, share_request)
    services.share_request_appeal(person("mzt_officer"), share_request, comment="确需")
    services.share_request_explain(person("gat_officer"), share_request, explanation="说明")
    with pytest.raises(ValidationError):
        services.share_request_escalate(person("hb_reviewer"), share_request, comment="")
    services.share_request_escalate(person("hb_reviewer"), share_request,
                                    comment="双方意见分歧，协调未果")
    share_request.refresh_from_db()
    assert share_request.state == S.JOINT_CONSULTATION
    joint = share_request.open_deadline()
    assert (joint.party, joint.duration) == ("authority", "30d")
    assert "share_request.joint_consultation" in _events("mzt_officer")
    with pytest.raises(ValidationError) as error:
        services.share_request_joint_decide(person("hb_reviewer"), share_request, grant=grant,
                                            establishment="", secrecy="",
                                            statutory_ground="某法第一条")
    assert {"establishment", "secrecy"} == set(error.value.field_errors)
    services.share_request_joint_decide(
        person("hb_reviewer"), share_request, grant=grant, establishment="河北省委编办",
        secrecy="河北省国家保密局", statutory_ground="" if grant else "《保守国家秘密法》第九条",
        attachments=[ContentFile(b"minutes", name="会商纪要.pdf")])
    share_request.refresh_from_db()
    assert share_request.state == (S.AGREED if grant else S.CLOSED)
    entry = share_request.timeline.get(action="joint_grant" if grant else "joint_refuse")
    assert entry.data["participants"] == {"establishment": "河北省委编办",
                                          "secrecy": "河北省国家保密局"}
    assert entry.attachments.get().name == "会商纪要.pdf"


def test_r13_only_the_coordinating_authority_decides(clock, person, population, relief_app):
    share_request = _file(person, relief_app, population)
    assert share_request.coordinating_region.code == "130000"
    _refused(person, share_request)
    services.share_request_appeal(person("mzt_officer"), share_request, comment="确需")
    services.share_request_explain(person("gat_officer"), share_request, explanation="说明")
    for username in ["sjz_reviewer", "gat_officer", "mzt_officer", "operator"]:
        with pytest.raises(PermissionDenied):
            services.share_request_decide(person(username), share_request, grant=True)
        with pytest.raises(PermissionDenied):
            services.share_request_escalate(person(username), share_request, comment="x")


def test_r13_coordinating_region_is_the_lowest_region_containing_both(clock, person, org):
    county = make_resource(org("石家庄市公安局"), code="101000000-SJZGAJ-0001",
                           name="石家庄市户籍信息")
    zhengding = Application.objects.create(organization=org("正定县民政局"), name="正定救助")
    officer = User.objects.create(username="zd_mz_officer", organization=org("正定县民政局"))
    RoleAssignment.objects.create(user=officer, role=Role.SHARING_OFFICER,
                                  organization=org("正定县民政局"))
    share_request = services.share_request_file(
        officer, application=zhengding, resource=county, items=["name"], purpose="核查",
        duty="救助审核", requested_until=date(2027, 1, 1))
    assert share_request.coordinating_region.code == "130100"


def test_r13_two_cities_departments_are_coordinated_by_the_province(clock, person, org):
    shijiazhuang, tangshan = Region.objects.get(code="130102"), Region.objects.get(code="130200")
    assert coordinating_region(shijiazhuang, tangshan).code == "130000"
    assert coordinating_region(Region.objects.get(code="130123"),
                               Region.objects.get(code="130000")).code == "130000"
    assert coordinating_region(Region.objects.get(code="130123"),
                               Region.objects.get(code="130123")).code == "130123"


def test_r13_city_authority_coordinates_a_county_request_to_a_city_provider(clock, person, org):
    provider = org("石家庄市公安局")
    resource = make_resource(provider, code="101000000-SJZGAJ-0002", name="石家庄市户籍信息")
    officer = User.objects.create(username="sjz_gaj_officer", organization=provider)
    RoleAssignment.objects.create(user=officer, role=Role.SHARING_OFFICER, organization=provider)
    consumer = User.objects.create(username="zd_officer", organization=org("正定县民政局"))
    RoleAssignment.objects.create(user=consumer, role=Role.SHARING_OFFICER,
                                  organization=org("正定县民政局"))
    application = Application.objects.create(organization=org("正定县民政局"), name="正定救助")
    share_request = services.share_request_file(
        consumer, application=application, resource=resource, items=["name"], purpose="核查",
        duty="救助审核", requested_until=date(2027, 1, 1))
    services.share_request_refuse(officer, share_request, reasons="x", statutory_ground="y")
    services.share_request_appeal(consumer, share_request, comment="确需")
    services.share_request_explain(officer, share_request, explanation="说明")
    with pytest.raises(PermissionDenied):
        services.share_request_decide(person("zd_reviewer"), share_request, grant=True)
    # The city's reviewer coordinates; the province's may act from above.
    services.share_request_escalate(person("sjz_reviewer"), share_request, comment="未果")
    services.share_request_joint_decide(person("hb_reviewer"), share_request, grant=True,
                                        establishment="市委编办", secrecy="市保密局")
    assert "share_request.appealed" in _events("sjz_reviewer")
    assert "share_request.appealed" not in _events("hb_reviewer")


# --- secrecy disputes, appeal windows, withdrawal ---------------------------------------

@pytest.mark.parametrize("secret", [True, False])
def test_r12_secrecy_dispute_is_routed_to_the_secrecy_department(clock, person, population,
                                                                 relief_app, secret):
    share_request = _file(person, relief_app, population)
    _refused(person, share_request, secrecy=True)
    services.share_request_dispute_secrecy(person("mzt_officer"), share_request,
                                           comment="所申请信息项不属于国家秘密")
    share_request.refresh_from_db()
    assert share_request.state == S.SECRECY_REVIEW
    assert "share_request.secrecy_disputed" in _events("hb_reviewer")
    with pytest.raises(ValidationError) as error:
        services.share_request_secrecy_determine(person("hb_reviewer"), share_request,
                                                 secret=secret, determination="")
    assert "determination" in error.value.field_errors
    services.share_request_secrecy_determine(
        person("hb_reviewer"), share_request, secret=secret,
        determination="河北省国家保密局 冀保密〔2026〕3号")
    share_request.refresh_from_db()
    if secret:
        assert share_request.state == S.CLOSED
    else:
        assert share_request.state == S.CONSULTING
        assert share_request.refusal_secrecy is False
        assert share_request.open_deadline().party == "provider"
        # Back with the provider, which now needs another ground to refuse.
        services.share_request_agree(person("gat_officer"), share_request)


def test_r12_only_a_secrecy_refusal_can_be_disputed_as_such(clock, person, population,
                                                            relief_app):
    share_request = _file(person, relief_app, population)
    _refused(person, share_request, secrecy=False)
    with pytest.raises(InvalidTransition):
        services.share_request_dispute_secrecy(person("mzt_officer"), share_request,
                                               comment="x")


def test_r13_appeal_window_lapses(clock, person, population, relief_app):
    share_request = _file(person, relief_app, population)
    _refused(person, share_request)
    window = share_request.open_deadline()
    assert (window.party, window.supervised, window.due_date) == (
        "consumer", False, date(2026, 4, 1))
    clock.move_to(datetime(2026, 4, 2, 9, 0, tzinfo=TZ))
    with pytest.raises(DeadlinePassed):
        services.share_request_appeal(person("mzt_officer"), share_request, comment="迟到")
    counts = services.share_request_sweep(PLATFORM)
    assert counts == {"overdue": 0, "lapsed": 1, "expired": 0}
    share_request.refresh_from_db()
    assert share_request.state == S.CLOSED
    window.refresh_from_db()
    assert window.overdue_at is None  # the consumer's window is not a supervised duty


def test_r13_consumer_withdraws_and_nobody_else_does(clock, person, population, relief_app):
    share_request = _file(person, relief_app, population)
    with pytest.raises(PermissionDenied):
        services.share_request_withdraw(person("gat_officer"), share_request)
    services.share_request_withdraw(person("mzt_staff"), share_request, comment="需求变化")
    share_request.refresh_from_db()
    assert share_request.state == S.WITHDRAWN
    assert "share_request.withdrawn" in _events("gat_officer")
    with pytest.raises(InvalidTransition):
        services.share_request_agree(person("gat_officer"), share_request)
    assert not share_request.deadlines.filter(closed_at__isnull=True).exists()


def test_r13_sweep_is_for_the_platform_and_the_operator(clock, person):
    with pytest.raises(PermissionDenied):
        services.share_request_sweep(person("hb_reviewer"))
    assert services.share_request_sweep(person("operator")) == {
        "overdue": 0, "lapsed": 0, "expired": 0}


# --- grants after activation ------------------------------------------------------------

def _active_grant(person, relief_app, population):
    share_request = _file(person, relief_app, population)
    grant = services.share_request_agree(person("gat_officer"), share_request)
    return services.grant_activate(person("operator"), grant)


def test_r14_revoked_grant_is_refused_on_the_next_check(clock, person, population, relief_app):
    grant = _active_grant(person, relief_app, population)
    assert grant_check(relief_app, population.code, ["name"]) == grant
    with pytest.raises(ValidationError):
        services.grant_revoke(person("gat_officer"), grant, reason="")
    services.grant_revoke(person("gat_officer"), grant, reason="发现超范围使用")
    with pytest.raises(PermissionDenied) as denied:
        grant_check(relief_app, population.code, ["name"])
    assert denied.value.context["reason"] == "revoked"
    assert "grant.revoked" in _events("mzt_officer")
    with pytest.raises(InvalidTransition):
        services.grant_resume(person("operator"), grant)


def test_r14_suspension_stops_access_until_resumed(clock, person, population, relief_app):
    grant = _active_grant(person, relief_app, population)
    for username in ["mzt_officer", "gat_staff", "sjz_reviewer"]:
        with pytest.raises(PermissionDenied):
            services.grant_suspend(person(username), grant, reason="x")
    services.grant_suspend(person("hb_reviewer"), grant, reason="核查使用情况")
    with pytest.raises(PermissionDenied) as denied:
        grant_check(relief_app, population.code, ["name"])
    assert denied.value.context["reason"] == "suspended"
    services.grant_resume(person("operator"), grant, reason="核查完毕")
    assert grant_check(relief_app, population.code, ["name"]) == grant
    # The consumer may give up its own grant.
    services.grant_revoke(person("mzt_officer"), grant, reason="系统停用")
    grant.refresh_from_db()
    assert grant.state == Grant.State.REVOKED
    roles = list(grant.share_request.timeline.filter(action__startswith="grant.")
                 .values_list("action", "role"))
    assert roles == [("grant.suspend", "authority"), ("grant.resume", "operator"),
                     ("grant.revoke", "consumer")]


def test_r14_grant_expires_at_the_end_of_its_validity(clock, person, population, relief_app):
    share_request = _file(person, relief_app, population, requested_until=date(2026, 3, 31))
    grant = services.share_request_agree(person("gat_officer"), share_request)
    services.grant_activate(person("operator"), grant)
    clock.move_to(datetime(2026, 4, 1, 1, 0, tzinfo=TZ))
    assert services.share_request_sweep(PLATFORM)["expired"] == 1
    grant.refresh_from_db()
    assert grant.state == Grant.State.EXPIRED
    assert "grant.expired" in _events("mzt_officer")
    expiry = AuditRecord.objects.get(action="grant.expire")
    assert (expiry.actor_type, expiry.object_id) == ("system", str(grant.pk))
    # Renewal is a new request naming the old grant.
    renewal = _file(person, relief_app, population, renews=grant,
                    requested_until=date(2027, 3, 31))
    assert renewal.renews == grant and renewal.state == S.CONSULTING


def test_r15_grant_belongs_to_one_application(clock, person, population, relief_app, other_app):
    grant = _active_grant(person, relief_app, population)
    with pytest.raises(ValidationError) as error:
        _file(person, Application.objects.create(organization=relief_app.organization,
                                                 name="另一系统"),
              population, renews=grant)
    assert "renews" in error.value.field_errors
    with pytest.raises(PermissionDenied):
        grant_check(other_app, population.code, ["name"])


# --- deadlines in working days across the year end --------------------------------------

def test_r13_year_end_deadline_falls_back_and_warns_the_operator(person, population, relief_app,
                                                                 settings):
    settings.GOVSHARE_SHARING_DEADLINES = {**settings.GOVSHARE_SHARING_DEADLINES,
                                           "consultation": "10wd"}
    with time_machine.travel(datetime(2026, 12, 24, 10, 0, tzinfo=TZ), tick=False):
        share_request = _file(person, relief_app, population)
        deadline = share_request.open_deadline()
        assert deadline.due_date == date(2027, 1, 7)
        assert "2027" in deadline.calendar_warning
        assert "calendar.missing.2027" in _events("operator")
        _file(person, Application.objects.create(organization=relief_app.organization,
                                                 name="第二系统"), population)
    assert Notification.objects.filter(event="calendar.missing.2027").count() == 1


# --- the timeline -----------------------------------------------------------------------

def test_r13_timeline_is_immutable_and_attachments_are_hashed(clock, person, population,
                                                              relief_app, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    share_request = _file(person, relief_app, population,
                          attachments=[ContentFile(b"evidence", name="依据.pdf")])
    entry = share_request.timeline.get()
    assert (entry.actor.username, entry.role, entry.organization.name) == (
        "mzt_officer", "consumer", "河北省民政厅")
    attachment = entry.attachments.get()
    assert attachment.sha256 == hashlib.sha256(b"evidence").hexdigest()
    assert attachment.size == 8 and attachment.name == "依据.pdf"
    assert (tmp_path / attachment.file.name).read_bytes() == b"evidence"
    entry.comment = "changed"
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        TimelineEntry.objects.filter(pk=entry.pk).update(comment="changed")
    with pytest.raises(TypeError):
        entry.delete()


def test_r13_oversized_attachment_is_rejected_before_anything_is_written(
        clock, person, population, relief_app, settings):
    settings.GOVSHARE_ATTACHMENT_MAX_BYTES = 4
    with pytest.raises(ValidationError) as error:
        _file(person, relief_app, population,
              attachments=[ContentFile(b"too large", name="big.pdf")])
    assert "attachments" in error.value.field_errors
    assert not ShareRequest.objects.exists() and not Deadline.objects.exists()


def test_r13_sweep_runs_as_a_task_and_a_command(clock, person, population, relief_app):
    share_request = _file(person, relief_app, population)
    clock.move_to(datetime(2026, 3, 13, 9, 0, tzinfo=TZ))
    result = sweep_deadlines.enqueue()
    assert result.return_value == {"overdue": 1, "lapsed": 0, "expired": 0}
    assert share_request.deadlines.get().overdue_at is not None
    out = StringIO()
    call_command("sharing_sweep", stdout=out)
    assert out.getvalue().strip() == "overdue: 0, lapsed: 0, expired: 0"
