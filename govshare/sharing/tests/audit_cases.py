"""Each sharing service, called once as the demo user allowed to call it (see
audit/testing.py). A request reaches the step a case needs through the services themselves, so
every step taken on the way is declared among the case's actions. The clock is frozen on a
Monday, as in test_workflow, so deadlines fall on the same days at every run."""

from datetime import date, datetime, timedelta
from functools import wraps
from zoneinfo import ZoneInfo

import time_machine

from govshare.audit.testing import AuditCase
from govshare.catalog.models import ShareType
from govshare.orgs.models import Application, Organization
from govshare.sharing import services
from govshare.sharing.models import CalendarOverride, Objection
from govshare.sharing.tests.conftest import make_resource

START = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
GROUND = "《中华人民共和国个人信息保护法》第三十四条"
FILE, AGREE, REFUSE, APPEAL, EXPLAIN = (f"share_request.{verb}" for verb in
                                        ("file", "agree", "refuse", "appeal", "explain"))


def _frozen(call):
    @wraps(call)
    def run(person):
        with time_machine.travel(START, tick=False):
            return call(person)
    return run


def _later(days, call):
    """`call()` run `days` after the start (past the deadline the case needs passed)."""
    with time_machine.travel(START + timedelta(days=days), tick=False):
        return call()


def _filed(person, share_type=ShareType.CONDITIONAL):
    provider = Organization.objects.get(name="河北省公安厅")
    resource = make_resource(provider, code="101000000-GAT-0001", name="人口基本信息",
                             share_type=share_type)
    application = Application.objects.create(
        organization=Organization.objects.get(name="河北省民政厅"), name="社会救助系统")
    return services.share_request_file(
        person("mzt_officer"), application=application, resource=resource,
        items=["id_number", "name", "address"], purpose="低保对象身份核验",
        duty="最低生活保障审核确认", requested_until=date(2027, 3, 1))


def _agreed(person):
    return services.share_request_agree(person("gat_officer"), _filed(person))


def _active(person):
    return services.grant_activate(person("operator"), _agreed(person))


def _refused(person, secrecy=False):
    return services.share_request_refuse(person("gat_officer"), _filed(person),
                                         reasons="涉及公民个人敏感信息", statutory_ground=GROUND,
                                         secrecy=secrecy)


def _appealed(person):
    return services.share_request_appeal(person("mzt_officer"), _refused(person),
                                         comment="履行低保审核职责确需身份信息")


def _explained(person):
    return services.share_request_explain(person("gat_officer"), _appealed(person),
                                          explanation="该信息仅限公安机关内部使用")


def _escalated(person):
    return services.share_request_escalate(person("hb_reviewer"), _explained(person),
                                           comment="双方意见分歧较大")


def _disputed(person):
    return services.share_request_dispute_secrecy(person("mzt_officer"), _refused(person, True),
                                                  comment="户籍信息不属于国家秘密")


def _proceed(person):
    share_request = _appealed(person)
    return _later(40, lambda: services.share_request_proceed(person("hb_reviewer"),
                                                             share_request))


def _sweep(person):
    _refused(person)
    # The consumer let the window to appeal pass: the sweep closes the request.
    return _later(40, lambda: services.share_request_sweep(person("operator")))


def _objection(person):
    """民政厅 disputes a record of an unconditional resource it was granted at once."""
    share_request = _filed(person, ShareType.UNCONDITIONAL)
    return services.objection_raise(
        person("mzt_officer"), resource=share_request.resource, kind=Objection.Kind.ACCURACY,
        record_key="130102199001011234", items=["address"], description="住址与实际居住地不符")


def _answered(person, accept):
    if accept:
        return services.objection_accept(person("gat_officer"), _objection(person),
                                         correction="已按户籍档案更正住址")
    return services.objection_reject(person("gat_officer"), _objection(person),
                                     reasons="经核实户籍档案，住址无误")


