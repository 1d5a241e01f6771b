"""Published catalog resources and consuming applications for the sharing tests.

Resources are written through the catalog's models directly: these tests are about what happens
after publication, not about the catalog's review.
"""

import pytest

from govshare.catalog.models import (
    Classification,
    DataItem,
    Resource,
    ResourceVersion,
    ShareType,
)
from govshare.core import clock
from govshare.orgs.models import Application, Organization

POPULATION_ITEMS = [
    ("id_number", "公民身份号码", "string", True),
    ("name", "姓名", "string", False),
    ("gender", "性别", "string", False),
    ("birth_date", "出生日期", "date", False),
    ("region_code", "户籍地行政区划代码", "string", False),
    ("address", "住址", "string", False),
]


def _classification():
    root, _ = Classification.objects.get_or_create(
        code="1", defaults={"name": "基础信息资源", "level": Classification.Level.CLASS})
    item, _ = Classification.objects.get_or_create(
        code="101", defaults={"name": "人口", "level": Classification.Level.ITEM,
                              "parent": root})
    return item


def make_resource(provider, *, code, name, share_type=ShareType.CONDITIONAL,
                  items=POPULATION_ITEMS, legal_basis=""):
    """A published resource of `provider` with one version in force."""
    resource = Resource.objects.create(code=code, provider=provider,
                                       status=Resource.Status.PUBLISHED,
                                       first_published_at=clock.now())
    version = ResourceVersion.objects.create(
        resource=resource, number=1, status=ResourceVersion.Status.PUBLISHED, name=name,
        summary=f"{name}（测试）", classification=_classification(), share_type=share_type,
        share_conditions="仅限履行法定职责使用" if share_type == ShareType.CONDITIONAL else "",
        legal_basis=legal_basis or ("《中华人民共和国居民身份证法》第六条"
                                    if share_type == ShareType.NOT_SHARED else ""),
        share_modes=[] if share_type == ShareType.NOT_SHARED else ["api", "table"],
        published_at=clock.now(),
    )
    for position, (identifier, item_name, data_type, is_key) in enumerate(items, start=1):
        DataItem.objects.create(version=version, position=position, identifier=identifier,
                                name=item_name, data_type=data_type, is_key=is_key)
    resource.published_version = version
    resource.save(update_fields=["published_version"])
    return resource


@pytest.fixture
def org(demo):
    """An organisation by name: org("河北省公安厅")."""
    return lambda name: Organization.objects.get(name=name)


@pytest.fixture
def population(org):
    """公安厅's conditional population resource."""
    return make_resource(org("河北省公安厅"), code="101000000-GAT-0001", name="人口基本信息")


@pytest.fixture
def open_register(org):
    """公安厅's unconditional resource."""
    return make_resource(org("河北省公安厅"), code="101000000-GAT-0002",
                         name="派出所基本信息", share_type=ShareType.UNCONDITIONAL,
                         items=[("station_code", "派出所代码", "string", True),
                                ("station_name", "派出所名称", "string", False),
                                ("region_code", "所在行政区划", "string", False)])


@pytest.fixture
def secret_register(org):
    """公安厅's not-shared resource."""
    return make_resource(org("河北省公安厅"), code="101000000-GAT-0003",
                         name="重点人员信息", share_type=ShareType.NOT_SHARED)


@pytest.fixture
def relief_app(org):
    """民政厅's consuming application."""
    return Application.objects.create(organization=org("河北省民政厅"), name="社会救助系统")


@pytest.fixture
def other_app(org):
    """Another organisation's application (人社厅)."""
    return Application.objects.create(organization=org("河北省人力资源和社会保障厅"),
                                      name="社保经办系统")
