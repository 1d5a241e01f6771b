"""The services demo: 河北省市场监督管理局's 企业登记信息 resource shared by API, its company
lookup service registered from the provider's own OpenAPI document, and 民政厅's 社会救助系统
granted part of it (the legal representative's name masked). Seed data is written directly like
a fixture, as `exchange.demo` does; the service and its operations go through the services.
Idempotent.
"""

import json
from datetime import timedelta

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
from govshare.exchange.models import Masking
from govshare.orgs import services as org_services
from govshare.orgs.models import Application, Organization, User
from govshare.sharing.models import Grant, ShareRequest

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
    """民政厅's 社会救助系统 with an active grant on the company resource, as the sharing workflow
    leaves it once implemented; (application, grant, bearer token)."""
    resource = company_resource()
    consumer = Organization.objects.get(name="河北省民政厅")
    application, _ = Application.objects.get_or_create(
        organization=consumer, name="社会救助系统",
        defaults={"description": "最低生活保障、特困供养审核", "contact": "民政厅救助处"})
    officer = User.objects.get(username="mzt_officer")
    _credential, token = org_services.credential_issue(officer, application)
    grant = Grant.objects.filter(application=application, resource=resource,
                                 state=Grant.State.ACTIVE).first()
    if grant is None:
        until = clock.today() + timedelta(days=365)
        request = ShareRequest.objects.create(
            consumer=consumer, application=application, resource=resource,
            resource_version=resource.published_version, share_type=ShareType.CONDITIONAL,
            items=list(items), purpose="社会救助对象家庭经济状况核对",
            duty="最低生活保障审核（《社会救助暂行办法》）", requested_until=until,
            coordinating_region=resource.provider.region, state=ShareRequest.State.GRANTED,
            requested_by=officer)
        grant = Grant.objects.create(
            application=application, resource=resource, share_request=request,
            items=list(items), state=Grant.State.ACTIVE, valid_from=clock.today(),
            valid_until=until, activated_at=clock.now())
        if masks:
            Masking.objects.create(grant=grant, rules=dict(masks), updated_at=clock.now())
    return application, grant, token
