"""The real node against a live platform: push from a provider's business database, pull into a
consumer's, and SIGKILL in the middle of each (R10, R12, R14)."""

import sqlite3

import pytest

from govshare.exchange.models import Batch, Record
from govshare.exchange.services import registration_code_issue
from govshare.node.signing import generate_key
from govshare.orgs.models import Organization, User

from .factories import application_with_token, grant_for, published_resource
from .nodes import kill_node_when, node_config, people, run_node, write_people

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def provider(demo, live_server, tmp_path):
    """The 公安厅's business database, a published resource, and its node, registered through
    the CLI with a one-time code and approved by the operator."""
    from govshare.exchange import services
    from govshare.exchange.models import Node

    gat = Organization.objects.get(name="河北省公安厅")
    resource = published_resource(gat)
    config = node_config(tmp_path, live_server.url, resource.code)
    operator = User.objects.get(username="operator")
    _code, text = registration_code_issue(operator, gat)
    result = run_node(config, "register", "--code", text, "--name", "公安厅前置机",
                      "--contact", "张工 0311-1234567")
    assert "pending" in result.stderr
    services.node_approve(operator, Node.objects.get())
    return resource, config, tmp_path


def _platform_rows(resource):
    return {r.key: r.payload for r in Record.objects.filter(resource=resource, deleted=False)}


def _expected(rows):
    return {r[0]: {"id_number": r[0], "name": r[1], "birth_date": r[2], "address": r[3],
                   "region_code": r[4], "household_size": r[5]} for r in rows}


def test_r10_node_pushes_a_business_table_and_then_only_its_changes(provider):
    resource, config, directory = provider
    rows = people(2500)
    write_people(directory / "business.sqlite3", rows)
    first = run_node(config, "push")
    assert "2500 rows in 3 batches" in first.stderr
    assert _platform_rows(resource) == _expected(rows)

    changed = rows[1:2000] + [rows[2000][:5] + (99,)] + rows[2001:] + people(1, start=5000)
    write_people(directory / "business.sqlite3", changed)
    second = run_node(config, "push")
    assert "3 rows in 1 batches" in second.stderr
    assert _platform_rows(resource) == _expected(changed)
    assert Record.objects.get(resource=resource, key=rows[0][0]).deleted

    assert "0 rows in 0 batches" in run_node(config, "push").stderr
    status = run_node(config, "status").stdout
    assert resource.code in status and "2500 rows held" in status


def test_r12_a_push_killed_midway_and_rerun_loses_and_doubles_nothing(provider):
    resource, config, directory = provider
    rows = people(20000)
    write_people(directory / "business.sqlite3", rows)
    node_config(directory, config.read_text().split('"')[1], resource.code, batch_rows=500)
    code = kill_node_when(config, ["push"], lambda: Batch.objects.count() >= 5)
    assert code == -9
    assert 0 < Record.objects.count() < len(rows)
    run_node(config, "push")
    assert _platform_rows(resource) == _expected(rows)
    assert Record.objects.filter(resource=resource).count() == len(rows)
    sequences = list(Record.objects.values_list("seq", flat=True))
    assert len(set(sequences)) == len(sequences)


GRANTED = ["id_number", "name", "birth_date", "region_code"]


@pytest.fixture
def consumer(provider):
    """民政厅's application with a grant on the population resource, and its node's config for
    pulling into its own front-end database."""
    resource, config, directory = provider
    application, token = application_with_token("河北省民政厅")
    grant_for(application, resource, GRANTED)
    consumer_dir = directory / "mzt"
    consumer_dir.mkdir()
    key = consumer_dir / "node.key"
    generate_key(key)
    target = f"sqlite:///{consumer_dir / 'frontdb.sqlite3'}"
    pull_config = node_config(consumer_dir, config.read_text().split('"')[1], resource.code,
                              pull_token=token, pull_target=target)
    return pull_config, consumer_dir / "frontdb.sqlite3"


def _consumer_rows(path):
    db = sqlite3.connect(path)
    rows = db.execute("SELECT id_number, name, birth_date, region_code FROM population "
                      "ORDER BY id_number").fetchall()
    columns = [r[1] for r in db.execute("PRAGMA table_info(population)")]
    db.close()
    return rows, columns


