"""The province's and the city's platforms as two processes on loopback, each with its own
database (R7, R8): registration approved on both sides, the city's catalog harvested into the
province's (publications and withdrawals), a harvest killed midway and resumed, the province's
catalog searched from the city."""

import os
import signal
import time

import httpx
import pytest

from . import platforms as p

pytestmark = pytest.mark.skipif(os.environ.get("GOVSHARE_SKIP_PLATFORM_TESTS") == "1",
                                reason="GOVSHARE_SKIP_PLATFORM_TESTS=1")


@pytest.fixture(scope="module")
def federated(tmp_path_factory):
    """The province (root 130000) and Shijiazhuang (root 130100), registered with each other
    and approved by both operators."""
    directory = tmp_path_factory.mktemp("federation")
    template = p.migrate_template(directory)
    province = p.Platform(directory, "province", root="130000",
                          title="河北省政务信息资源共享平台", sharing_auto_activate=1)
    city = p.Platform(directory, "city", root="130100",
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
    on_city, on_province = city.call("audit_actions"), province.call("audit_actions")
    assert "catalog_feed.read" in on_city and "peer.register" in on_city
    assert on_province.count("resource.harvest") == 3 and "peer.enrol" in on_province


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
    assert "peer_catalog.search" in city.call("audit_actions")


def test_r8_a_city_department_is_granted_a_province_resource_and_reads_it_relayed(federated):
    province, city = federated
    code = province.call("publish_held_resource")
    (peer_id,) = city.database.query("SELECT id FROM federation_peer")[0]
    remote = city.call("request_remote", peer_id=peer_id, code=code)
    assert remote["state"] == "consulting"
    # The consultation runs on the provider's platform, by its own people.
    agreed = province.call("agree_relayed", remote_id=remote["remote_id"])
    assert agreed["grant"] == "active"
    assert agreed["consumer"] == "石家庄市民政局" and "石家庄市" in agreed["filed_by"]
    assert city.call("refresh_remote", request_id=remote["id"]) == "granted"

    token = city.call("requester_credential")
    url = f"{city.url}/api/v1/federation/remote-requests/{remote['id']}/records"
    answer = httpx.get(url, params={"key": "130102199001011234"},
                       headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert answer.status_code == 200, answer.text
    assert answer.json()["results"] == [{"sfzh": "130102199001011234", "xm": "张三"}]
    # Only what was granted: a third item is refused by the provider's platform.
    refused = httpx.get(url, params={"hjdz": "长安区"},
                        headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert refused.status_code == 403 and "河北省" in refused.json()["detail"]

    on_city, on_province = city.call("audit_actions"), province.call("audit_actions")
    assert {"remote_request.create", "remote_request.refresh",
            "relayed_lookup.make"} <= set(on_city)
    assert {"relayed_request.create", "share_request.file", "share_request.agree",
            "resource.access", "relayed_lookup.serve"} <= set(on_province)
