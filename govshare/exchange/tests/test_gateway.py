"""The data gateway and the change feed: exactly what the grant allows, nothing else (R14, R15,
R17)."""

import datetime

import pyarrow as pa
import pyarrow.parquet
import pytest
import time_machine

from govshare.audit.models import AuditRecord
from govshare.exchange import services
from govshare.orgs.models import Organization
from govshare.sharing.models import Grant

from .factories import application_with_token, grant_for, published_resource, registered_node

pytestmark = pytest.mark.django_db

PEOPLE = [
    ("130102199001011234", "张三", datetime.date(1990, 1, 1), "长安区", "130102", 3),
    ("130104199202022345", "李四", datetime.date(1992, 2, 2), "桥西区", "130104", 2),
    ("130102199303033456", "王五", datetime.date(1993, 3, 3), "长安区", "130102", 5),
]
ITEMS = ["id_number", "name", "region_code"]


def _ipc(rows, deleted=None):
    table = pa.table({
        "id_number": [r[0] for r in rows], "name": [r[1] for r in rows],
        "birth_date": pa.array([r[2] for r in rows], pa.date32()),
        "address": [r[3] for r in rows], "region_code": [r[4] for r in rows],
        "household_size": pa.array([r[5] for r in rows], pa.int64()),
        "_deleted": pa.array(deleted or [False] * len(rows)),
    })
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


@pytest.fixture
def setup(demo, tmp_path, bearer):
    resource = published_resource(Organization.objects.get(name="河北省公安厅"))
    node, _key = registered_node(tmp_path, "河北省公安厅")
    services.batch_ingest(node, resource, batch_id="seed-00001", body=_ipc(PEOPLE))
    application, token = application_with_token("河北省民政厅")
    return resource, node, application, bearer(token)


def _records(client, resource, query=""):
    return client.get(f"/api/v1/data/{resource.code}/records{query}")


def test_r14_lookup_by_key_returns_only_the_granted_items(setup):
    resource, _node, application, client = setup
    grant = grant_for(application, resource, ITEMS)
    response = _records(client, resource, "?key=130104199202022345")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["results"] == [{"id_number": "130104199202022345", "name": "李四",
                                "region_code": "130104"}]
    assert body["grant"] == grant.number
    assert "birth_date" not in response.content.decode()
    assert "桥西区" not in response.content.decode()


def test_r14_the_row_filter_hides_rows_even_asked_by_key(setup):
    resource, _node, application, client = setup
    grant_for(application, resource, ITEMS,
              row_filter={"item": "region_code", "op": "eq", "value": "130102"})
    everyone = _records(client, resource).json()["results"]
    assert sorted(r["name"] for r in everyone) == ["张三", "王五"]
    assert _records(client, resource, "?key=130104199202022345").json()["results"] == []


def test_r14_filters_and_pages(setup):
    resource, _node, application, client = setup
    grant_for(application, resource, ITEMS)
    page = _records(client, resource, "?region_code=130102&limit=1").json()
    assert len(page["results"]) == 1 and page["next"]
    rest = _records(client, resource, f"?region_code=130102&limit=1&after={page['next']}")
    assert [r["name"] for r in page["results"] + rest.json()["results"]] == ["张三", "王五"]


def test_r14_filtering_on_an_ungranted_item_is_refused(setup):
    resource, _node, application, client = setup
    grant_for(application, resource, ITEMS)
    response = _records(client, resource, "?address=长安区")
    assert response.status_code == 403 and "address" in response.json()["detail"]


def test_r14_masked_items_leave_de_identified(setup, person):
    resource, _node, application, client = setup
    grant = grant_for(application, resource, ITEMS)
    services.masking_set(person("gat_officer"), grant, {"id_number": "id_number",
                                                        "name": "name"})
    (row,) = _records(client, resource, "?region_code=130104").json()["results"]
    assert row == {"id_number": "130104********2345", "name": "李*", "region_code": "130104"}


def test_r14_no_grant_revoked_or_expired_is_403_with_the_reason(setup):
    resource, _node, application, client = setup
    response = _records(client, resource)
    assert response.status_code == 403 and "未获得" in response.json()["detail"]
    grant = grant_for(application, resource, ITEMS, state=Grant.State.REVOKED)
    assert "撤销" in _records(client, resource).json()["detail"]
    Grant.objects.filter(pk=grant.pk).update(state=Grant.State.ACTIVE,
                                             valid_until=datetime.date(2020, 1, 1))
    assert "过期" in _records(client, resource).json()["detail"]
    denied = AuditRecord.objects.filter(action="resource.access", outcome="denied")
    assert denied.count() == 3


def test_r15_a_person_cannot_read_data_with_a_login(setup, login):
    resource, _node, application, _client = setup
    grant_for(application, resource, ITEMS)
    response = login("mzt_officer").get(f"/api/v1/data/{resource.code}/records")
    assert response.status_code == 403


