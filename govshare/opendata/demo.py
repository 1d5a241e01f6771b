"""Open data demo: 文化和旅游厅's 河北省A级旅游景区名录 (a new resource of harmless synthetic
rows), and 民政厅's 养老机构信息 and 应急管理厅's conditionally open 安全生产许可证信息 from the
catalog demo, each with synthetic records pushed through the exchange's ingestion service by an
approved node of its provider, de-identification rules proposed by the provider's sharing
officer and approved by the authority, and opened. 公安厅's population register stays not open.

Idempotent: what exists is left as it is. Rows are generated from fixed seeds, so every run and
every machine gets the same data.
"""

import hashlib
import random
from datetime import date, timedelta

import pyarrow as pa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import transaction

from govshare.catalog import services as catalog_services
from govshare.catalog.models import Classification, DataType, Resource, ResourceVersion
from govshare.exchange import services as exchange_services
from govshare.exchange.batches import ARROW_TYPE_NAMES
from govshare.exchange.models import Node, Record
from govshare.node.protocol import ARROW_TYPES
from govshare.node.signing import key_id_of, public_key_text
from govshare.orgs.credit_code import make_credit_code
from govshare.orgs.demo import DEMO_PASSWORD
from govshare.orgs.models import Organization, Region, Role, RoleAssignment, User

from . import services
from .models import Dataset, Deidentification

CULTURE = "河北省文化和旅游厅"
SCENIC = "河北省A级旅游景区名录"
S, D, INT = DataType.STRING, DataType.DATE, DataType.INTEGER
SCENIC_ITEMS = [
    {"identifier": "jqbm", "name": "景区编码", "data_type": S, "length": 12, "is_key": True},
    {"identifier": "jqmc", "name": "景区名称", "data_type": S, "length": 100},
    {"identifier": "dj", "name": "等级", "data_type": S, "length": 4},
    {"identifier": "szxq", "name": "所在县（市、区）", "data_type": S, "length": 20},
    {"identifier": "dz", "name": "地址", "data_type": S, "length": 200},
    {"identifier": "pdrq", "name": "评定日期", "data_type": D},
    {"identifier": "fzr", "name": "负责人", "data_type": S, "length": 50},
    {"identifier": "fzrsfzh", "name": "负责人公民身份号码", "data_type": S, "length": 18},
    {"identifier": "fzrdh", "name": "负责人手机号码", "data_type": S, "length": 11},
    {"identifier": "zdcrl", "name": "最大承载量（人次/日）", "data_type": INT},
]
SCENIC_RULES = {
    "jqbm": {"rule": "keep"}, "jqmc": {"rule": "keep"}, "dj": {"rule": "keep"},
    "szxq": {"rule": "keep"}, "dz": {"rule": "generalise", "to": "county"},
    "pdrq": {"rule": "generalise", "to": "month"}, "fzr": {"rule": "mask", "first": 1, "last": 0},
    "fzrsfzh": {"rule": "drop"}, "fzrdh": {"rule": "hash"}, "zdcrl": {"rule": "keep"},
}
SCENIC_QUASI = ["dj"]
ELDERLY_RULES = {"tyshxydm": {"rule": "keep"}, "jgmc": {"rule": "keep"},
                 "dz": {"rule": "keep"}, "cws": {"rule": "keep"}, "yyzt": {"rule": "keep"}}
SAFETY_RULES = {"xkzbh": {"rule": "keep"}, "tyshxydm": {"rule": "keep"},
                "qymc": {"rule": "keep"}, "xkfw": {"rule": "keep"},
                "yxq": {"rule": "generalise", "to": "year"}}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"
SIGHTS = ["古城", "湿地公园", "森林公园", "民俗村", "温泉度假区", "太行山大峡谷", "古寺",
          "红色教育基地", "滹沱河生态园", "农业观光园", "影视城", "博物馆"]
LEVELS = ["5A", "4A", "4A", "3A", "3A", "3A", "2A", "2A"]


def _culture_department():
    """文化和旅游厅 and its sharing officer, written like the orgs demo's seed data."""
    province = Region.objects.get(code="130000")
    organization, _created = Organization.objects.get_or_create(name=CULTURE, defaults={
        "credit_code": make_credit_code("1", "130000", 9301), "region": province,
        "short_code": "WHLYT"})
    officer, created = User.objects.get_or_create(username="whlyt_officer", defaults={
        "display_name": "文化和旅游厅共享专员", "organization": organization})
    if created:
        officer.set_password(DEMO_PASSWORD)
        officer.save()
    RoleAssignment.objects.get_or_create(user=officer, role=Role.SHARING_OFFICER,
                                         organization=organization)
    return organization, officer


def _scenic_resource(officer):
    existing = Resource.objects.filter(provider=officer.organization,
                                       versions__name=SCENIC).first()
    if existing is not None:
        return existing
    Classification.objects.get_or_create(code="321", defaults={
        "name": "文化和旅游", "level": Classification.Level.ITEM,
        "parent": Classification.objects.get(code="3")})
    resource = catalog_services.resource_create(
        officer, provider=officer.organization, name=SCENIC, classification="321",
        summary="全省A级旅游景区的名称、等级、所在地、评定日期和最大承载量。",
        format="spreadsheet", share_type="unconditional", share_modes=["api", "file"],
        open_type="open", update_cycle="quarterly", keywords="旅游,景区,A级",
        contact="文化和旅游厅资源开发处 0311-00000000", items=SCENIC_ITEMS)
    catalog_services.resource_submit(officer, resource)
    catalog_services.resource_publish(User.objects.get(username="hb_reviewer"), resource,
                                      comment="同意发布。")
    resource.refresh_from_db()
    return resource


