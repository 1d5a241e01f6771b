"""Documents to index in the search tests, built the way the catalog will build them."""

import datetime

import pytest

from govshare.orgs.demo import load_regions
from govshare.search import postings
from govshare.search.index import Document, index_document

PATHS = {
    "130000": "130000",
    "130100": "130000/130100",
    "130102": "130000/130100/130102",
    "130123": "130000/130100/130123",
    "130200": "130000/130200",
}
PROVIDERS = [
    (11, "河北省公安厅", "130000"),
    (12, "河北省民政厅", "130000"),
    (21, "石家庄市人力资源和社会保障局", "130100"),
    (31, "长安区市场监督管理局", "130102"),
    (41, "正定县公安局", "130123"),
    (51, "唐山市自然资源和规划局", "130200"),
]
SUBJECTS = [
    ("常住人口户籍信息", "记录常住人口的户籍登记情况", "姓名 公民身份号码 户籍地址"),
    ("婚姻登记信息", "婚姻登记机关办理的结婚和离婚登记", "男方姓名 女方姓名 登记日期"),
    ("社会保险参保信息", "职工社保参保和缴费情况", "姓名 社会保障号码 缴费基数"),
    ("企业信用信息", "市场主体的信用记录", "企业名称 统一社会信用代码 信用等级"),
    ("不动产登记信息", "不动产权利登记", "不动产单元号 权利人 坐落"),
    ("机动车登记信息", "机动车注册和转移登记", "号牌号码 车辆类型 所有人"),
]
CLASSIFICATIONS = ["基础信息资源", "主题信息资源", "部门信息资源"]
SHARE_TYPES = ["无条件共享", "有条件共享", "不予共享"]
OPEN_TYPES = ["开放", "有条件开放", "不开放"]
FORMATS = ["数据库", "电子文件", "接口"]
CYCLES = ["实时", "每日", "每月", "每年"]
START = datetime.datetime(2025, 1, 1, 9, 0, tzinfo=datetime.UTC)


def make_document(resource_id, **changes):
    """One document; fields not given derive from resource_id so every facet varies."""
    i = resource_id
    provider_id, provider_name, region_code = PROVIDERS[i % len(PROVIDERS)]
    name, summary, items = SUBJECTS[i % len(SUBJECTS)]
    values = {
        "resource_id": i,
        "code": f"A01-{i:04d}",
        "name": name,
        "summary": summary,
        "data_items": items,
        "provider_id": provider_id,
        "provider_name": provider_name,
        "region_code": region_code,
        "region_path": PATHS[region_code],
        "classification": CLASSIFICATIONS[i % 3],
        "share_type": SHARE_TYPES[(i // 2) % 3],
        "open_type": OPEN_TYPES[(i // 3) % 3],
        "format": FORMATS[(i // 5) % 3],
        "update_cycle": CYCLES[(i // 7) % 4],
        "published_at": START + datetime.timedelta(hours=i * 7 % 50),
    }
    values.update(changes)
    return Document(**values)


@pytest.fixture(autouse=True)
def _fresh_postings_cache():
    # Each test's writes are rolled back, and SQLite then numbers changes from the same point
    # again: postings cached by an earlier test must not pass for this one's.
    postings._cache.clear()


@pytest.fixture
def regions(db):
    load_regions()


@pytest.fixture
def indexed(regions):
    """Forty varied documents, indexed; returns them."""
    docs = [make_document(i) for i in range(1, 41)]
    for doc in docs:
        index_document(doc)
    return docs


def python_facets(docs):
    """The facet counts a correct index gives for `docs`, computed without it."""
    from govshare.search.index import FACETS

    facets = {}
    for facet, column in FACETS.items():
        counts = {}
        for doc in docs:
            value = getattr(doc, column)
            counts[value] = counts.get(value, 0) + 1
        facets[facet] = sorted(counts.items(), key=lambda vc: (-vc[1], vc[0]))
    return facets