def test_r14_the_daily_quota_is_enforced_with_retry_after(setup):
    resource, _node, application, client = setup
    with time_machine.travel("2027-05-01 23:00 +08:00", tick=False):
        grant_for(application, resource, ITEMS, daily_quota=2)
        first = _records(client, resource)
        assert len(first.json()["results"]) == 2
        refused = _records(client, resource)
        assert refused.status_code == 429
        assert refused["Retry-After"] == "3600"
    with time_machine.travel("2027-05-02 08:00 +08:00", tick=False):
        assert _records(client, resource).status_code == 200


def test_r17_every_call_leaves_an_access_record(setup):
    resource, _node, application, client = setup
    grant = grant_for(application, resource, ITEMS)
    _records(client, resource, "?key=130102199001011234")
    record = AuditRecord.objects.filter(action="resource.access").get()
    assert record.actor_type == "application" and record.actor_id == str(application.pk)
    assert record.object_id == str(grant.pk)
    assert record.summary["keys"] == ["130102199001011234"]
    assert record.summary["rows"] == 1 and record.summary["latency_ms"] >= 0


def _feed(client, resource, cursor=0):
    response = client.get(f"/api/v1/data/{resource.code}/changes?cursor={cursor}")
    assert response.status_code == 200, response.content
    return (pa.ipc.open_stream(response.content).read_all(),
            int(response["Govshare-Next-Cursor"]))


def test_r14_the_change_feed_is_projected_to_the_grant(setup):
    resource, node, application, client = setup
    grant_for(application, resource, ITEMS,
              row_filter={"item": "region_code", "op": "eq", "value": "130102"})
    page, cursor = _feed(client, resource)
    assert page.column_names == ["id_number", "name", "region_code", "_seq", "_deleted"]
    assert page.schema.metadata[b"govshare.key"] == b'["id_number"]'
    rows = {r["id_number"]: r for r in page.to_pylist()}
    assert rows["130104199202022345"]["_deleted"] is True
    assert rows["130104199202022345"]["name"] is None
    assert rows["130102199001011234"]["name"] == "张三" and cursor == 3

    moved = [PEOPLE[0][:4] + ("130104",) + PEOPLE[0][5:]]
    services.batch_ingest(node, resource, batch_id="move-00001", body=_ipc(moved))
    page, cursor = _feed(client, resource, cursor)
    assert page.to_pylist() == [{"id_number": "130102199001011234", "name": None,
                                 "region_code": None, "_seq": 4, "_deleted": True}]
    assert _feed(client, resource, cursor)[0].num_rows == 0


def test_r14_the_feed_needs_the_key_unmasked(setup, person):
    resource, _node, application, client = setup
    grant = grant_for(application, resource, ITEMS)
    services.masking_set(person("gat_officer"), grant, {"id_number": "id_number"})
    response = client.get(f"/api/v1/data/{resource.code}/changes")
    assert response.status_code == 403 and "主键" in response.json()["detail"]


def test_r15_a_share_is_its_application_s_alone(setup, bearer):
    resource, _node, application, client = setup
    grant = grant_for(application, resource, ITEMS)
    _other, other_token = application_with_token("河北省公安厅", "治安管理系统")
    mine = client.get("/api/v1/delta-sharing/shares").json()["items"]
    assert mine == [{"name": f"app-{application.pk}", "id": f"app-{application.pk}"}]
    theirs = bearer(other_token)
    assert theirs.get(f"/api/v1/delta-sharing/shares/app-{application.pk}/all-tables"
                      ).status_code == 404
    tables = client.get(f"/api/v1/delta-sharing/shares/app-{application.pk}/all-tables").json()
    assert [t["name"] for t in tables["items"]] == [resource.code]
    Grant.objects.filter(pk=grant.pk).update(state=Grant.State.REVOKED)
    tables = client.get(f"/api/v1/delta-sharing/shares/app-{application.pk}/all-tables").json()
    assert tables["items"] == []


def test_r14_a_delta_file_link_dies_with_its_grant(setup, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    resource, _node, application, client = setup
    grant = grant_for(application, resource, ITEMS,
                      row_filter={"item": "region_code", "op": "eq", "value": "130102"})
    path = (f"/api/v1/delta-sharing/shares/app-{application.pk}/schemas/gat/tables/"
            f"{resource.code}/query")
    response = client.post(path, "{}", content_type="application/json")
    assert response.status_code == 200 and response["Delta-Table-Version"] == "3"
    import json

    lines = [json.loads(line) for line in response.content.decode().splitlines()]
    schema = json.loads(lines[1]["metaData"]["schemaString"])
    assert [f["name"] for f in schema["fields"]] == ITEMS
    link = lines[2]["file"]["url"].replace("http://testserver", "")
    head = client.head(link)
    assert head.status_code == 200 and head["Accept-Ranges"] == "bytes"
    assert int(head["Content-Length"]) == lines[2]["file"]["size"]
    part = client.get(link, headers={"Range": "bytes=0-3"})
    assert part.status_code == 206 and part.content == b"PAR1"
    assert part["Content-Range"] == f"bytes 0-3/{lines[2]['file']['size']}"
    table = pa.parquet.read_table(pa.BufferReader(b"".join(client.get(link).streaming_content)))
    assert sorted(table.column("name").to_pylist()) == ["张三", "王五"]
    Grant.objects.filter(pk=grant.pk).update(state=Grant.State.REVOKED)
    assert client.get(link).status_code == 404
