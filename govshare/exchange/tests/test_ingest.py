"""Nodes, signatures and ingestion on the platform (R9, R10, R12, R18)."""

import datetime

import pyarrow as pa
import pytest

from govshare.audit.models import AuditRecord
from govshare.exchange.models import Batch, Record, RecordStream
from govshare.node.protocol import DELETED_COLUMN

from .factories import SignedClient, published_resource, registered_node

pytestmark = pytest.mark.django_db


def _ipc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _people(n=3, start=0, **override):
    columns = {
        "id_number": pa.array([f"13010219900101{i:04d}" for i in range(start, start + n)]),
        "name": pa.array([f"人{i}" for i in range(start, start + n)]),
        "birth_date": pa.array([datetime.date(1990, 1, 1)] * n, pa.date32()),
        "address": pa.array(["石家庄市长安区"] * n),
        "region_code": pa.array(["130102"] * n),
        "household_size": pa.array([3] * n, pa.int64()),
    }
    columns.update(override)
    return pa.table(columns)


@pytest.fixture
def population(demo):
    from govshare.orgs.models import Organization

    return published_resource(Organization.objects.get(name="河北省公安厅"))


@pytest.fixture
def gat_node(population, tmp_path):
    return registered_node(tmp_path, "河北省公安厅")


def _push(client, resource, batch_id, table):
    return client.call("PUT", f"/api/v1/exchange/resources/{resource.code}/batches/{batch_id}",
                       _ipc(table), content_type="application/vnd.apache.arrow.stream")


def test_r12_an_approved_provider_node_pushes_and_records_get_sequences(population, gat_node):
    client = SignedClient(gat_node[1])
    response = _push(client, population, "batch-0001", _people(3))
    assert response.status_code == 200, response.content
    assert response.json() == {"batch_id": "batch-0001", "rows": 3, "first_seq": 1,
                               "last_seq": 3, "duplicate": False}
    record = Record.objects.get(resource=population, key="130102199001010001")
    assert record.payload == {"id_number": "130102199001010001", "name": "人1",
                              "birth_date": "1990-01-01", "address": "石家庄市长安区",
                              "region_code": "130102", "household_size": 3}
    assert record.seq == 2 and not record.deleted
    population.refresh_from_db()
    assert population.data_updated_at is not None
    # The staleness clock is the catalog's, set through its service (and audited there).
    marked = AuditRecord.objects.get(action="resource.mark_data_updated")
    assert marked.actor_type == "node" and marked.object_id == str(population.pk)
    audit = AuditRecord.objects.filter(action="batch.ingest").get()
    assert audit.actor_type == "node" and audit.summary["rows"] == 3

    deletion = _people(1, start=1, **{DELETED_COLUMN: pa.array([True])})
    assert _push(client, population, "batch-0002", deletion).json()["first_seq"] == 4
    record.refresh_from_db()
    assert record.deleted and record.seq == 4
    assert RecordStream.objects.get(resource=population).last_seq == 4


def test_r12_a_batch_in_several_record_batches_some_empty_is_stored_whole(population, gat_node):
    """An Arrow stream may carry any number of record batches, empty ones included; a column the
    platform derives then has other chunks than the rest, which Arrow's CSV writer (the COPY on
    PostgreSQL) once turned into garbage."""
    people = _people(4)
    empty = pa.RecordBatch.from_pylist([], schema=people.schema)
    table = pa.Table.from_batches([empty, *people.slice(0, 3).to_batches(), empty,
                                   *people.slice(3).to_batches()])
    assert table.column("name").num_chunks == 4
    response = _push(SignedClient(gat_node[1]), population, "batch-0001", table)
    assert response.status_code == 200, response.content
    stored = dict(Record.objects.filter(resource=population).values_list("key", "payload"))
    assert {key: payload["name"] for key, payload in stored.items()} == {
        f"13010219900101{i:04d}": f"人{i}" for i in range(4)}


def test_r12_a_repeated_batch_id_writes_nothing(population, gat_node):
    client = SignedClient(gat_node[1])
    _push(client, population, "batch-0001", _people(3))
    again = _push(client, population, "batch-0001", _people(3))
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert Record.objects.count() == 3 and Batch.objects.count() == 1
    assert RecordStream.objects.get(resource=population).last_seq == 3


def _nothing_written():
    return not Record.objects.exists() and not Batch.objects.exists()


def test_r18_an_unsigned_push_is_refused(population, gat_node):
    response = SignedClient(gat_node[1]).call(
        "PUT", f"/api/v1/exchange/resources/{population.code}/batches/batch-0001",
        _ipc(_people(1)), sign=False)
    assert response.status_code == 401
    assert "未签名" in response.json()["detail"]
    assert _nothing_written()


def test_r18_a_tampered_body_is_refused(population, gat_node):
    client = SignedClient(gat_node[1])
    path = f"/api/v1/exchange/resources/{population.code}/batches/batch-0001"
    import httpx

    request = httpx.Request("PUT", "http://testserver" + path, content=b"original")
    client.signer.sign(request, b"original")
    headers = {k: v for k, v in request.headers.items()
               if k in ("signature", "signature-input", "content-digest")}
    response = client.client.generic("PUT", path, data=_ipc(_people(1)), headers=headers)
    assert response.status_code == 401 and "签名无效" in response.json()["detail"]
    assert _nothing_written()


def test_r9_a_node_of_another_department_cannot_feed_the_resource(population, tmp_path):
    _node, key = registered_node(tmp_path, "河北省民政厅")
    response = _push(SignedClient(key), population, "batch-0001", _people(1))
    assert response.status_code == 403
    assert "batch.ingest" in response.json()["detail"]
    assert _nothing_written()


def test_r10_a_node_not_yet_approved_is_refused(population, tmp_path):
    _node, key = registered_node(tmp_path, "河北省公安厅", approve=False)
    response = _push(SignedClient(key), population, "batch-0001", _people(1))
    assert response.status_code == 403 and "尚未获" in response.json()["detail"]
    assert _nothing_written()


def test_r10_a_revoked_node_is_refused(population, gat_node, person):
    from govshare.exchange import services

    services.node_revoke(person("operator"), gat_node[0], reason="机器报废")
    response = _push(SignedClient(gat_node[1]), population, "batch-0001", _people(1))
    assert response.status_code == 403 and "吊销" in response.json()["detail"]
    assert _nothing_written()


@pytest.mark.parametrize(("table", "column", "words"), [
    (_people(2).drop_columns(["address"]), "address", "缺少信息项"),
    (_people(2).append_column("salary", pa.array([1, 2])), "salary", "未知的列"),
    (_people(2, household_size=pa.array(["三", "四"])), "household_size", "类型不符"),
    (_people(2, id_number=pa.array(["x", None])), "id_number", "主键"),
    (_people(2, id_number=pa.array(["x", "x"])), "id_number", "重复"),
])
def test_r12_a_batch_that_does_not_match_the_catalog_is_refused_naming_the_column(
        population, gat_node, table, column, words):
    response = _push(SignedClient(gat_node[1]), population, "batch-0001", table)
    assert response.status_code == 400
    assert column in response.json()["errors"]
    assert words in " ".join(response.json()["errors"][column])
    assert _nothing_written()


def test_r12_a_body_that_is_not_arrow_is_refused(population, gat_node):
    response = SignedClient(gat_node[1]).call(
        "PUT", f"/api/v1/exchange/resources/{population.code}/batches/batch-0001", b"garbage")
    assert response.status_code == 400 and "body" in response.json()["errors"]
    assert _nothing_written()
