"""Per-process caches of what every data request reads (verified credentials, grant views),
dropped in every process on the host as soon as any of it changes.

A change to a watched model (`watch`) empties this process's caches at once, and on commit
replaces a generation file under GOVSHARE_DATA_DIR; every cache read compares that file's
identity (inode and modification time: one `stat`, a few microseconds) with the one it last
saw, and empties its process's caches when it moved. So a revocation committed in one worker
process takes effect on the next request in all of them. Changes that send no signal (a
queryset `update`, another host sharing the database) are bounded by
GOVSHARE_ACCESS_CACHE_SECONDS, the longest any entry is kept.
"""

import functools
import os
import tempfile
import threading
import time
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save

_caches: list["LocalCache"] = []
_seen = {"generation": None}


@functools.cache
def _generation_name(data_dir) -> str:
    # Stat'ed on every cache lookup: building the Path each time cost more than the stat.
    return str(Path(data_dir) / "run" / "access-generation")


def _generation_file() -> Path:
    return Path(_generation_name(settings.DATA_DIR))


def _generation():
    try:
        status = os.stat(_generation_name(settings.DATA_DIR))
    except FileNotFoundError:
        return None
    return status.st_ino, status.st_mtime_ns


def clear_all() -> None:
    """Empty every cache of this process (the tests start each case this way)."""
    for cache in _caches:
        cache.clear()


def _current() -> None:
    """Empty the caches if another process changed a watched model since this one looked."""
    generation = _generation()
    if _seen["generation"] != generation:
        clear_all()
        _seen["generation"] = generation


def changed() -> None:
    """A watched model changed and the change is committed: tell every process."""
    path = _generation_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    # A new file each time (a new inode), so two changes within one clock tick still differ.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".generation-")
    os.close(handle)
    os.replace(temporary, path)
    clear_all()


def _on_change(sender, **kwargs):
    clear_all()
    # Cleared again after commit: a request in another thread may have cached the old rows
    # between the change and its commit.
    transaction.on_commit(changed)


def watch(*models) -> None:
    """Drop the caches whenever one of `models` is saved or deleted."""
    for model in models:
        uid = f"govshare.localcache.{model._meta.label}"
        post_save.connect(_on_change, sender=model, dispatch_uid=uid + ".save")
        post_delete.connect(_on_change, sender=model, dispatch_uid=uid + ".delete")


class LocalCache:
    """A dict with a time limit per entry, emptied whenever a watched model changes."""

    def __init__(self):
        self._items: dict = {}
        self._lock = threading.Lock()
        _caches.append(self)

    def get(self, key):
        _current()
        found = self._items.get(key)
        if found is None or found[0] < time.monotonic():
            return None
        return found[1]

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = (time.monotonic() + settings.GOVSHARE_ACCESS_CACHE_SECONDS,
                                value)

    def clear(self) -> None:
        with self._lock:
            self._items = {}
