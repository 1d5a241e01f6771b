"""Demo share requests in various states, on top of the catalog's demo resources.

Every step goes through the services, as the people of the demo would take it, so the demo's
timelines, deadlines, notifications and audit records are real. Loading twice changes nothing:
a request is filed only when its application has none for that resource. Consuming applications
are seed data, written directly like the orgs demo's rows.
"""

from datetime import timedelta

from django.db import transaction

from govshare.catalog.models import Resource
from govshare.core import clock
from govshare.orgs.models import Application, Organization, User

from . import services
from .models import Grant, Objection, ShareRequest

APPLICATIONS = [
    ("河北省民政厅", "社会救助系统", "最低生活保障、特困供养审核"),
    ("河北省公安厅", "人口管理信息系统", "户籍业务办理中的婚姻状况核验"),
]


def _application(org_name, name, description):
    application, _ = Application.objects.get_or_create(
        organization=Organization.objects.get(name=org_name), name=name,
        defaults={"description": description, "contact": "0311-80000000"},
    )
    return application


def _resource(provider, name):
    return (Resource.objects.published()
            .filter(provider__name=provider, published_version__name=name).first())


def _officer(organization_name):
    return User.objects.filter(roles__role="sharing_officer",
                               roles__organization__name=organization_name).first()


def _file(user, application, resource, *, items=None, **fields):
    """File a request unless this application already asked for this resource."""
    if resource is None or ShareRequest.objects.filter(application=application,
                                                       resource=resource).exists():
        return None
    identifiers = [i.identifier for i in resource.data_items()]
    return services.share_request_file(
        user, application=application, resource=resource,
        items=items or identifiers[:6], requested_until=clock.today() + timedelta(days=365),
        expected_volume=2000, **fields,
    )


@transaction.atomic
def load_demo():
    """File the demo requests and move each to its state; returns no new logins."""
    relief = _application(*APPLICATIONS[0])
    population_system = _application(*APPLICATIONS[1])
    mzt, gat, tjj = _officer("河北省民政厅"), _officer("河北省公安厅"), _officer("河北省统计局")
    operator = User.objects.get(username="operator")
    gat_staff = User.objects.get(username="gat_staff")
    purpose = {"purpose": "核验社会救助申请人的身份和户籍信息",
               "duty": "最低生活保障审核确认（《社会救助暂行办法》第十一条）"}

    # An active grant: 民政厅's relief system reads 公安厅's population register.
    granted = _file(mzt, relief, _resource("河北省公安厅", "常住人口户籍信息"), **purpose)
    if granted is not None:
        grant = services.share_request_agree(gat, granted, comment="同意，仅限社会救助核查使用。")
        services.grant_activate(operator, grant, comment="已在平台配置授权。")

    # Waiting for the provider's answer.
    _file(mzt, relief, _resource("河北省公安厅", "居民身份证签发信息"), items=None, **purpose)

    # Refused, then brought to the authority: the provider owes a written explanation.
    appealed = _file(mzt, relief, _resource("河北省公安厅", "机动车驾驶证信息"),
                     purpose="核查救助申请人名下机动车情况",
                     duty="最低生活保障家庭经济状况核对")
    if appealed is not None:
        services.share_request_refuse(
            gat, appealed, reasons="驾驶证信息与家庭经济状况核对无直接关联。",
            statutory_ground="《中华人民共和国个人信息保护法》第六条（最小必要原则）")
        services.share_request_appeal(mzt, appealed,
                                      comment="车辆情况是家庭经济状况核对的法定内容，确需共享。")

    # Unconditional: granted at once.
    _file(mzt, relief, _resource("河北省公安厅", "户籍人口统计信息"),
          purpose="测算各县救助对象占比", duty="社会救助工作统计分析")

    # Agreed by 民政厅, waiting for the operator to implement it.
    pending = _file(gat_staff, population_system, _resource("河北省民政厅", "婚姻登记信息"),
                    purpose="户籍业务办理中核验婚姻状况", duty="户口登记（《户口登记条例》）")
    if pending is not None:
        services.share_request_agree(mzt, pending, comment="同意。")

    # A not-shared resource, asked for with its legal basis.
    if tjj is not None:
        _file(mzt, relief, _resource("河北省统计局", "经济普查单位原始资料"),
              purpose="核查申请救助家庭成员名下企业情况", duty="社会救助家庭经济状况核对",
              legal_basis="《社会救助暂行办法》第六十条")

    # An objection to the population register, waiting for 公安厅's answer.
    population = _resource("河北省公安厅", "常住人口户籍信息")
    used = Grant.objects.filter(application=relief, resource=population,
                                activated_at__isnull=False).exists()
    if used and not Objection.objects.filter(resource=population).exists():
        services.objection_raise(
            mzt, resource=population, kind=Objection.Kind.TIMELINESS,
            record_key="130102199001011234",
            items=[i.identifier for i in population.data_items()][5:6],
            description="该居民已于上月迁往石家庄市长安区，户籍地址仍为迁出前地址。")
    return []