def _override(person):
    return services.calendar_override_set(person("operator"), date=date(2027, 1, 1),
                                          kind=CalendarOverride.Kind.HOLIDAY, note="元旦")


def _case(service, call, actions):
    return AuditCase(f"sharing.{service}", _frozen(call), actions)


RAISE = "objection.raise"
CASES = [
    _case("share_request_file", _filed, (FILE,)),
    _case("share_request_agree", _agreed, (FILE, AGREE)),
    _case("share_request_refuse", _refused, (FILE, REFUSE)),
    _case("share_request_appeal", _appealed, (FILE, REFUSE, APPEAL)),
    _case("share_request_dispute_secrecy", _disputed,
          (FILE, REFUSE, "share_request.dispute_secrecy")),
    _case("share_request_explain", _explained, (FILE, REFUSE, APPEAL, EXPLAIN)),
    _case("share_request_proceed", _proceed, (FILE, REFUSE, APPEAL, "share_request.proceed")),
    _case("share_request_decide", lambda person: services.share_request_decide(
        person("hb_reviewer"), _explained(person), grant=True),
        (FILE, REFUSE, APPEAL, EXPLAIN, "share_request.decide")),
    _case("share_request_escalate", _escalated,
          (FILE, REFUSE, APPEAL, EXPLAIN, "share_request.escalate")),
    _case("share_request_joint_decide", lambda person: services.share_request_joint_decide(
        person("hb_reviewer"), _escalated(person), grant=False, establishment="省委编办",
        secrecy="省国家保密局", statutory_ground=GROUND),
        (FILE, REFUSE, APPEAL, EXPLAIN, "share_request.escalate",
         "share_request.joint_decide")),
    _case("share_request_secrecy_determine", lambda person:
          services.share_request_secrecy_determine(
              person("hb_reviewer"), _disputed(person), secret=True,
              determination="省国家保密局认定属于工作秘密以上"),
          (FILE, REFUSE, "share_request.dispute_secrecy", "share_request.secrecy_determine")),
    _case("share_request_withdraw", lambda person: services.share_request_withdraw(
        person("mzt_officer"), _filed(person)), (FILE, "share_request.withdraw")),
    _case("share_request_sweep", _sweep, (FILE, REFUSE, "share_request.lapse")),
    _case("grant_activate", _active, (FILE, AGREE, "grant.activate")),
    _case("grant_suspend", lambda person: services.grant_suspend(
        person("gat_officer"), _active(person), reason="数据核查期间暂停"),
        (FILE, AGREE, "grant.activate", "grant.suspend")),
    _case("grant_resume", lambda person: services.grant_resume(
        person("gat_officer"), services.grant_suspend(person("gat_officer"), _active(person),
                                                      reason="数据核查期间暂停")),
        (FILE, AGREE, "grant.activate", "grant.suspend", "grant.resume")),
    _case("grant_revoke", lambda person: services.grant_revoke(
        person("operator"), _active(person), reason="应用系统转售数据"),
        (FILE, AGREE, "grant.activate", "grant.revoke")),
    _case("objection_raise", _objection, (FILE, RAISE)),
    _case("objection_accept", lambda person: _answered(person, True),
          (FILE, RAISE, "objection.accept")),
    _case("objection_reject", lambda person: _answered(person, False),
          (FILE, RAISE, "objection.reject")),
    _case("objection_confirm", lambda person: services.objection_confirm(
        person("mzt_officer"), _answered(person, True)),
        (FILE, RAISE, "objection.accept", "objection.confirm")),
    _case("objection_reopen", lambda person: services.objection_reopen(
        person("mzt_officer"), _answered(person, False), comment="理由不成立，请重新核实"),
        (FILE, RAISE, "objection.reject", "objection.reopen")),
    _case("calendar_override_set", _override, ("calendar_override.set",)),
    _case("calendar_override_remove", lambda person: services.calendar_override_remove(
        person("operator"), _override(person)),
        ("calendar_override.set", "calendar_override.remove")),
]