def _provider_rows(path):
    db = sqlite3.connect(path)
    rows = db.execute("SELECT sfzh, xm, csrq, hjdq FROM people ORDER BY sfzh").fetchall()
    db.close()
    return rows


def test_r14_pull_applies_the_grant_to_the_consumer_database(provider, consumer):
    _resource, config, directory = provider
    pull_config, frontdb = consumer
    rows = people(1200)
    write_people(directory / "business.sqlite3", rows)
    run_node(config, "push")
    run_node(pull_config, "pull")
    pulled, columns = _consumer_rows(frontdb)
    assert columns == GRANTED
    assert pulled == _provider_rows(directory / "business.sqlite3")

    write_people(directory / "business.sqlite3", rows[5:] + [rows[0][:1] + ("改名",)
                                                            + rows[0][2:]])
    run_node(config, "push")
    run_node(pull_config, "pull")
    assert _consumer_rows(frontdb)[0] == _provider_rows(directory / "business.sqlite3")


def test_r12_a_pull_killed_midway_and_rerun_loses_and_doubles_nothing(provider, consumer):
    _resource, config, directory = provider
    pull_config, frontdb = consumer
    write_people(directory / "business.sqlite3", people(30000))
    run_node(config, "push")

    def applied_some():
        if not frontdb.exists():
            return False
        try:
            db = sqlite3.connect(frontdb, timeout=0.01)
            count = db.execute("SELECT count(*) FROM population").fetchone()[0]
            db.close()
        except sqlite3.OperationalError:
            return False
        return count >= 5000

    assert kill_node_when(pull_config, ["pull"], applied_some) == -9
    assert 0 < len(_consumer_rows(frontdb)[0]) < 30000
    run_node(pull_config, "pull")
    pulled = _consumer_rows(frontdb)[0]
    assert pulled == _provider_rows(directory / "business.sqlite3")
    assert len(set(pulled)) == len(pulled) == 30000


def test_r14_the_delta_sharing_client_reads_the_same_grant(provider, consumer, login, tmp_path,
                                                           live_server):
    import json

    import delta_sharing

    from govshare.orgs.models import Application

    resource, config, directory = provider
    rows = people(3000)
    write_people(directory / "business.sqlite3", rows)
    run_node(config, "push")
    application = Application.objects.get(name="社会救助系统")
    response = login("mzt_officer").post(
        f"/exchange/applications/{application.pk}/delta-sharing-profile/")
    assert response.status_code == 200
    downloaded = json.loads(response.content)
    assert downloaded["bearerToken"].startswith("gs_")
    # The test client is not the live server: point the profile at the latter.
    downloaded["endpoint"] = downloaded["endpoint"].replace("http://testserver",
                                                            live_server.url)
    profile = tmp_path / "mzt.share"
    profile.write_text(json.dumps(downloaded))

    client = delta_sharing.SharingClient(str(profile))
    (table,) = client.list_all_tables()
    assert (table.share, table.schema, table.name) == (f"app-{application.pk}", "gat",
                                                       resource.code)
    frame = delta_sharing.load_as_pandas(f"{profile}#{table.share}.{table.schema}.{table.name}")
    assert list(frame.columns) == GRANTED
    got = sorted((r.id_number, r.name, r.birth_date.isoformat(), r.region_code)
                 for r in frame.itertuples())
    assert got == _provider_rows(directory / "business.sqlite3")


def test_r10_the_node_uploads_a_file_version(provider, tmp_path):
    from govshare.catalog.models import ResourceVersion
    from govshare.exchange.models import FileVersion

    resource, config, _directory = provider
    ResourceVersion.objects.filter(pk=resource.published_version_id).update(
        share_modes=["api", "table", "file"])
    report = tmp_path / "人口年报2025.csv"
    report.write_text("year,count\n2025,74000000\n", encoding="utf-8")
    result = run_node(config, "upload", resource.code, str(report))
    assert "version 1" in result.stderr
    version = FileVersion.objects.get()
    assert version.name == "人口年报2025.csv" and version.size == report.stat().st_size
