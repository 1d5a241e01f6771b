"""`govshare serve` as deployed: a real server on loopback, as in the federation tests
(`platforms.py`). It books the periodic tasks and runs a task worker for them, and chains data
accesses in a sealing process of its own beside the workers; both end with the server however
the server ends (R17, R18)."""

import os
import signal
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from govshare.federation.tests import platforms as p

pytestmark = pytest.mark.skipif(os.environ.get("GOVSHARE_SKIP_PLATFORM_TESTS") == "1",
                                reason="GOVSHARE_SKIP_PLATFORM_TESTS=1")


def _children(pid: int) -> dict[int, str]:
    """Live child processes of `pid`: {pid: command line}."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue  # exited while we looked
        state, parent = fields[0], int(fields[1])
        if parent == pid and state != "Z":
            found[int(stat.parent.name)] = command
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _within(seconds, condition):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    directory = tmp_path_factory.mktemp("serve")
    template = p.migrate_template(directory)
    yield directory, template
    template.drop()


@contextmanager
def serving(template, name, *options):
    directory, migrated = template
    platform = p.Platform(directory, name, root="130000",
                          title="河北省政务信息资源共享平台", audit_seal_seconds=0.2)
    try:
        assert platform.start_migrate(migrated).wait() == 0
        platform.start(*options)
        yield platform
    finally:
        if platform.server is not None:
            os.killpg(platform.server.pid, signal.SIGKILL)
            platform.server.wait()
        platform.database.drop()


@pytest.fixture(scope="module")
def served(template):
    with serving(template, "served") as platform:
        yield platform


def _companions(platform, command):
    return [pid for pid, line in _children(platform.server.pid).items() if command in line]


def _tasks(platform, status):
    return {path for (path,) in platform.database.query(
        "SELECT task_path FROM django_tasks_database_dbtaskresult WHERE status = ?", (status,))}


def test_r18_serve_books_the_periodic_tasks_and_its_task_worker_runs_them(served):
    from govshare.audit.tasks import audit_checkpoint
    from govshare.federation.tasks import harvest_peers
    from govshare.monitor.tasks import detect_anomalies, make_monthly_reports, refresh_statistics
    from govshare.search.tasks import refresh_search_postings
    from govshare.sharing.tasks import sweep_deadlines
    from govshare.supervision.tasks import periodic_inspection

    booked = {t.module_path for t in (sweep_deadlines, audit_checkpoint, refresh_search_postings,
                                      detect_anomalies, refresh_statistics,
                                      make_monthly_reports, harvest_peers, periodic_inspection)}
    assert _within(20, lambda: booked <= _tasks(served, "READY") | _tasks(served, "SUCCESSFUL"))
    # The sweep, detection and statistics are booked to run at once; each run books the next.
    at_once = {t.module_path for t in (sweep_deadlines, detect_anomalies, refresh_statistics)}
    assert _within(30, lambda: at_once <= _tasks(served, "SUCCESSFUL"))
    assert _within(20, lambda: at_once <= _tasks(served, "READY"))


def test_r18_serve_seals_accesses_in_its_own_process_and_both_end_with_the_server(served):
    (sealing,) = _companions(served, "audit seal --follow")
    pending = served.call("pend_access")

    assert _within(20, lambda: not served.database.query("SELECT id FROM audit_auditpending"))
    assert served.database.query(
        "SELECT action FROM audit_auditrecord WHERE pending_id = ?", (pending,)) == [
        ("resource.access",)]

    # Killed, it is started again, and seals what waited meanwhile.
    os.kill(sealing, signal.SIGKILL)
    assert _within(20, lambda: _companions(served, "audit seal --follow") not in ([], [sealing]))
    served.call("pend_access")
    assert _within(20, lambda: not served.database.query("SELECT id FROM audit_auditpending"))

    # The server killed outright (no hook runs): its companions end by themselves.
    companions = [*_companions(served, "audit seal --follow"), *_companions(served, "db_worker")]
    assert len(companions) == 2
    os.kill(served.server.pid, signal.SIGKILL)
    assert _within(20, lambda: not any(_alive(pid) for pid in companions))


def test_r18_serve_without_its_task_worker_keeps_its_sealing_process_and_books(template):
    with serving(template, "workerless", "--no-task-worker") as platform:
        assert len(_companions(platform, "audit seal --follow")) == 1
        assert _companions(platform, "db_worker") == []
        assert _within(20, lambda: _tasks(platform, "READY"))
        time.sleep(2)  # what a worker would have run at once in that time stays booked
        assert not _tasks(platform, "SUCCESSFUL")
