"""Consuming applications reading 公安厅's population register through the real gateway, so the
access records monitoring reads are the ones the gateway writes."""

from dataclasses import dataclass

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
