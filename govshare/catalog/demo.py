"""Demo catalog: the standard data elements, a classification of 目 under the national 项, and a
few dozen published resources of Hebei departments, compiled, submitted and published through
the services by demo sharing officers and the authority reviewers.

Idempotent: an element, classification or officer is updated in place, and a resource whose
provider already has one of that name is left as it is.
"""

from importlib import import_module

from django.apps import apps
from django.db import transaction

from govshare.orgs.demo import DEMO_PASSWORD
from govshare.orgs.models import Organization, Region, Role, RoleAssignment, User

from . import services
from .models import Classification, DataElement, DataType, Resource, ResourceVersion

S, INT, N, D, T, TX = (DataType.STRING, DataType.INTEGER, DataType.DECIMAL, DataType.DATE,
                     DataType.DATETIME, DataType.TEXT)

# (identifier, name, type, length, standard, definition)
DATA_ELEMENTS = [
    ("GMSFHM", "公民身份号码", S, 18, "GB 11643-1999", "赋予每个公民唯一的、终身不变的身份代码"),
    ("XM", "姓名", S, 50, "GB/T 19488.2", "在户籍管理部门正式登记注册的人员正式姓氏名称"),
    ("XBDM", "性别", S, 1, "GB/T 2261.1-2003", "人的性别代码"),
    ("MZDM", "民族", S, 2, "GB/T 3304-1991", "中国各民族的代码"),
    ("CSRQ", "出生日期", D, 8, "GB/T 7408", "人出生的公历日期"),
    ("HJDZ", "户籍地址", S, 200, "GA/T 2000.17", "户口登记所在地的详细地址"),
    ("JZDZ", "居住地址", S, 200, "", "实际居住地的详细地址"),
    ("HYZKDM", "婚姻状况", S, 2, "GB/T 2261.2-2003", "人的婚姻状况代码"),
    ("LXDH", "联系电话", S, 20, "", "联系用的固定电话或手机号码"),
    ("XZQHDM", "行政区划代码", S, 6, "GB/T 2260", "县级及以上行政区划代码"),
    ("TYSHXYDM", "统一社会信用代码", S, 18, "GB 32100-2015", "法人和其他组织的统一社会信用代码"),
    ("SCZTMC", "市场主体名称", S, 200, "", "经登记机关核准的市场主体名称"),
    ("FDDBR", "法定代表人", S, 50, "", "依法代表法人行使民事权利的负责人姓名"),
    ("ZCZB", "注册资本", N, 18, "", "市场主体登记的注册资本（万元）"),
    ("CLRQ", "成立日期", D, 8, "", "市场主体或组织的成立日期"),
    ("ZS", "住所", S, 200, "", "登记的住所或主要经营场所"),
    ("DJJG", "登记机关", S, 100, "", "作出登记的机关名称"),
    ("SBKH", "社会保障卡号", S, 20, "", "社会保障卡的卡号"),
    ("CBXZ", "参保险种", S, 3, "LD/T 01", "社会保险险种代码"),
    ("BDCDYH", "不动产单元号", S, 28, "GB/T 37346-2019", "不动产单元的唯一编号"),
    ("ZJHM", "证照编号", S, 50, "GB/T 36904", "电子证照的证照编号"),
    ("SWRQ", "死亡日期", D, 8, "", "人死亡的公历日期"),
    ("XJH", "全国学籍号", S, 19, "", "学生在全国中小学生学籍信息管理系统中的学籍号"),
    ("YLJGDM", "医疗机构登记号", S, 22, "", "医疗机构执业许可证登记号"),
]

# Catalog levels (目) used by the demo resources, under the national 项.
CLASSIFICATIONS = [
    ("101001", "人口基本信息", "101"), ("101002", "人口变动信息", "101"),
    ("102001", "市场主体登记信息", "102"), ("102002", "社会组织登记信息", "102"),
    ("103001", "基础测绘成果", "103"), ("103002", "不动产登记", "103"),
    ("104001", "行政处罚与信用信息", "104"),
    ("105001", "身份证件", "105"), ("105002", "资格证书", "105"),
    ("201001", "医疗卫生服务", "201"), ("202001", "社会保险", "202"),
    ("202002", "社会救助", "202"), ("203001", "食品生产许可", "203"),
    ("204001", "安全生产许可", "204"), ("210001", "污染源监管", "210"),
    ("301001", "治安与交通管理", "301"), ("302001", "婚姻与殡葬", "302"),
    ("302002", "养老服务", "302"), ("303001", "就业服务", "303"),
    ("307001", "学籍管理", "307"), ("307002", "学校管理", "307"),
    ("317001", "律师管理", "317"), ("318001", "医保经办", "318"),
    ("319001", "统计调查", "319"),
]

