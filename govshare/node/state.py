"""The node's local state file: push cursors and the batch in flight, written atomically.

The file is replaced with temp file + fsync + rename (+ fsync of the directory), so after a
crash at any instant it holds either the old or the new state, never a torn one. The pull cursor
is not kept here: it lives in the consumer database, in the transaction that applies the rows.
"""

import json
import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Replace `path` with `data` so a crash leaves the old or the new content, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


class NodeState:
    """Per-resource push state: the incremental cursor, the batch in flight, counters."""

    def __init__(self, path: Path):
        self.path = path
        self.data: dict = {"push": {}}
        if path.exists():
            self.data = json.loads(path.read_text(encoding="utf-8"))
            self.data.setdefault("push", {})

    def push(self, resource: str) -> dict:
        return self.data["push"].setdefault(resource, {})

    def save(self) -> None:
        payload = json.dumps(self.data, ensure_ascii=False, indent=2, sort_keys=True)
        write_atomically(self.path, payload.encode("utf-8"))
