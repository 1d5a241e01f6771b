"""Each exchange service, called once as the demo user (or the node) allowed to call it (see
audit/testing.py). A node is registered and approved through the services, so those steps are
declared among the actions of the cases that need one."""

import datetime

import pyarrow as pa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from govshare.audit.testing import AuditCase
from govshare.catalog.models import ShareMode
from govshare.exchange import services
from govshare.exchange.models import Node
from govshare.exchange.tests.factories import grant_for, published_resource
from govshare.node.signing import key_id_of, public_key_text
from govshare.orgs.models import Application, Organization

ISSUE, REGISTER, APPROVE = "registration_code.issue", "node.register", "node.approve"
DATA_UPDATED = "resource.mark_data_updated"


def _gat():
    return Organization.objects.get(name="河北省公安厅")


def _code(person):
    return services.registration_code_issue(person("gat_admin"), _gat())


def _registered(person):
    _code_row, text = _code(person)
    public = Ed25519PrivateKey.generate().public_key()
    return services.node_register(
        Node(key_id=key_id_of(public), public_key=public_key_text(public), name="公安厅前置机",
             contact="张工 0311-1234567"), code=text)


def _approved(person):
    return services.node_approve(person("operator"), _registered(person))


def _batch() -> bytes:
    table = pa.table({
        "id_number": ["130102199001010001", "130102199001010002"], "name": ["张三", "李四"],
        "birth_date": pa.array([datetime.date(1990, 1, 1)] * 2, pa.date32()),
        "address": ["石家庄市长安区", "石家庄市桥西区"], "region_code": ["130102", "130104"],
        "household_size": pa.array([3, 4], pa.int64())})
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _ingest(person):
    resource = published_resource(_gat())
    return services.batch_ingest(_approved(person), resource, batch_id="batch-0001",
                                 body=_batch())


def _grant():
    application = Application.objects.create(
        organization=Organization.objects.get(name="河北省民政厅"), name="社会救助系统")
    return grant_for(application, published_resource(_gat()), ["id_number", "name"])


CASES = [
    AuditCase("exchange.registration_code_issue", _code, (ISSUE,)),
    AuditCase("exchange.node_register", _registered, (ISSUE, REGISTER), ("user", "node")),
    AuditCase("exchange.node_approve", _approved, (ISSUE, REGISTER, APPROVE),
              ("user", "node", "user")),
    AuditCase("exchange.node_revoke", lambda person: services.node_revoke(
        person("gat_admin"), _approved(person), reason="前置机报废"),
        (ISSUE, REGISTER, APPROVE, "node.revoke"), ("user", "node", "user", "user")),
    AuditCase("exchange.batch_ingest", _ingest,
              (ISSUE, REGISTER, APPROVE, DATA_UPDATED, "batch.ingest"),
              ("user", "node", "user", "node", "node")),
    AuditCase("exchange.masking_set", lambda person: services.masking_set(
        person("gat_officer"), _grant(), {"id_number": "id_number", "name": "name"}),
        ("masking.set",)),
    AuditCase("exchange.file_upload", lambda person: services.file_upload(
        person("gat_staff"), published_resource(_gat(), share_modes=[ShareMode.FILE]),
        name="人口统计年报.csv", content="年份,人数\n2025,74610000\n".encode()),
        (DATA_UPDATED, "file.upload")),
]
