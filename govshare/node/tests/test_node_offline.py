"""The node's parts without a platform: config, state file, extraction, shadow diff, sink,
signing, and the client's retry rules (R10, R12)."""

import datetime
import os
import sqlite3
import subprocess
import sys
import uuid
from dataclasses import replace

import httpx
import pyarrow as pa
import pytest
import sqlalchemy as sa
from http_message_signatures import HTTPMessageVerifier, HTTPSignatureKeyResolver, algorithms

from govshare.node.client import PlatformClient, PlatformError
from govshare.node.config import ConfigError, load_config
from govshare.node.protocol import DELETED_COLUMN, DataItemSpec, ResourceSchema, record_key
from govshare.node.signing import COVERED_COMPONENTS, RequestSigner, generate_key, load_key
from govshare.node.sink import KEY_METADATA, Sink
from govshare.node.source import Shadow, Source, SourceError
from govshare.node.state import NodeState

SCHEMA = ResourceSchema("R1", "人口", 1, (
    DataItemSpec("id_number", "身份证号", "string", "string", True),
    DataItemSpec("name", "姓名", "string", "string", False),
    DataItemSpec("born", "出生日期", "date", "date32", False),
    DataItemSpec("version", "版本", "integer", "int64", False),
))


def _business_db(path, rows):
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE IF NOT EXISTS people (sfzh TEXT PRIMARY KEY, xm TEXT, csrq DATE, "
               "ver INTEGER)")
    db.execute("DELETE FROM people")
    db.executemany("INSERT INTO people VALUES (?, ?, ?, ?)", rows)
    db.commit()
    db.close()


def _config(tmp_path, mode="full", extra=""):
    text = f'''
platform = "http://platform.invalid"
batch_rows = 2
[[push]]
resource = "R1"
source = "sqlite:///{tmp_path / 'biz.sqlite3'}"
table = "people"
key = ["sfzh"]
mode = "{mode}"
{extra}
[push.columns]
sfzh = "id_number"
xm = "name"
csrq = "born"
ver = "version"
'''
    (tmp_path / "node.toml").write_text(text)
    return load_config(tmp_path / "node.toml")


ROWS = [("130102199001011234", "张三", "1990-01-01", 1),
        ("130102199202022345", "李四", "1992-02-02", 1),
        ("130102199303033456", "王五", "1993-03-03", 1)]


def test_r10_config_errors_name_the_setting(tmp_path):
    (tmp_path / "bad.toml").write_text(
        'platform = "x"\n[[push]]\nresource = "R"\ntable = "t"\nkey = "k"\n')
    with pytest.raises(ConfigError, match="source"):
        load_config(tmp_path / "bad.toml")
    (tmp_path / "inc.toml").write_text(
        'platform = "x"\n[[push]]\nresource = "R"\nsource = "sqlite://"\ntable = "t"\n'
        'key = "id"\nmode = "incremental"\n')
    with pytest.raises(ConfigError, match="increasing_column"):
        load_config(tmp_path / "inc.toml")


def test_r12_state_file_is_replaced_whole(tmp_path):
    state = NodeState(tmp_path / "state.json")
    state.push("R1")["cursor"] = 5
    state.save()
    assert NodeState(tmp_path / "state.json").push("R1")["cursor"] == 5
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_r12_full_mode_sends_only_changes_and_finds_deletions(tmp_path):
    _business_db(tmp_path / "biz.sqlite3", ROWS)
    config = _config(tmp_path)
    job = config.push[0]
    shadow = Shadow(tmp_path / "shadow.sqlite3")
    batches = list(shadow.diff(Source(job, SCHEMA), config.batch_rows))
    assert [len(b) for b in batches] == [2, 1]
    first = batches[0].to_arrow()
    assert first.column_names == ["id_number", "name", "born", "version", DELETED_COLUMN]
    assert first.schema.field("born").type == pa.date32()
    for batch in batches:
        shadow.commit(batch)
    assert list(shadow.diff(Source(job, SCHEMA), config.batch_rows)) == []

    _business_db(tmp_path / "biz.sqlite3", [ROWS[0], ("130102199202022345", "李四", "1992-02-02",
                                                      2)])
    (change, deletion) = [b.to_arrow().to_pylist() for b in
                          shadow.diff(Source(job, SCHEMA), 1)]
    assert change[0]["version"] == 2 and change[0][DELETED_COLUMN] is False
    assert deletion == [{"id_number": "130102199303033456", "name": None, "born": None,
                         "version": None, DELETED_COLUMN: True}]