UNCOND, COND, NOT_SHARED = "unconditional", "conditional", "not_shared"


def _item(identifier, name, data_type=S, length=None, element=None, flags=""):
    return {"identifier": identifier, "name": name, "data_type": data_type, "length": length,
            "element": element, "is_key": "k" in flags, "is_source": "s" in flags}


PERSON_ID = _item("gmsfhm", "公民身份号码", S, 18, "GMSFHM", "k")
NAME = _item("xm", "姓名", S, 50, "XM")
CREDIT_CODE = _item("tyshxydm", "统一社会信用代码", S, 18, "TYSHXYDM", "k")

# (provider, name, classification, format, share type, conditions or legal basis, modes,
#  open type, update cycle, summary, items)
RESOURCES = [
    ("河北省公安厅", "常住人口户籍信息", "101001", "database", COND,
     "用于政务服务办理中的身份核验、户籍核查，需求方须说明办理事项和法律依据", ["api", "table"],
     "not_open", "daily",
     "全省常住人口的户籍登记信息，包括身份号码、姓名、性别、民族、出生日期和户籍地址等。",
     [_item("gmsfhm", "公民身份号码", S, 18, "GMSFHM", "ks"), _item("xm", "姓名", S, 50, "XM", "s"),
      _item("xb", "性别", S, 1, "XBDM", "s"), _item("mz", "民族", S, 2, "MZDM", "s"),
      _item("csrq", "出生日期", D, 8, "CSRQ", "s"), _item("hjdz", "户籍地址", S, 200, "HJDZ", "s"),
      _item("hjdjrq", "户籍登记日期", D, 8), _item("hkxz", "户口性质", S, 2),
      _item("xzqhdm", "户籍地行政区划代码", S, 6, "XZQHDM")]),
    ("河北省公安厅", "居民身份证签发信息", "105001", "database", COND,
     "仅用于身份证件真伪核验", ["api"], "not_open", "daily",
     "居民身份证的签发机关、有效期限和证件状态。",
     [PERSON_ID, NAME, _item("qfjg", "签发机关", S, 100), _item("yxqqsrq", "有效期起始日期", D, 8),
      _item("yxqjzrq", "有效期截止日期", D, 8), _item("zjzt", "证件状态", S, 2)]),
    ("河北省公安厅", "机动车驾驶证信息", "301001", "database", COND,
     "用于交通运输、保险理赔等业务核验，需经公安厅同意", ["api"], "not_open", "daily",
     "机动车驾驶人的准驾车型、驾驶证状态和有效期。",
     [PERSON_ID, NAME, _item("zjcx", "准驾车型", S, 10), _item("jszzt", "驾驶证状态", S, 2),
      _item("yxqz", "有效期至", D, 8)]),
    ("河北省公安厅", "户籍人口统计信息", "101002", "spreadsheet", UNCOND, "", ["file"],
     "open", "yearly", "按县（市、区）统计的年末户籍人口、出生和死亡人数。",
     [_item("xzqhdm", "行政区划代码", S, 6, "XZQHDM", "k"),
      _item("nd", "统计年度", INT, 4, None, "k"),
      _item("hjrks", "户籍人口数", INT), _item("csrks", "出生人口数", INT),
      _item("swrks", "死亡人口数", INT)]),
    ("河北省民政厅", "婚姻登记信息", "302001", "database", COND,
     "用于不动产登记、公积金提取、户籍业务等需核验婚姻状况的事项", ["api"], "not_open", "daily",
     "结婚、离婚、补领婚姻登记证的登记信息。",
     [_item("djzh", "婚姻登记证字号", S, 30, None, "k"), _item("ywlx", "业务类型", S, 2),
      _item("nfsfzh", "男方公民身份号码", S, 18, "GMSFHM"), _item("nfxm", "男方姓名", S, 50, "XM"),
      _item("nvsfzh", "女方公民身份号码", S, 18, "GMSFHM"), _item("nvxm", "女方姓名", S, 50, "XM"),
      _item("djrq", "登记日期", D, 8), _item("djjg", "登记机关", S, 100, "DJJG"),
      _item("hyzk", "婚姻状况", S, 2, "HYZKDM", "s")]),
    ("河北省民政厅", "社会组织登记信息", "102002", "database", UNCOND, "", ["api", "file"],
     "open", "daily", "社会团体、民办非企业单位和基金会的登记信息。",
     [_item("tyshxydm", "统一社会信用代码", S, 18, "TYSHXYDM", "ks"),
      _item("zzmc", "社会组织名称", S, 200), _item("fddbr", "法定代表人", S, 50, "FDDBR"),
      _item("zs", "住所", S, 200, "ZS"), _item("clrq", "成立日期", D, 8, "CLRQ"),
      _item("zzlx", "组织类型", S, 2)]),
    ("河北省民政厅", "最低生活保障对象信息", "202002", "database", COND,
     "仅用于社会救助资格核查和政策落实", ["api"], "not_open", "monthly",
     "城乡最低生活保障对象的家庭、保障金额和保障期间。",
     [PERSON_ID, NAME, _item("jtrks", "家庭人口数", INT), _item("bzje", "月保障金额", N, 10),
      _item("bzqsrq", "保障起始日期", D, 8)]),
    ("河北省民政厅", "殡葬服务信息", "302001", "database", COND,
     "用于养老金停发、户籍注销等业务核验", ["api"], "not_open", "daily",
     "遗体火化与殡葬服务记录。",
     [PERSON_ID, NAME, _item("swrq", "死亡日期", D, 8, "SWRQ"), _item("hhrq", "火化日期", D, 8),
      _item("bygm", "殡仪馆名称", S, 100)]),
    ("河北省民政厅", "养老机构信息", "302002", "database", UNCOND, "", ["api", "file"],
     "open", "monthly", "全省养老机构的名称、地址、床位数和运营状态。",
     [CREDIT_CODE, _item("jgmc", "机构名称", S, 200), _item("dz", "地址", S, 200),
      _item("cws", "床位数", INT), _item("yyzt", "运营状态", S, 2)]),
    ("河北省人力资源和社会保障厅", "社会保险参保信息", "202001", "database", COND,
     "用于就业、救助、医保等资格审核，需求方须说明使用事项", ["api", "table"], "not_open",
     "monthly", "企业职工养老、失业、工伤保险的参保登记与缴费信息。",
     [PERSON_ID, NAME, _item("sbkh", "社会保障卡号", S, 20, "SBKH", "s"),
      _item("cbxz", "参保险种", S, 3, "CBXZ", "ks"), _item("cbzt", "参保状态", S, 2),
      _item("cbrq", "参保日期", D, 8), _item("jfjs", "缴费基数", N, 12),
      _item("dwtyshxydm", "参保单位统一社会信用代码", S, 18, "TYSHXYDM")]),
    ("河北省人力资源和社会保障厅", "就业失业登记信息", "303001", "database", COND,
     "用于就业补贴、失业保险金审核", ["api"], "not_open", "monthly",
     "城镇登记就业和失业人员的登记信息。",
     [PERSON_ID, NAME, _item("djlx", "登记类型", S, 2), _item("djrq", "登记日期", D, 8),
      _item("jydw", "就业单位名称", S, 200)]),
    ("河北省人力资源和社会保障厅", "职业资格证书信息", "105002", "database", UNCOND, "",
     ["api"], "conditional", "monthly", "职业资格和职业技能等级证书的颁发信息。",
     [_item("zsbh", "证书编号", S, 50, "ZJHM", "k"), PERSON_ID, NAME,
      _item("zymc", "职业（工种）名称", S, 100), _item("dj", "等级", S, 10),
      _item("fzrq", "发证日期", D, 8)], "查询本人证书须实名认证"),
    ("河北省市场监督管理局", "市场主体登记信息", "102001", "database", UNCOND, "",
     ["api", "table", "file"], "open", "real_time",
     "企业、个体工商户和农民专业合作社的设立、变更和注销登记信息。",
     [_item("tyshxydm", "统一社会信用代码", S, 18, "TYSHXYDM", "ks"),
      _item("ztmc", "市场主体名称", S, 200, "SCZTMC", "s"),
      _item("fddbr", "法定代表人", S, 50, "FDDBR", "s"), _item("zczb", "注册资本", N, 18, "ZCZB"),
      _item("clrq", "成立日期", D, 8, "CLRQ", "s"), _item("zs", "住所", S, 200, "ZS"),
      _item("jyfw", "经营范围", TX), _item("djjg", "登记机关", S, 100, "DJJG"),
      _item("djzt", "登记状态", S, 2)]),
    ("河北省市场监督管理局", "行政处罚信息", "104001", "database", UNCOND, "",
     ["api", "file"], "open", "daily", "市场监管领域作出的行政处罚决定公示信息。",
     [_item("cfjdswh", "处罚决定书文号", S, 100, None, "k"), CREDIT_CODE,
      _item("ztmc", "当事人名称", S, 200, "SCZTMC"), _item("wfxw", "违法行为类型", S, 200),
      _item("cfnr", "处罚内容", TX), _item("cfrq", "处罚决定日期", D, 8)]),
    ("河北省市场监督管理局", "食品生产许可证信息", "203001", "database", UNCOND, "",
     ["api"], "open", "daily", "食品生产许可证的发证、变更和注销信息。",
     [_item("xkzbh", "许可证编号", S, 30, "ZJHM", "k"), CREDIT_CODE,
      _item("scz", "生产者名称", S, 200), _item("splb", "食品类别", S, 100),
      _item("yxq", "有效期至", D, 8)]),
    ("河北省自然资源厅", "基础地理信息数据", "103001", "file", COND,
     "涉密测绘成果按《测绘成果管理条例》审批后提供", ["file"], "not_open", "yearly",
     "1:10000 基础地理信息数据库，包括水系、交通、居民地和地名。",
     [_item("tfh", "图幅号", S, 20, None, "k"), _item("blc", "比例尺", S, 10),
      _item("scrq", "生产日期", D, 8), _item("sjgs", "数据格式", S, 20)]),
    ("河北省不动产登记中心", "不动产登记信息", "103002", "database", COND,
     "用于不动产交易、税收征管和司法查控，需提供办理事项依据", ["api"], "not_open",
     "real_time", "土地、房屋等不动产的权利人、坐落和登记信息。",
     [_item("bdcdyh", "不动产单元号", S, 28, "BDCDYH", "ks"), _item("qlr", "权利人", S, 200),
      _item("qlrzjh", "权利人证件号码", S, 18, "GMSFHM"), _item("zl", "坐落", S, 200),
      _item("mj", "面积", N, 12), _item("djsj", "登记时间", T)]),
    ("河北省卫生健康委员会", "出生医学证明信息", "101002", "database", COND,
     "用于新生儿户籍登记、医保参保等出生一件事办理", ["api"], "not_open", "daily",
     "新生儿出生医学证明的签发信息。",
     [_item("csyxzmbh", "出生医学证明编号", S, 20, "ZJHM", "k"),
      _item("xsexm", "新生儿姓名", S, 50, "XM"), _item("csrq", "出生日期", D, 8, "CSRQ"),
      _item("mqsfzh", "母亲公民身份号码", S, 18, "GMSFHM"),
      _item("fqsfzh", "父亲公民身份号码", S, 18, "GMSFHM"), _item("csdd", "出生地点", S, 200)]),
    ("河北省卫生健康委员会", "医疗机构执业登记信息", "201001", "database", UNCOND, "",
     ["api", "file"], "open", "monthly", "医疗机构的执业许可、类别和诊疗科目。",
     [_item("djh", "医疗机构登记号", S, 22, "YLJGDM", "ks"), CREDIT_CODE,
      _item("jgmc", "机构名称", S, 200), _item("jglb", "机构类别", S, 50),
      _item("zlkm", "诊疗科目", TX)]),
    ("河北省教育厅", "中小学生学籍信息", "307001", "database", COND,
     "仅用于教育资助、入学资格审核", ["api"], "not_open", "monthly",
     "全省中小学在校学生的学籍信息。",
     [_item("xjh", "全国学籍号", S, 19, "XJH", "ks"), PERSON_ID, NAME,
      _item("xxmc", "学校名称", S, 200), _item("nj", "年级", S, 10)]),
    ("河北省教育厅", "学校基本信息", "307002", "database", UNCOND, "", ["api", "file"],
     "open", "yearly", "各级各类学校的名称、办学类型和地址。",
     [CREDIT_CODE, _item("xxmc", "学校名称", S, 200), _item("bxlx", "办学类型", S, 20),
      _item("dz", "地址", S, 200)]),
    ("河北省医疗保障局", "基本医疗保险参保信息", "318001", "database", COND,
     "用于医疗救助、待遇核查", ["api"], "not_open", "monthly",
     "职工和城乡居民基本医疗保险的参保与缴费信息。",
     [PERSON_ID, NAME, _item("cblx", "参保类型", S, 2), _item("cbzt", "参保状态", S, 2),
      _item("cbdq", "参保地区划代码", S, 6, "XZQHDM")]),
    ("河北省医疗保障局", "定点医药机构信息", "318001", "database", UNCOND, "",
     ["api", "file"], "open", "monthly", "医保定点医疗机构和定点零售药店名单。",
     [_item("ddbm", "定点机构编码", S, 20, None, "k"), CREDIT_CODE,
      _item("jgmc", "机构名称", S, 200), _item("jglx", "机构类型", S, 10)]),
    ("河北省生态环境厅", "重点排污单位信息", "210001", "database", UNCOND, "", ["api", "file"],
     "open", "quarterly", "重点排污单位名录及其排污许可信息。",
     [CREDIT_CODE, _item("dwmc", "单位名称", S, 200), _item("pwxkzh", "排污许可证编号", S, 30),
      _item("hylb", "行业类别", S, 50)]),
    ("河北省应急管理厅", "安全生产许可证信息", "204001", "database", UNCOND, "", ["api"],
     "conditional", "monthly", "危险化学品、非煤矿山等企业的安全生产许可证。",
     [_item("xkzbh", "许可证编号", S, 30, "ZJHM", "k"), CREDIT_CODE,
      _item("qymc", "企业名称", S, 200), _item("xkfw", "许可范围", TX),
      _item("yxq", "有效期至", D, 8)], "企业名称和证号可公开查询，明细须申请"),
    ("河北省司法厅", "律师执业信息", "317001", "database", UNCOND, "", ["api", "file"], "open",
     "monthly", "执业律师及其执业机构、执业证号。",
     [_item("zyzh", "执业证号", S, 17, "ZJHM", "k"), NAME, _item("lsswsmc", "律师事务所", S, 200),
      _item("zyzt", "执业状态", S, 2)]),
    ("河北省统计局", "经济普查单位原始资料", "319001", "database", NOT_SHARED,
     "《中华人民共和国统计法》第三十九条：统计调查中获得的能够识别或者推断单个统计调查对象身份的"
     "资料，任何单位和个人不得对外提供、泄露，不得用于统计以外的目的。", [], "not_open",
     "irregular",
     "经济普查中单位填报的原始调查资料。",
     [CREDIT_CODE, _item("dwmc", "单位名称", S, 200), _item("yysr", "营业收入", N, 18),
      _item("cyry", "从业人员数", INT)]),
    ("河北省统计局", "国民经济主要指标", "319001", "spreadsheet", UNCOND, "", ["file"], "open",
     "monthly", "全省及各市地区生产总值、规模以上工业增加值等主要指标。",
     [_item("zbmc", "指标名称", S, 100, None, "k"), _item("tjq", "统计期", S, 7, None, "k"),
      _item("xzqhdm", "行政区划代码", S, 6, "XZQHDM", "k"), _item("zbz", "指标值", N, 18)]),
    ("石家庄市公安局", "居住证办理信息", "101002", "database", COND,
     "用于积分落户、子女入学等居住证持有人服务", ["api"], "not_open", "daily",
     "石家庄市流动人口居住登记和居住证签发信息。",
     [PERSON_ID, NAME, _item("jzdz", "居住地址", S, 200, "JZDZ", "s"),
      _item("qfrq", "签发日期", D, 8), _item("yxqz", "有效期至", D, 8)]),
    ("石家庄市市场监督管理局", "个体工商户登记信息", "102001", "database", UNCOND, "",
     ["api", "file"], "open", "daily", "石家庄市个体工商户的登记信息。",
     [CREDIT_CODE, _item("zh", "字号名称", S, 200), _item("jyz", "经营者姓名", S, 50, "XM"),
      _item("jycs", "经营场所", S, 200), _item("clrq", "成立日期", D, 8, "CLRQ")]),
]


