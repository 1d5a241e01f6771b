"""A county whose sharing work is in order, for the inspection tests to plant violations in.

正定县 (130123) of the demo has its authority (正定县数据和政务服务局, reviewer `zd_reviewer`)
and two departments. Here each department publishes a conditional resource on 1 March 2026,
holds data for it, updated the day before the inspection, and runs an approved exchange
node; 公安局 refused one request of 民政局 in May, citing a law. The inspections run on 20 May
2026 (period 2026-Q2), so nothing in the county violates article 22 — until a test changes
something.
"""

import datetime
import zoneinfo
from dataclasses import dataclass

import pytest
import time_machine

from govshare.catalog.models import Resource
from govshare.exchange.models import Node, Record
from govshare.orgs.models import Application, Organization, Region, Role, RoleAssignment, User
from govshare.sharing import services as sharing
from govshare.sharing.tests.conftest import make_resource

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
COMPILED = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=SHANGHAI)
INSPECTED = datetime.datetime(2026, 5, 20, 10, 0, tzinfo=SHANGHAI)
PERIOD = "2026-Q2"


@dataclass
class County:
    region: Region
    police: Organization
    civil: Organization
    authority: Organization
    police_resource: Resource
    civil_resource: Resource
    police_officer: User
    civil_officer: User
    civil_application: Application


def officer(organization, username, *roles):
    user = User.objects.create(username=username, display_name=username,
                               organization=organization)
    for role in roles or (Role.SHARING_OFFICER,):
        RoleAssignment.objects.create(user=user, role=role, organization=organization)
    return user


def holds_data(resource, at):
    Record.objects.get_or_create(resource=resource, key="1",
                                 defaults={"payload": {"id": "1"}, "seq": 1})
    Resource.objects.filter(pk=resource.pk).update(data_updated_at=at)


def approved_node(organization, name="前置机"):
    return Node.objects.create(organization=organization, name=name, contact="张工",
                               key_id=f"node-{organization.pk}-{name}", public_key="-",
                               state=Node.State.APPROVED)


@pytest.fixture
def at_inspection():
    """Run the test body on the inspection day (the clock still moves)."""
    with time_machine.travel(INSPECTED, tick=True) as traveller:
        yield traveller


@pytest.fixture
def county(demo):
    with time_machine.travel(COMPILED, tick=False):
        police = Organization.objects.get(name="正定县公安局")
        civil = Organization.objects.get(name="正定县民政局")
        police_officer = officer(police, "zd_gaj_officer", Role.SHARING_OFFICER,
                                 Role.DEPT_ADMIN)
        civil_officer = officer(civil, "zd_mzj_officer", Role.SHARING_OFFICER, Role.DEPT_STAFF)
        police_resource = make_resource(police, code="101000000-ZDGAJ-0001",
                                        name="正定县户籍人口信息")
        civil_resource = make_resource(civil, code="101000000-ZDMZJ-0001",
                                       name="正定县低保对象信息")
        for organization in (police, civil):
            approved_node(organization)
        application = Application.objects.create(organization=civil, name="社会救助系统")
    with time_machine.travel(INSPECTED - datetime.timedelta(days=5), tick=False):
        request = sharing.share_request_file(
            civil_officer, application=application, resource=police_resource,
            items=["id_number", "name"], purpose="低保核查", duty="最低生活保障审核",
            requested_until=datetime.date(2027, 3, 1))
        sharing.share_request_refuse(
            police_officer, request, reasons="涉及未成年人信息",
            statutory_ground="《中华人民共和国未成年人保护法》第七十二条")
    for resource in (police_resource, civil_resource):
        holds_data(resource, INSPECTED - datetime.timedelta(days=1))
    return County(Region.objects.get(code="130123"), police, civil,
                  Organization.objects.get(name="正定县数据和政务服务局"),
                  Resource.objects.get(pk=police_resource.pk),
                  Resource.objects.get(pk=civil_resource.pk), police_officer, civil_officer,
                  application)
