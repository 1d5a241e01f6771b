"""Open data fixtures: the demo's scenic-area resource opened with its rules, a not-open
population register with records, a conditionally open resource, and a registrant."""

import pytest
from django.core.cache import caches

from govshare.catalog import services as catalog_services
from govshare.catalog.demo import load_classifications
from govshare.exchange.demo import population_resource
from govshare.opendata import demo as opendata_demo
from govshare.opendata import services
from govshare.opendata.models import Registrant
from govshare.orgs.credit_code import make_credit_code

POPULATION_ROWS = [
    {"id_number": f"13010219800101{n:03d}X", "name": f"测试人员{n}", "sex": "1",
     "birth_date": None, "region_code": "130102", "address": "河北省石家庄市长安区某街1号",
     "household_size": 3, "updated_at": None}
    for n in range(12)
]
SAFETY_ITEMS = [
    {"identifier": "xkzbh", "name": "许可证编号", "data_type": "string", "is_key": True},
    {"identifier": "qymc", "name": "企业名称", "data_type": "string"},
    {"identifier": "fzr", "name": "主要负责人", "data_type": "string"},
    {"identifier": "yxq", "name": "有效期至", "data_type": "date"},
]


@pytest.fixture(autouse=True)
def opendata_settings(settings, tmp_path, django_db_blocker):
    """A hash key of the test's own, outside the repository; rate-limit counts start at zero
    (the cache table outlives the tests that fill it)."""
    settings.GOVSHARE_OPENDATA_HASH_KEY_FILE = tmp_path / "keys" / "opendata-hash.key"
    with django_db_blocker.unblock():
        caches["ratelimit"].clear()


@pytest.fixture
def officer(demo):
    """文化和旅游厅's sharing officer (the demo adds the department)."""
    load_classifications()
    _organization, officer = opendata_demo._culture_department()
    return officer


@pytest.fixture
def scenic_rows():
    return opendata_demo.scenic_rows()


@pytest.fixture
def scenic_published(officer, scenic_rows):
    """河北省A级旅游景区名录, published, with its synthetic records, not yet opened."""
    resource = opendata_demo._scenic_resource(officer)
    opendata_demo.load_rows(resource, scenic_rows)
    return resource


@pytest.fixture
def scenic(scenic_published, officer):
    """The same, with the demo's rules approved and the dataset open."""
    opendata_demo.open_with_rules(scenic_published, officer, opendata_demo.SCENIC_RULES,
                                  opendata_demo.SCENIC_QUASI)
    scenic_published.refresh_from_db()
    return scenic_published


@pytest.fixture
def population(demo):
    """公安厅's population register: published, not open, with records in the store."""
    load_classifications()
    resource = population_resource()
    opendata_demo.load_rows(resource, POPULATION_ROWS)
    return resource


@pytest.fixture
def safety(demo, person):
    """应急管理厅's 安全生产许可证信息: conditionally open, records loaded, rules approved,
    opened."""
    load_classifications()
    gat = person("gat_officer")
    resource = catalog_services.resource_create(
        gat, provider=gat.organization, name="危险物品安全许可信息",
        summary="危险物品从业单位的安全许可。", classification="204", format="database",
        share_type="unconditional", share_modes=["api"], open_type="conditional",
        open_conditions="须说明用途，仅限安全生产相关应用。", update_cycle="monthly",
        items=SAFETY_ITEMS)
    catalog_services.resource_submit(gat, resource)
    catalog_services.resource_publish(person("hb_reviewer"), resource)
    resource.refresh_from_db()
    opendata_demo.load_rows(resource, [{"xkzbh": f"XK{n:04d}", "qymc": f"某某化工有限公司{n}",
                               "fzr": "张三丰", "yxq": None} for n in range(6)])
    opendata_demo.open_with_rules(resource, gat, {
        "xkzbh": {"rule": "keep"}, "qymc": {"rule": "keep"},
        "fzr": {"rule": "mask", "first": 1, "last": 0}, "yxq": {"rule": "keep"}})
    return resource


@pytest.fixture
def registrant(db):
    """(registrant, token) of a registered enterprise."""
    return services.registrant_register(Registrant(
        name="石家庄数智科技有限公司", credit_code=make_credit_code("9", "130100", 4242),
        kind=Registrant.Kind.ENTERPRISE, contact_name="李经理", contact_phone="0311-12345678",
        email="li@example.com"), accept_terms=True)


@pytest.fixture
def published_open_unreleased(officer, person):
    """A published resource whose open type is open but which nobody has opened yet."""
    resource = catalog_services.resource_create(
        officer, provider=officer.organization, name="尚未开放的数据", summary="待开放。",
        classification="321", format="database", share_type="unconditional",
        share_modes=["api"], open_type="open", update_cycle="yearly",
        items=[{"identifier": "bh", "name": "编号", "data_type": "string", "is_key": True}])
    catalog_services.resource_submit(officer, resource)
    catalog_services.resource_publish(person("hb_reviewer"), resource)
    return resource