def load_elements():
    for identifier, name, data_type, length, standard, definition in DATA_ELEMENTS:
        DataElement.objects.update_or_create(identifier=identifier, defaults={
            "name": name, "data_type": data_type, "length": length, "standard": standard,
            "definition": definition,
        })


def load_classifications():
    """The national 类 and 项 (normally there from migration 0002, but a flushed test database
    has lost them) and the demo's 目 under them."""
    import_module("govshare.catalog.migrations.0002_standard_classifications").seed(apps, None)
    for code, name, parent in CLASSIFICATIONS:
        Classification.objects.update_or_create(code=code, defaults={
            "name": name, "level": Classification.Level.CATALOG,
            "parent": Classification.objects.get(code=parent),
        })


def _officer(organization):
    """The demo sharing officer of `organization` (gat_officer exists already; others are
    made here, named after the department code)."""
    existing = User.objects.filter(roles__role=Role.SHARING_OFFICER,
                                   roles__organization=organization).first()
    if existing:
        return existing
    user, created = User.objects.get_or_create(
        username=f"{organization.short_code.lower()}_officer",
        defaults={"display_name": f"{organization.name}共享专员", "organization": organization},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    RoleAssignment.objects.get_or_create(user=user, role=Role.SHARING_OFFICER,
                                         organization=organization)
    return user


def _reviewer(organization):
    """An authority reviewer of the provider's region or the nearest region above it."""
    codes = organization.region.path.split("/")[::-1]
    for code in codes:
        reviewer = User.objects.filter(roles__role=Role.AUTHORITY_REVIEWER,
                                       roles__region=Region.objects.get(code=code)).first()
        if reviewer:
            return reviewer
    raise LookupError(f"no demo reviewer above {organization}")


def _publish(entry):
    (provider_name, name, classification, fmt, share_type, condition, modes, open_type, cycle,
     summary, items, *open_conditions) = entry
    provider = Organization.objects.get(name=provider_name)
    if ResourceVersion.objects.filter(resource__provider=provider, name=name).exists():
        return None
    officer = _officer(provider)
    resource = services.resource_create(
        officer, provider=provider, name=name, summary=summary, classification=classification,
        format=fmt, share_type=share_type, share_modes=modes, open_type=open_type,
        update_cycle=cycle, items=items,
        share_conditions=condition if share_type == COND else "",
        legal_basis=condition if share_type == NOT_SHARED else "",
        open_conditions=open_conditions[0] if open_conditions else "",
        contact=f"{officer.display_name} 0311-8{provider.pk:03d}0000",
    )
    services.resource_submit(officer, resource)
    services.resource_publish(_reviewer(provider), resource, comment="符合目录编制要求，同意发布。")
    if cycle != "irregular":
        services.resource_mark_data_updated(officer, resource)
    return resource


@transaction.atomic
def load_demo():
    """Load (or refresh) the demo catalog; returns the sharing officers' logins to print."""
    load_elements()
    load_classifications()
    for entry in RESOURCES:
        _publish(entry)
    officers = User.objects.filter(
        pk__in=Resource.objects.values("created_by")).order_by("username")
    return [(u.username, DEMO_PASSWORD, u.display_name, Role.SHARING_OFFICER.label)
            for u in officers]
