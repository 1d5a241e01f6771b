"""The province's and the city's platforms as two processes on loopback, each with its own
database (R7, R8): registration approved on both sides, the city's catalog harvested into the
province's (publications and withdrawals), a harvest killed midway and resumed, the province's
catalog searched from the city."""

import os
import signal
import time

import pytest

from . import platforms as p

pytestmark = pytest.mark.skipif(os.environ.get("GOVSHARE_SKIP_PLATFORM_TESTS") == "1",
                                reason="GOVSHARE_SKIP_PLATFORM_TESTS=1")
PORTS = (18411, 18412)


@pytest.fixture(scope="module")
def federated(tmp_path_factory):
    """The province (root 130000) and Shijiazhuang (root 130100), registered with each other
    and approved by both operators."""
    directory = tmp_path_factory.mktemp("federation")
    template = p.migrate_template(directory)
    province = p.Platform(directory, "province", root="130000", port=PORTS[0],
                          title="河北省政务信息资源共享平台")
    city = p.Platform(directory, "city", root="130100", port=PORTS[1],
                      title="石家庄市政务信息资源共享平台")
    try:
        for migrating in [province.start_migrate(template), city.start_migrate(template)]:
            assert migrating.wait() == 0, migrating.stderr.read()
        province.call("setup_installation")
        city.call("setup_installation")
        province.start()
        city.start()
        city.run("federation", "register", province.url, "--operator", p.OPERATOR)
        assert province.call("approve_peers") == ["石家庄市政务信息资源共享平台"]
        assert city.call("approve_peers") == ["河北省政务信息资源共享平台"]
        yield province, city
    finally:
        p.stop_all(province, city)
        for platform in (template, province.database, city.database):
            platform.drop()


def _harvested(province):
    return province.database.query(
        "SELECT r.code, r.status FROM catalog_resource r JOIN federation_harvestedresource h "
        "ON h.resource_id = r.id ORDER BY r.code")


def test_r7_published_city_resource_reaches_the_province_and_a_withdrawal_leaves(federated):
    province, city = federated
    kept, withdrawn = city.call("publish_resources", count=2, prefix="低保对象")
    out = province.run("federation", "harvest")
    assert "2 applied" in out
    assert set(province.call("catalog", query="低保对象")) >= {kept, withdrawn}

    city.call("withdraw_resource", code=withdrawn)
    assert "1 withdrawn" in province.run("federation", "harvest")
    found = province.call("catalog", query="低保对象")
    assert kept in found and withdrawn not in found
    assert dict(_harvested(province))[withdrawn] == "withdrawn"
    # Harvesting again changes nothing: the cursor is where the last run stopped.
    assert "0 applied, 0 withdrawn" in province.run("federation", "harvest")

    # Audited on both sides: the city served its feed to the province, the province recorded
    # each harvested change.
    assert "catalog_feed.read" in city.call("audit_actions", prefix="catalog_feed")
    assert province.call("audit_actions", prefix="resource.harvest").count(
        "resource.harvest") == 3
    assert "peer.enrol" in province.call("audit_actions", prefix="peer")
    assert "peer.register" in city.call("audit_actions", prefix="peer")


def test_r7_a_harvest_killed_midway_resumes_without_duplicates_or_gaps(federated):
    province, city = federated
    codes = city.call("publish_resources", count=40, prefix="拆分批次")
    (cursor_before,) = province.database.query("SELECT harvest_cursor FROM federation_peer")[0]
    harvest = province.popen("federation", "harvest", "--page-size", "1")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        (cursor,) = province.database.query("SELECT harvest_cursor FROM federation_peer")[0]
        if cursor > cursor_before:
            break
        time.sleep(0.02)
    os.killpg(harvest.pid, signal.SIGKILL)
    harvest.wait()
    province.kill()
    partial = [code for code, _status in _harvested(province) if code in codes]
    # Killed in the middle: some changes were applied, not all.
    assert 0 < len(partial) < len(codes)

    province.start()
    province.run("federation", "harvest")
    rows = [code for code, _status in _harvested(province) if code in codes]
    assert rows == sorted(codes)
    (duplicates,) = province.database.query(
        "SELECT COUNT(*) - COUNT(DISTINCT code) FROM catalog_resource")[0]
    assert duplicates == 0
    (versions,) = province.database.query(
        "SELECT COUNT(*) FROM catalog_resourceversion v JOIN federation_harvestedresource h "
        "ON h.resource_id = v.resource_id")[0]
    # One version per harvested resource: no change was applied twice.
    assert versions == len(_harvested(province))


def test_r7_the_province_catalog_is_searched_from_the_city(federated):
    province, city = federated
    (peer_id,) = city.database.query("SELECT id FROM federation_peer")[0]
    found = city.call("search_peer", peer_id=peer_id, query="低保对象")
    assert found["total"] >= 1
    assert all(hit["code"] for hit in found["hits"])
    assert "peer_catalog.search" in city.call("audit_actions", prefix="peer_catalog")