def test_r12_batch_ids_repeat_for_the_same_step_and_differ_for_a_later_one(tmp_path):
    _business_db(tmp_path / "biz.sqlite3", ROWS[:1])
    config = _config(tmp_path)
    shadow = Shadow(tmp_path / "shadow.sqlite3")
    (first,) = shadow.diff(Source(config.push[0], SCHEMA), 10)
    (again,) = shadow.diff(Source(config.push[0], SCHEMA), 10)
    ipc = b"same bytes"
    assert first.batch_id("R1", ipc) == again.batch_id("R1", ipc)
    shadow.commit(first)
    _business_db(tmp_path / "biz.sqlite3", [ROWS[0][:3] + (9,)])
    (changed,) = shadow.diff(Source(config.push[0], SCHEMA), 10)
    shadow.commit(changed)
    _business_db(tmp_path / "biz.sqlite3", ROWS[:1])
    (back,) = shadow.diff(Source(config.push[0], SCHEMA), 10)
    assert back.batch_id("R1", ipc) != first.batch_id("R1", ipc)


def test_r12_incremental_batches_never_split_a_run_of_equal_cursor_values(tmp_path):
    db = sqlite3.connect(tmp_path / "biz.sqlite3")
    db.execute("CREATE TABLE people (sfzh TEXT, xm TEXT, csrq DATE, ver INTEGER)")
    db.executemany("INSERT INTO people VALUES (?, ?, ?, ?)",
                   [(f"k{i}", "x", "2000-01-01", v) for i, v in enumerate([1, 2, 2, 2, 3])])
    db.commit()
    config = _config(tmp_path, "incremental", 'increasing_column = "ver"')
    batches = list(Source(config.push[0], SCHEMA).incremental(2, None))
    assert [len(b) for b in batches] == [1, 3, 1]
    assert [b.cursor_after for b in batches] == [1, 2, 3]
    later = list(Source(config.push[0], SCHEMA).incremental(2, 2))
    assert [r for b in later for r in b.table.column("id_number").to_pylist()] == ["k4"]


def _page(rows, deleted):
    table = pa.table({
        "id_number": pa.array([r[0] for r in rows], pa.string()),
        "name": pa.array([r[1] for r in rows], pa.string()),
        "born": pa.array([r[2] for r in rows], pa.date32()),
        DELETED_COLUMN: pa.array(deleted, pa.bool_()),
        "_seq": pa.array(range(len(rows)), pa.int64()),
    })
    return table.replace_schema_metadata({KEY_METADATA: b'["id_number"]'})


def test_r12_sink_applies_pages_idempotently_with_the_cursor(tmp_path):
    url = f"sqlite:///{tmp_path / 'consumer.sqlite3'}"
    sink = Sink(url, "population", "R1")
    assert sink.cursor() == 0
    born = datetime.date(1990, 1, 1)
    page = _page([("a", "甲", born), ("b", "乙", born)], [False, False])
    sink.apply(page, 7)
    sink.apply(page, 7)
    sink.apply(_page([("a", None, None), ("c", "丙", born)], [True, False]), 9)
    rows = sqlite3.connect(tmp_path / "consumer.sqlite3").execute(
        "SELECT id_number, name, born FROM population ORDER BY id_number").fetchall()
    assert rows == [("b", "乙", "1990-01-01"), ("c", "丙", "1990-01-01")]
    assert Sink(url, "population", "R1").cursor() == 9


def test_r18_requests_are_signed_over_method_path_query_and_digest(tmp_path):
    key = generate_key(tmp_path / "node.key")
    assert (tmp_path / "node.key").stat().st_mode & 0o777 == 0o600
    assert load_key(tmp_path / "node.key").private_bytes_raw() == key.private_bytes_raw()
    signer = RequestSigner(key)
    request = httpx.Request("PUT", "http://p.invalid/api/v1/x?y=1", content=b"body")
    signer.sign(request, b"body")
    assert "content-digest" in request.headers["signature-input"]

    class Keys(HTTPSignatureKeyResolver):
        def resolve_public_key(self, key_id):
            assert key_id == signer.key_id
            return key.public_key()

    verifier = HTTPMessageVerifier(signature_algorithm=algorithms.ED25519, key_resolver=Keys())
    (result,) = verifier.verify(request, require_components=COVERED_COMPONENTS, body=b"body")
    assert result.parameters["keyid"] == signer.key_id
    with pytest.raises(Exception, match="digest|Digest"):
        verifier.verify(request, require_components=COVERED_COMPONENTS, body=b"other")


def _client(tmp_path, handler, sleeps):
    key = generate_key(tmp_path / "k.key")
    return PlatformClient("http://p.invalid", RequestSigner(key), max_retries=3,
                          transport=httpx.MockTransport(handler), sleep=sleeps.append)


def test_r12_client_retries_429_and_5xx_with_bounded_backoff(tmp_path):
    answers = iter([httpx.Response(503), httpx.Response(429, headers={"Retry-After": "2"}),
                    httpx.Response(200, json={"ok": 1})])
    sleeps = []
    client = _client(tmp_path, lambda request: next(answers), sleeps)
    assert client.request("GET", "/x").json() == {"ok": 1}
    assert sleeps == [0.5, 2.0]


