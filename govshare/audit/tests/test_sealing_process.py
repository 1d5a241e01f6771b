"""`govshare serve` chains data accesses in a sealing process of its own beside the workers,
which ends with the server however the server ends (R17, R18). A real server on loopback, as in
the federation tests (`platforms.py`)."""

import os
import signal
import time
from pathlib import Path

import pytest

from govshare.federation.tests import platforms as p

pytestmark = pytest.mark.skipif(os.environ.get("GOVSHARE_SKIP_PLATFORM_TESTS") == "1",
                                reason="GOVSHARE_SKIP_PLATFORM_TESTS=1")
PORT = 18413


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


@pytest.fixture
def served(tmp_path):
    template = p.migrate_template(tmp_path)
    platform = p.Platform(tmp_path, "sealing", root="130000", port=PORT,
                          title="河北省政务信息资源共享平台", audit_seal_seconds=0.2)
    try:
        assert platform.start_migrate(template).wait() == 0
        platform.start()
        yield platform
    finally:
        if platform.server is not None:
            os.killpg(platform.server.pid, signal.SIGKILL)
            platform.server.wait()
        platform.database.drop()
        template.drop()


def _sealers(platform):
    return [pid for pid, command in _children(platform.server.pid).items()
            if "audit seal --follow" in command]


def test_r18_serve_seals_accesses_in_its_own_process_and_it_ends_with_the_server(served):
    (sealing,) = _sealers(served)
    pending = served.call("pend_access")

    assert _within(20, lambda: not served.database.query("SELECT id FROM audit_auditpending"))
    assert served.database.query(
        "SELECT action FROM audit_auditrecord WHERE pending_id = ?", (pending,)) == [
        ("resource.access",)]

    # Killed, it is started again, and seals what waited meanwhile.
    os.kill(sealing, signal.SIGKILL)
    assert _within(20, lambda: _sealers(served) not in ([], [sealing]))
    pending = served.call("pend_access")
    assert _within(20, lambda: not served.database.query("SELECT id FROM audit_auditpending"))

    # The server killed outright (no hook runs): the sealing process ends by itself.
    (sealing,) = _sealers(served)
    os.kill(served.server.pid, signal.SIGKILL)
    assert _within(20, lambda: not _alive(sealing))