def _identity_number(rng, region_code, birth):
    body = f"{region_code}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    total = sum(int(c) * w for c, w in zip(body, (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5,
                                                  8, 4, 2), strict=True))
    return body + "10X98765432"[total % 11]


def scenic_rows(count=60, seed=19):
    """Synthetic attractions in 石家庄's counties, with a fictitious person in charge."""
    rng = random.Random(seed)
    counties = list(Region.objects.filter(parent__code="130100").order_by("code"))
    rows = []
    for n in range(count):
        county = counties[n % len(counties)]
        birth = date(1960, 1, 1) + timedelta(days=rng.randrange(15000))
        rows.append({
            "jqbm": f"JQ13{n:06d}",
            "jqmc": f"{county.name.rstrip('区县市')}{SIGHTS[n % len(SIGHTS)]}",
            "dj": LEVELS[n % len(LEVELS)], "szxq": county.name,
            "dz": (f"河北省石家庄市{county.name}{rng.choice('东西南北')}环路"
                   f"{rng.randrange(1, 300)}号"),
            "pdrq": date(2005, 1, 1) + timedelta(days=rng.randrange(7000)),
            "fzr": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
            "fzrsfzh": _identity_number(rng, county.code, birth),
            "fzrdh": f"13{rng.randrange(10**9):09d}",
            "zdcrl": rng.randrange(20, 400) * 100,
        })
    return rows


def _catalog_rows(resource, count, seed):
    """Synthetic rows for a catalog demo resource: valid credit codes, numbered keys, every
    other item filled by its type."""
    rng = random.Random(seed)
    rows = []
    for n in range(count):
        row = {}
        for item in resource.data_items():
            if item.data_type == DataType.INTEGER:
                row[item.identifier] = rng.randrange(20, 600)
            elif item.data_type == DataType.DATE:
                row[item.identifier] = date(2027, 1, 1) + timedelta(days=rng.randrange(1500))
            elif item.identifier == "tyshxydm":
                row[item.identifier] = make_credit_code("5", "130100", 7000 + n)
            elif item.is_key:
                row[item.identifier] = f"{item.identifier.upper()}{n:05d}"
            else:
                row[item.identifier] = f"{item.name}{n + 1}"
        rows.append(row)
    return rows


def _node(organization):
    """An approved exchange node of `organization` (its key is thrown away: the demo pushes
    through the ingestion service directly, not over HTTP)."""
    node = Node.objects.filter(organization=organization, state=Node.State.APPROVED).first()
    if node is not None:
        return node
    operator = User.objects.get(username="operator")
    public = Ed25519PrivateKey.generate().public_key()
    _code, text = exchange_services.registration_code_issue(operator, organization)
    node = exchange_services.node_register(
        Node(key_id=key_id_of(public), public_key=public_key_text(public),
             name="开放数据演示前置机", contact="演示 0311-0000000"), code=text)
    return exchange_services.node_approve(operator, node)


def load_rows(resource, rows):
    """Push `rows` (dicts by data item identifier) into the record store through the exchange's
    ingestion service, as the provider's node would."""
    items = list(resource.data_items())
    table = pa.table({item.identifier: pa.array(
        [row.get(item.identifier) for row in rows],
        ARROW_TYPES[ARROW_TYPE_NAMES.get(item.data_type, "string")]) for item in items})
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    body = sink.getvalue().to_pybytes()
    return exchange_services.batch_ingest(
        _node(resource.provider), resource, batch_id=hashlib.sha256(body).hexdigest()[:32],
        body=body)


def open_with_rules(resource, officer, rules, quasi_identifiers=()):
    """Rules proposed by the provider's officer, approved by the province's reviewer, then the
    dataset opened (skipping each step already done)."""
    reviewer = User.objects.get(username="hb_reviewer")
    if not Deidentification.objects.filter(resource=resource, state="approved").exists():
        proposal = services.deidentification_propose(
            officer, resource, rules=rules, quasi_identifiers=quasi_identifiers,
            note="演示数据的脱敏规则。")
        services.deidentification_approve(reviewer, proposal, comment="同意。")
    if not Dataset.objects.filter(resource=resource, state=Dataset.State.OPEN).exists():
        services.dataset_open(officer, resource)


def _catalog_resource(provider_name, name):
    version = (ResourceVersion.objects.filter(resource__provider__name=provider_name, name=name,
                                              status=ResourceVersion.Status.PUBLISHED)
               .select_related("resource").first())
    return version.resource if version else None


def _officer_of(resource):
    return User.objects.filter(roles__role=Role.SHARING_OFFICER,
                               roles__organization=resource.provider).first()


@transaction.atomic
def load_demo():
    """Load the open data demo; returns the login it adds."""
    _organization, officer = _culture_department()
    scenic = _scenic_resource(officer)
    if not Record.objects.filter(resource=scenic).exists():
        load_rows(scenic, scenic_rows())
    open_with_rules(scenic, officer, SCENIC_RULES, SCENIC_QUASI)
    for provider, name, rules, seed in [
            ("河北省民政厅", "养老机构信息", ELDERLY_RULES, 3),
            ("河北省应急管理厅", "安全生产许可证信息", SAFETY_RULES, 5)]:
        resource = _catalog_resource(provider, name)
        if resource is None:
            continue
        if not Record.objects.filter(resource=resource).exists():
            load_rows(resource, _catalog_rows(resource, 40, seed))
        open_with_rules(resource, _officer_of(resource), rules)
    return [(officer.username, DEMO_PASSWORD, officer.display_name,
             Role.SHARING_OFFICER.label)]