def test_r12_client_does_not_retry_a_refusal_and_keeps_the_server_message(tmp_path):
    calls = []

    def handler(request):
        calls.append(request)
        return httpx.Response(403, json={"detail": "节点尚未获批准。"})

    client = _client(tmp_path, handler, [])
    with pytest.raises(PlatformError, match="节点尚未获批准") as error:
        client.request("GET", "/x")
    assert error.value.status == 403 and len(calls) == 1


def test_r12_client_gives_up_after_its_retries(tmp_path):
    sleeps = []
    client = _client(tmp_path, lambda request: httpx.Response(500, json={"detail": "boom"}),
                     sleeps)
    with pytest.raises(PlatformError, match="boom"):
        client.request("GET", "/x")
    assert sleeps == [0.5, 1.0, 2.0]


def test_r10_the_node_never_imports_django():
    code = ("import sys, govshare.node.cli, govshare.node.sync; "
            "sys.exit(1 if any(m.startswith('django') for m in sys.modules) else 0)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0  # noqa: S603


def test_r12_full_mode_keys_rows_by_every_key_column(tmp_path):
    _business_db(tmp_path / "biz.sqlite3", ROWS)
    config = _config(tmp_path)
    job = replace(config.push[0], key=("sfzh", "ver"))
    shadow = Shadow(tmp_path / "shadow.sqlite3")
    (batch,) = shadow.diff(Source(job, SCHEMA), 10)
    assert [key for key, _digest in batch.digests] == [
        record_key([row[0], row[3]]) for row in ROWS]
    shadow.commit(batch)
    _business_db(tmp_path / "biz.sqlite3", ROWS[1:])
    (deletion,) = shadow.diff(Source(job, SCHEMA), 10)
    assert deletion.deleted_keys == [("130102199001011234", "1")]
    assert deletion.to_arrow().to_pylist() == [{
        "id_number": "130102199001011234", "name": None, "born": None, "version": 1,
        DELETED_COLUMN: True}], "the key's text is sent in its item's type"


BUSINESS_POSTGRESQL = os.environ.get("GOVSHARE_NODE_TEST_SOURCE",
                                     "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def test_r10_a_postgresql_business_table_gives_the_same_batches_as_a_sqlite_one(tmp_path):
    """Sources other than SQLite are read through SQLAlchemy: typed columns (a real DATE, a
    NUMERIC) must come out as the same Arrow batch, digests included, as SQLite's text does."""
    table = f"people_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(BUSINESS_POSTGRESQL)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(f"CREATE TABLE {table} (sfzh text PRIMARY KEY, "
                                       "xm text, csrq date, ver numeric(6, 0))"))
            connection.execute(sa.text(f"INSERT INTO {table} VALUES (:s, :x, :c, :v)"),  # noqa: S608
                               [{"s": s, "x": x, "c": datetime.date.fromisoformat(c), "v": v}
                                for s, x, c, v in ROWS])
    except sa.exc.OperationalError as error:
        pytest.skip(f"no PostgreSQL at {BUSINESS_POSTGRESQL}: {error}")
    try:
        _business_db(tmp_path / "biz.sqlite3", ROWS)
        sqlite_job = _config(tmp_path).push[0]
        postgresql_job = replace(sqlite_job, source=BUSINESS_POSTGRESQL, table=table)
        (from_sqlite,) = Shadow(tmp_path / "a.sqlite3").diff(Source(sqlite_job, SCHEMA), 10)
        (from_postgresql,) = Shadow(tmp_path / "b.sqlite3").diff(
            Source(postgresql_job, SCHEMA), 10)
        assert from_postgresql.to_arrow().equals(from_sqlite.to_arrow())
        assert from_postgresql.digests == from_sqlite.digests
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text(f"DROP TABLE {table}"))
        engine.dispose()


def test_r10_a_business_table_that_cannot_be_read_is_a_clear_error(tmp_path):
    """SourceError is what `govshare-node` prints without a traceback (exit status 2)."""
    _business_db(tmp_path / "biz.sqlite3", ROWS)
    job = replace(_config(tmp_path).push[0], table="renamed_people")
    with pytest.raises(SourceError, match=r"\[\[push\]\] R1: .*table renamed_people.*no such "
                                          r"table: renamed_people"):
        list(Shadow(tmp_path / "shadow.sqlite3").diff(Source(job, SCHEMA), 10))
    postgresql_job = replace(job, source="postgresql+psycopg://nobody@127.0.0.1:1/none")
    with pytest.raises(SourceError, match=r"\[\[push\]\] R1: .*table renamed_people"):
        list(Source(postgresql_job, SCHEMA).incremental(10, None))
