"""The exchange demo: 公安厅's population resource, its business database, a node config.

Seed data is written directly, like a fixture (as `orgs.demo` does): it stands for a catalog the
department compiled and the authority published. Idempotent.
"""

from pathlib import Path

from django.db import transaction

from govshare.catalog.models import (
    Classification,
    DataItem,
    Resource,
    ResourceVersion,
    ShareMode,
    ShareType,
    UpdateCycle,
)
from govshare.core import clock
from govshare.orgs.models import Organization

from . import population

RESOURCE_CODE = "101000000-GAT-0001"
# identifier, name, data type, key, business column
POPULATION_ITEMS = [
    ("id_number", "公民身份号码", "string", True, "sfzh"),
    ("name", "姓名", "string", False, "xm"),
    ("sex", "性别", "string", False, "xb"),
    ("birth_date", "出生日期", "date", False, "csrq"),
    ("region_code", "户籍地行政区划代码", "string", False, "hjdq"),
    ("address", "住址", "string", False, "zz"),
    ("household_size", "户内人数", "integer", False, "hnrs"),
    ("updated_at", "更新时间", "datetime", False, "gxsj"),
]


@transaction.atomic
def population_resource() -> Resource:
    """公安厅's published 人口基本信息 resource (created once)."""
    existing = Resource.objects.filter(code=RESOURCE_CODE).first()
    if existing:
        return existing
    classification, _ = Classification.objects.get_or_create(
        code="1", defaults={"name": "基础信息资源", "level": Classification.Level.CLASS})
    provider = Organization.objects.get(name="河北省公安厅")
    resource = Resource.objects.create(code=RESOURCE_CODE, provider=provider,
                                       status=Resource.Status.PUBLISHED,
                                       first_published_at=clock.now())
    version = ResourceVersion.objects.create(
        resource=resource, number=1, status=ResourceVersion.Status.PUBLISHED,
        name="人口基本信息", summary="全省户籍人口的基本信息（演示数据）。",
        classification=classification, share_type=ShareType.CONDITIONAL,
        share_conditions="用于社会救助对象身份核验。",
        share_modes=[ShareMode.API, ShareMode.TABLE], update_cycle=UpdateCycle.DAILY,
        contact="公安厅人口管理处 0311-00000000", published_at=clock.now(),
    )
    for position, (identifier, name, data_type, is_key, _column) in enumerate(POPULATION_ITEMS):
        DataItem.objects.create(version=version, position=position, identifier=identifier,
                                name=name, data_type=data_type, is_key=is_key)
    resource.published_version = version
    resource.save(update_fields=["published_version"])
    return resource


def node_config_text(platform: str, business_db: Path, *, batch_rows: int = 50_000) -> str:
    columns = "\n".join(f'{column} = "{identifier}"'
                        for identifier, _n, _t, _k, column in POPULATION_ITEMS)
    return f'''# 公安厅 exchange node: push the population register to the platform.
platform = "{platform}"
key_file = "node.key"
state_file = "state/node-state.json"
batch_rows = {batch_rows}

[[push]]
resource = "{RESOURCE_CODE}"
source = "sqlite:///{business_db}"
table = "people"
key = ["sfzh"]
mode = "full"
[push.columns]
{columns}
'''


def write_provider(directory: Path, platform: str, rows: int, *, batch_rows: int = 50_000):
    """The business database and the node's config file in `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    business_db = directory / "gat-population.sqlite3"
    population.write_database(business_db, rows)
    config = directory / "gat-node.toml"
    config.write_text(node_config_text(platform, business_db.resolve(), batch_rows=batch_rows))
    return business_db, config


GRANTED_ITEMS = ["id_number", "name", "sex", "birth_date", "region_code", "household_size"]


@transaction.atomic
def relief_application_grant(items=GRANTED_ITEMS, *, row_filter=None, daily_quota=None,
                             resource=None, purpose="社会救助对象身份核验"):
    """民政厅's 社会救助系统 with a credential and an active grant on the population resource (or
    `resource`), as the sharing workflow leaves it once the operator has implemented it;
    (application, grant, bearer token)."""
    from datetime import timedelta

    from govshare.orgs import services as org_services
    from govshare.orgs.models import Application, User
    from govshare.sharing.models import Grant, ShareRequest

    resource = resource or population_resource()
    consumer = Organization.objects.get(name="河北省民政厅")
    application, _ = Application.objects.get_or_create(
        organization=consumer, name="社会救助系统",
        defaults={"description": "最低生活保障、特困供养审核", "contact": "民政厅救助处"})
    officer = User.objects.get(username="mzt_officer")
    _credential, token = org_services.credential_issue(officer, application)
    existing = Grant.objects.filter(application=application, resource=resource,
                                    state=Grant.State.ACTIVE).first()
    if existing is not None:
        return application, existing, token
    until = clock.today() + timedelta(days=365)
    request = ShareRequest.objects.create(
        consumer=consumer, application=application, resource=resource,
        resource_version=resource.published_version, share_type=ShareType.CONDITIONAL,
        items=list(items), row_filter=row_filter or {}, purpose=purpose,
        duty="最低生活保障审核（《社会救助暂行办法》）", requested_until=until,
        coordinating_region=resource.provider.region, state=ShareRequest.State.GRANTED,
        requested_by=officer)
    grant = Grant.objects.create(
        application=application, resource=resource, share_request=request, items=list(items),
        row_filter=row_filter or {}, daily_quota=daily_quota, state=Grant.State.ACTIVE,
        valid_from=clock.today(), valid_until=until, activated_at=clock.now())
    return application, grant, token


def consumer_config_text(platform: str, token: str, frontdb: Path) -> str:
    return f'''# 民政厅 exchange node: pull the granted population items into its front-end DB.
platform = "{platform}"
key_file = "mzt-node.key"
state_file = "mzt-state/node-state.json"

[[pull]]
resource = "{RESOURCE_CODE}"
token = "{token}"
target = "sqlite:///{frontdb}"
table = "population"
'''
