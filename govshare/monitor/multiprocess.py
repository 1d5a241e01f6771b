"""prometheus_client's multiprocess mode for `govshare serve` (several gunicorn workers).

prometheus_client decides where metric values live when it is first imported, so the
`govshare` command calls `prepare` before Django loads any app; it also empties the directory,
whose files from an earlier run would otherwise be added to this run's counts. No Django import
here for the same reason.
"""

import os
from pathlib import Path

ENVIRONMENT = "PROMETHEUS_MULTIPROC_DIR"


def prepare(data_dir: Path) -> Path:
    """Point prometheus_client at DATA_DIR/prometheus (unless set already), emptied."""
    directory = Path(os.environ.setdefault(ENVIRONMENT, str(data_dir / "prometheus")))
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    return directory


def child_exit(server, worker):
    """gunicorn hook: a dead worker's live gauges must stop counting."""
    # Imported here, not above: importing prometheus_client before `prepare` has set the
    # directory would fix it in single-process mode.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
