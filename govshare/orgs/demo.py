"""Demo data: Hebei's regions, departments, authorities, the operator and one login per role.

Loading is idempotent: running it twice leaves one copy. Seed data is written directly, like a
fixture, because no actor exists yet to call the services with.
"""

from django.db import transaction

from .credit_code import make_credit_code
from .models import Organization, Region, Role, RoleAssignment, User

DEMO_PASSWORD = "govshare-demo"

PROVINCE = ("130000", "河北省")
CITIES = [
    ("130100", "石家庄市"), ("130200", "唐山市"), ("130300", "秦皇岛市"), ("130400", "邯郸市"),
    ("130500", "邢台市"), ("130600", "保定市"), ("130700", "张家口市"), ("130800", "承德市"),
    ("130900", "沧州市"), ("131000", "廊坊市"), ("131100", "衡水市"),
]
SHIJIAZHUANG_COUNTIES = [
    ("130102", "长安区"), ("130104", "桥西区"), ("130105", "新华区"), ("130107", "井陉矿区"),
    ("130108", "裕华区"), ("130109", "藁城区"), ("130110", "鹿泉区"), ("130111", "栾城区"),
    ("130121", "井陉县"), ("130123", "正定县"), ("130125", "行唐县"), ("130126", "灵寿县"),
    ("130127", "高邑县"), ("130128", "深泽县"), ("130129", "赞皇县"), ("130130", "无极县"),
    ("130131", "平山县"), ("130132", "元氏县"), ("130133", "赵县"), ("130181", "辛集市"),
    ("130183", "晋州市"), ("130184", "新乐市"),
]

# (name, short code used in resource codes, kind, duty)
ORGAN, INSTITUTION = Organization.Kind.ORGAN, Organization.Kind.PUBLIC_INSTITUTION
DEPT, AUTH, OPER = (Organization.Duty.DEPARTMENT, Organization.Duty.AUTHORITY,
                    Organization.Duty.OPERATOR)
PROVINCIAL_ORGANIZATIONS = [
    ("河北省数据和政务服务局", "SJJ", ORGAN, AUTH),
    ("河北省政务信息资源共享平台运维中心", "YWZX", INSTITUTION, OPER),
    ("河北省公安厅", "GAT", ORGAN, DEPT),
    ("河北省民政厅", "MZT", ORGAN, DEPT),
    ("河北省人力资源和社会保障厅", "RST", ORGAN, DEPT),
    ("河北省市场监督管理局", "SCJGJ", ORGAN, DEPT),
    ("河北省自然资源厅", "ZRZYT", ORGAN, DEPT),
    ("河北省卫生健康委员会", "WJW", ORGAN, DEPT),
    ("河北省教育厅", "JYT", ORGAN, DEPT),
    ("河北省发展和改革委员会", "FGW", ORGAN, DEPT),
    ("河北省财政厅", "CZT", ORGAN, DEPT),
    ("河北省生态环境厅", "STHJT", ORGAN, DEPT),
    ("河北省住房和城乡建设厅", "ZJT", ORGAN, DEPT),
    ("河北省交通运输厅", "JTT", ORGAN, DEPT),
    ("河北省农业农村厅", "NYNCT", ORGAN, DEPT),
    ("河北省水利厅", "SLT", ORGAN, DEPT),
    ("河北省商务厅", "SWT", ORGAN, DEPT),
    ("河北省应急管理厅", "YJT", ORGAN, DEPT),
    ("河北省司法厅", "SFT", ORGAN, DEPT),
    ("河北省医疗保障局", "YBJ", ORGAN, DEPT),
    ("河北省统计局", "TJJ", ORGAN, DEPT),
    ("河北省审计厅", "SJT", ORGAN, DEPT),
    ("河北省不动产登记中心", "BDCZX", INSTITUTION, DEPT),
]
LOCAL_ORGANIZATIONS = {
    "130100": [
        ("石家庄市数据和政务服务局", "SJZSJJ", ORGAN, AUTH),
        ("石家庄市公安局", "SJZGAJ", ORGAN, DEPT),
        ("石家庄市民政局", "SJZMZJ", ORGAN, DEPT),
        ("石家庄市人力资源和社会保障局", "SJZRSJ", ORGAN, DEPT),
        ("石家庄市市场监督管理局", "SJZSCJ", ORGAN, DEPT),
    ],
    "130123": [
        ("正定县数据和政务服务局", "ZDSJJ", ORGAN, AUTH),
        ("正定县公安局", "ZDGAJ", ORGAN, DEPT),
        ("正定县民政局", "ZDMZJ", ORGAN, DEPT),
    ],
}

