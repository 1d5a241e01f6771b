"""Driving the real `govshare-node` against a live test server: business databases, configs,
and the node as a child process (so a test can SIGKILL it)."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

NODE = [sys.executable, "-m", "govshare.node.cli"]


def write_people(path: Path, rows, table="people"):
    """A provider's business table of people (公安 population register)."""
    db = sqlite3.connect(path)
    db.execute(f"CREATE TABLE IF NOT EXISTS {table} (sfzh TEXT PRIMARY KEY, xm TEXT, "
               "csrq DATE, zz TEXT, hjdq TEXT, hnrs INTEGER)")
    db.execute(f"DELETE FROM {table}")  # noqa: S608
    db.executemany(f"INSERT INTO {table} VALUES (?, ?, ?, ?, ?, ?)", rows)  # noqa: S608
    db.commit()
    db.close()


def people(n, start=0, version=1):
    return [(f"1301021990{(i % 12) + 1:02d}{(i % 28) + 1:02d}{i:04d}"[-18:].rjust(18, "0"),
             f"居民{i}", f"1990-{(i % 12) + 1:02d}-{(i % 28) + 1:02d}",
             f"石家庄市长安区{i}号", "130102" if i % 2 else "130104", version + i % 5)
            for i in range(start, start + n)]


def node_config(directory: Path, platform: str, resource: str, *, batch_rows=1000,
                pull_token=None, pull_target=None) -> Path:
    text = f'''platform = "{platform}"
key_file = "node.key"
state_file = "state/node-state.json"
batch_rows = {batch_rows}
timeout = 30

[[push]]
resource = "{resource}"
source = "sqlite:///{directory / 'business.sqlite3'}"
table = "people"
key = ["sfzh"]
mode = "full"
[push.columns]
sfzh = "id_number"
xm = "name"
csrq = "birth_date"
zz = "address"
hjdq = "region_code"
hnrs = "household_size"
'''
    if pull_token:
        text += f'''
[[pull]]
resource = "{resource}"
token = "{pull_token}"
target = "{pull_target}"
table = "population"
'''
    path = directory / "node.toml"
    path.write_text(text)
    return path


def run_node(config: Path, *args, check=True) -> subprocess.CompletedProcess:
    result = subprocess.run([*NODE, "-c", str(config), *args], capture_output=True, text=True,  # noqa: S603
                            timeout=300, env={**os.environ, "COLUMNS": "120"})
    if check and result.returncode != 0:
        raise AssertionError(f"govshare-node {args} failed: {result.stderr}")
    return result


def kill_node_when(config: Path, args, condition, timeout=120.0) -> int:
    """Start the node, SIGKILL it as soon as `condition()` holds; return the kill's exit code."""
    process = subprocess.Popen([*NODE, "-c", str(config), *args],  # noqa: S603
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    try:
        while not condition():
            if process.poll() is not None:
                raise AssertionError("the node finished before it could be killed")
            if time.monotonic() > deadline:
                raise AssertionError("the kill condition never held")
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
        return process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
