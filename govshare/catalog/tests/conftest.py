"""Catalog fixtures: the data element register and a department's draft ready to submit."""

import pytest

from govshare.catalog import services
from govshare.catalog.demo import load_classifications, load_elements
from govshare.orgs.models import Organization


def population_metadata(**overrides):
    """公安厅's 常住人口户籍信息, conditional, as a department would fill it in."""
    metadata = {
        "name": "常住人口户籍信息",
        "summary": "全省常住人口的户籍登记信息。",
        "classification": "101001",
        "format": "database",
        "share_type": "conditional",
        "share_conditions": "用于政务服务身份核验",
        "share_modes": ["api"],
        "open_type": "not_open",
        "update_cycle": "daily",
        "items": [
            {"identifier": "gmsfhm", "name": "公民身份号码", "data_type": "string", "length": 18,
             "element": "GMSFHM", "is_key": True, "is_source": True},
            {"identifier": "xm", "name": "姓名", "data_type": "string", "length": 50,
             "element": "XM"},
            {"identifier": "xb", "name": "性别", "data_type": "string", "length": 1},
            {"identifier": "csrq", "name": "出生日期", "data_type": "date"},
            {"identifier": "hjdz", "name": "户籍地址", "data_type": "string", "length": 200},
        ],
    }
    metadata.update(overrides)
    return metadata


@pytest.fixture
def elements(demo):
    load_elements()
    load_classifications()


@pytest.fixture
def compile_resource(person, elements):
    """compile_resource("gat_staff", name=…): a draft of the user's department."""

    def make(username="gat_staff", **overrides):
        user = person(username)
        return services.resource_create(user, provider=user.organization,
                                        **population_metadata(**overrides))

    return make


@pytest.fixture
def published(compile_resource, person):
    """publish("gat_officer", reviewer="hb_reviewer", …): a published resource."""

    def make(officer="gat_officer", reviewer="hb_reviewer", **overrides):
        resource = compile_resource(officer, **overrides)
        services.resource_submit(person(officer), resource)
        services.resource_publish(person(reviewer), resource)
        resource.refresh_from_db()
        return resource

    return make


@pytest.fixture
def organization():
    return lambda name: Organization.objects.get(name=name)
