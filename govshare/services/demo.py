"""The services demo: 河北省市场监督管理局's 企业登记信息 resource shared by API, its company
lookup service registered from the provider's own OpenAPI document, and 民政厅's 社会救助系统
granted part of it (the legal representative's name masked). Seed data is written directly like
a fixture, as `exchange.demo` does; the service and its operations go through the services.
Idempotent.
"""

import json

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
from govshare.exchange import demo as exchange_demo
from govshare.exchange.models import Masking
from govshare.orgs.models import Organization, User

from . import provider, services

RESOURCE_CODE = "101000000-SCJGJ-0001"
PROVIDER = "河北省市场监督管理局"
# identifier, name, data type, key
COMPANY_ITEMS = [
    ("credit_code", "统一社会信用代码", "string", True),
    ("name", "企业名称", "string", False),
    ("legal_representative", "法定代表人", "string", False),
    ("registered_capital", "注册资本（万元）", "decimal", False),
    ("status", "登记状态", "string", False),
    ("established", "成立日期", "date", False),
    ("address", "住所", "string", False),
]
GRANTED_ITEMS = ["credit_code", "name", "legal_representative", "status"]
MASKS = {"legal_representative": "name"}


@transaction.atomic
def company_resource() -> Resource:
    """The published 企业登记信息 resource (created once)."""
    existing = Resource.objects.filter(code=RESOURCE_CODE).first()
    if existing:
        return existing
    classification, _ = Classification.objects.get_or_create(
        code="1", defaults={"name": "基础信息资源", "level": Classification.Level.CLASS})
    resource = Resource.objects.create(
        code=RESOURCE_CODE, provider=Organization.objects.get(name=PROVIDER),
        status=Resource.Status.PUBLISHED, first_published_at=clock.now())
    version = ResourceVersion.objects.create(
        resource=resource, number=1, status=ResourceVersion.Status.PUBLISHED,
        name="企业登记信息", summary="全省市场主体的登记信息（演示数据），以查询接口共享。",
        classification=classification, share_type=ShareType.CONDITIONAL,
        share_conditions="用于社会救助对象家庭经济状况核对。", share_modes=[ShareMode.API],
        update_cycle=UpdateCycle.REAL_TIME,
        contact="省市场监督管理局信息中心 0311-00000000", published_at=clock.now())
    for position, (identifier, name, data_type, is_key) in enumerate(COMPANY_ITEMS):
        DataItem.objects.create(version=version, position=position, identifier=identifier,
                                name=name, data_type=data_type, is_key=is_key)
    resource.published_version = version
    resource.save(update_fields=["published_version"])
    return resource


def register(base_url: str, *, timeout_seconds=5.0):
    """The service registered by the operator, its operations from the provider's document."""
    operator = User.objects.get(username="operator")
    endpoint = services.service_register(
        operator, company_resource(), base_url=base_url, timeout_seconds=timeout_seconds,
        credential_header="X-Api-Key", credential="scjgj-demo-key")
    services.service_operations_import(operator, endpoint,
                                       document=json.dumps(provider.OPENAPI).encode())
    return endpoint


@transaction.atomic
def relief_grant(items=GRANTED_ITEMS, masks=MASKS):
    """民政厅's 社会救助系统 with an active grant on the company resource, masked as `masks`
    says, as the sharing workflow leaves it once implemented; (application, grant, token)."""
    application, grant, token = exchange_demo.relief_application_grant(
        items, resource=company_resource(), purpose="社会救助对象家庭经济状况核对")
    if masks and not Masking.objects.filter(grant=grant).exists():
        Masking.objects.create(grant=grant, rules=dict(masks), updated_at=clock.now())
    return application, grant, token