# (username, display name, organisation, role, region code for region-scoped roles)
DEMO_USERS = [
    ("operator", "运维值班员", "河北省政务信息资源共享平台运维中心", Role.OPERATOR, "130000"),
    ("hb_reviewer", "省数据局审核员", "河北省数据和政务服务局", Role.AUTHORITY_REVIEWER, "130000"),
    ("supervisor", "省审计厅监督员", "河北省审计厅", Role.SUPERVISOR, "130000"),
    ("gat_admin", "公安厅管理员", "河北省公安厅", Role.DEPT_ADMIN, None),
    ("gat_officer", "公安厅共享专员", "河北省公安厅", Role.SHARING_OFFICER, None),
    ("gat_staff", "公安厅工作人员", "河北省公安厅", Role.DEPT_STAFF, None),
    ("mzt_admin", "民政厅管理员", "河北省民政厅", Role.DEPT_ADMIN, None),
    ("mzt_officer", "民政厅共享专员", "河北省民政厅", Role.SHARING_OFFICER, None),
    ("mzt_staff", "民政厅工作人员", "河北省民政厅", Role.DEPT_STAFF, None),
    ("sjz_reviewer", "石家庄市数据局审核员", "石家庄市数据和政务服务局",
     Role.AUTHORITY_REVIEWER, "130100"),
    ("sjz_gaj_admin", "石家庄市公安局管理员", "石家庄市公安局", Role.DEPT_ADMIN, None),
    ("zd_reviewer", "正定县数据局审核员", "正定县数据和政务服务局",
     Role.AUTHORITY_REVIEWER, "130123"),
]


def _region(code, name, level, parent):
    region, _ = Region.objects.update_or_create(
        code=code, defaults={"name": name, "level": level, "parent": parent}
    )
    return region


def load_regions():
    province = _region(*PROVINCE, Region.Level.PROVINCE, None)
    cities = {code: _region(code, name, Region.Level.CITY, province) for code, name in CITIES}
    for code, name in SHIJIAZHUANG_COUNTIES:
        _region(code, name, Region.Level.COUNTY, cities["130100"])
    return province


def load_organizations():
    by_region = {"130000": PROVINCIAL_ORGANIZATIONS, **LOCAL_ORGANIZATIONS}
    for region_code, entries in by_region.items():
        region = Region.objects.get(code=region_code)
        for serial, (name, short_code, kind, duty) in enumerate(entries, start=1):
            category = "2" if kind == INSTITUTION else "1"
            Organization.objects.update_or_create(
                name=name,
                defaults={
                    "credit_code": make_credit_code(category, region_code, serial),
                    "short_code": short_code, "kind": kind, "duty": duty, "region": region,
                },
            )


def load_users():
    for username, display_name, org_name, role, region_code in DEMO_USERS:
        organization = Organization.objects.get(name=org_name)
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"display_name": display_name, "organization": organization},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        scope = ({"region": Region.objects.get(code=region_code)} if region_code
                 else {"organization": organization})
        RoleAssignment.objects.get_or_create(user=user, role=role, **scope)


@transaction.atomic
def load_demo():
    """Load (or refresh) every demo row; returns the logins to print."""
    load_regions()
    load_organizations()
    load_users()
    return [(username, DEMO_PASSWORD, display, role.label)
            for username, display, _org, role, _region in DEMO_USERS]
