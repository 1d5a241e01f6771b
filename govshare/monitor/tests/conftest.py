"""Consuming applications reading 公安厅's population register through the real gateway, so the
access records monitoring reads are the ones the gateway writes."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pyarrow as pa
import pytest
import time_machine
from django.test import Client

from govshare.exchange.models import Record
from govshare.exchange.tests.factories import (
    application_with_token,
    grant_for,
    published_resource,
)
from govshare.orgs.models import Organization

ITEMS = ["id_number", "name", "region_code"]


def person_key(n: int) -> str:
    return f"1301021990{n:08d}"


@dataclass
class Consumer:
    """An application with a grant on the register, calling it as its own system would."""

    application: object
    token: str
    resource: object

    def lookup(self, keys, *, address="10.20.30.40", at=None):
        client = Client(headers={"Authorization": f"Bearer {self.token}"},
                        REMOTE_ADDR=address)
        query = "&".join(f"key={k}" for k in keys)
        path = f"/api/v1/data/{self.resource.code}/records?{query}"
        if at is None:
            return client.get(path)
        with time_machine.travel(at, tick=False):
            return client.get(path)


@pytest.fixture
def register(demo):
    """公安厅's published population register, with 2,000 people in the record store."""
    resource = published_resource(Organization.objects.get(name="河北省公安厅"))
    Record.objects.bulk_create(
        Record(resource=resource, key=person_key(n), seq=n + 1,
               payload={"id_number": person_key(n), "name": f"居民{n}", "region_code": "130102",
                        "birth_date": "1990-01-01", "address": "长安区", "household_size": 3})
        for n in range(2000))
    return resource


@pytest.fixture
def consumer(register):
    """consumer("河北省民政厅", "社会救助系统"): a new application with an active grant."""

    def make(organization_name, name):
        application, token = application_with_token(organization_name, name)
        grant_for(application, register, ITEMS)
        return Consumer(application, token, register)

    return make


SHANGHAI = ZoneInfo("Asia/Shanghai")
MARCH = datetime(2026, 3, 10, 9, 30, tzinfo=SHANGHAI)


def _population_batch(rows):
    """An Arrow batch of the exchange demo's population items, as a node pushes it."""
    table = pa.table({
        "id_number": [person_key(n) for n in rows], "name": [f"居民{n}" for n in rows],
        "sex": ["男"] * len(rows),
        "birth_date": pa.array([date(1990, 1, 1)] * len(rows), pa.date32()),
        "region_code": ["130102"] * len(rows), "address": ["长安区"] * len(rows),
        "household_size": pa.array([3] * len(rows), pa.int64()),
        "updated_at": pa.array([MARCH.replace(tzinfo=None)] * len(rows), pa.timestamp("us")),
    })
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


@pytest.fixture
def world(demo, tmp_path, settings):
    """Hebei's demo, lived through March 2026: the catalog and the sharing demo (requests in
    every state, an objection), 公安厅's node pushing the population register, 民政厅's relief
    system reading it through the gateway (and being refused once), a request refused."""
    from govshare.catalog import demo as catalog_demo
    from govshare.exchange import demo as exchange_demo
    from govshare.exchange import services as exchange_services
    from govshare.exchange.tests.factories import registered_node
    from govshare.sharing import demo as sharing_demo

    settings.MEDIA_ROOT = tmp_path / "media"
    with time_machine.travel(MARCH, tick=False) as traveller:
        catalog_demo.load_demo()
        sharing_demo.load_demo()
        resource = exchange_demo.population_resource()
        node, _key = registered_node(tmp_path, "河北省公安厅")
        traveller.move_to(MARCH + timedelta(days=2))
        exchange_services.batch_ingest(node, resource, batch_id="march-0001",
                                       body=_population_batch(range(120)))
        application, _grant, token = exchange_demo.relief_application_grant()
        relief = Consumer(application, token, resource)
        for n in range(12):
            traveller.move_to(MARCH + timedelta(days=3, minutes=n))
            relief.lookup([person_key(n)])
        denied = Client(headers={"Authorization": f"Bearer {token}"}).get(
            f"/api/v1/data/{resource.code}/records?address=长安区")
        assert denied.status_code == 403
    return {"resource": resource, "application": application}
