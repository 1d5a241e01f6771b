"""Data accesses off the chain head's lock: the pending table, and the sealer that chains it.

A gateway call must not send data whose access is not durably logged, but taking the chain
head's row lock on every call serialises all calls platform-wide (docs/performance.md). So an
access is first inserted into `AuditPending` in the caller's transaction: one insert, no lock
shared with other calls, committed before the data leaves. The sealer then takes the head lock
once for many pending rows, chains them in id order as ordinary `AuditRecord`s (each naming the
pending row it seals) and deletes the pending rows, in one transaction: a row is either pending
or in the chain, never both, never neither. The database refuses to delete a pending row the
log does not hold yet (migration 0003).

Under `govshare serve` the sealer is a process of its own (`follow`, every
`GOVSHARE_AUDIT_SEAL_SECONDS`), started beside the workers: chaining a second's records holds the
interpreter lock for tens of milliseconds, which inside a worker every request of that worker
waits out. Anywhere else (the development server, a shell) the process that wrote the pending
row seals it that long after (a timer thread, so no request waits for it). Checkpoints and
`govshare audit seal` seal too. Rows left by a process that died are sealed by the next sealer
anywhere; `govshare audit verify` reports pending rows older than
`GOVSHARE_AUDIT_PENDING_MAX_SECONDS`. With the setting at 0 (the tests) the caller seals at once.
"""

import functools
import logging
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction

from govshare.core import clock, crypto
from govshare.core.context import source_address

from .chain import GENESIS, canonical_summary, chained_fields, record_digest
from .models import AuditHead, AuditPending, AuditRecord

logger = logging.getLogger(__name__)

BATCH = 2000
COPIED = ("time", "actor_type", "actor_id", "actor_name", "organization_id", "action",
          "object_type", "object_id", "object_repr", "summary", "outcome", "source_address")


def pend(actor_description, object_description, action, summary, outcome) -> AuditPending:
    """Insert one pending access row (described actor and object as `services` describes
    them) in the caller's transaction, or outside one as a single autocommitted statement: a
    gateway call then pays one round trip for its record, not three (BEGIN, INSERT, COMMIT)."""
    actor_type, actor_id, actor_name, organization_id = actor_description
    object_type, object_id, object_repr = object_description
    row = AuditPending(
        time=clock.now(), actor_type=actor_type, actor_id=actor_id, actor_name=actor_name,
        organization_id=organization_id, action=action, object_type=object_type,
        object_id=object_id, object_repr=object_repr,
        summary=canonical_summary(summary or {}), outcome=outcome,
        source_address=source_address.get())
    _insert(row)
    if settings.GOVSHARE_AUDIT_SEAL_SECONDS <= 0:
        seal()
    else:
        transaction.on_commit(_timer.arm)
    return row


_PENDING_FIELDS = [f for f in AuditPending._meta.concrete_fields if not f.primary_key]


@functools.cache
def _insert_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    return (f"INSERT INTO {quote(AuditPending._meta.db_table)} "  # noqa: S608 (names only)
            f"({', '.join(quote(f.column) for f in _PENDING_FIELDS)}) "
            f"VALUES ({', '.join(['%s'] * len(_PENDING_FIELDS))}) RETURNING {quote('id')}")


def _insert(row: AuditPending) -> None:
    """Insert `row` and give it its id. Every data access pays this, so its statement is
    made once: the ORM compiling the insert on every call cost as much CPU as sending it."""
    values = [f.get_db_prep_save(getattr(row, f.attname), connection) for f in _PENDING_FIELDS]
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(connection.vendor), values)
        row.pk = cursor.fetchone()[0]
    row._state.adding, row._state.db = False, connection.alias


def _seal_batch(algorithm: str) -> int:
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"last_hash": GENESIS})
        rows = list(AuditPending.objects.order_by("id")[:BATCH])
        if not rows:
            return 0
        last_id, last_hash = head.last_id, head.last_hash
        records = []
        for row in rows:
            last_id += 1
            record = AuditRecord(id=last_id, algorithm=algorithm, prev_hash=last_hash,
                                 pending_id=row.pk,
                                 **{name: getattr(row, name) for name in COPIED})
            # What is hashed is what will read back: the summary as the database returns it.
            record.hash = record_digest(chained_fields(record), last_hash, algorithm)
            last_hash = record.hash
            records.append(record)
        AuditRecord.objects.bulk_create(records)
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {AuditPending._meta.db_table} WHERE id IN "  # noqa: S608
                f"({', '.join(['%s'] * len(rows))})", [row.pk for row in rows])
        head.last_id, head.last_hash = last_id, last_hash
        head.save(update_fields=["last_hash", "last_id"])
    return len(rows)


def seal() -> int:
    """Chain every pending access row committed so far; how many were sealed."""
    algorithm = crypto.PROFILES[settings.GOVSHARE_CRYPTO_PROFILE].digest
    sealed = 0
    while count := _seal_batch(algorithm):
        sealed += count
        if count < BATCH:
            break
    return sealed


def seal_or_log() -> bool:
    """`seal`, a failure logged instead of raised, for the loops that try again an interval
    later (a busy database is the usual cause): the rows stay pending and durable meanwhile,
    and a checkpoint or `audit seal` anywhere chains them too; verify reports them if nothing
    does."""
    try:
        seal()
        return True
    except Exception:
        logger.exception("sealing pending audit rows failed; trying again")
        return False
    finally:
        close_old_connections()


def follow(seconds: float) -> None:
    """Seal every `seconds` until stopped: the sealing process of `govshare serve`."""
    while True:
        seal_or_log()
        time.sleep(seconds)


def seal_in_another_process() -> None:
    """From now on this process, and the workers it forks, only insert pending rows and leave
    them to a sealing process (`follow`)."""
    _timer.enabled = False


def overdue(max_seconds: float | None = None):
    """Pending rows older than the allowed delay (a sealer that is not running)."""
    if max_seconds is None:
        max_seconds = settings.GOVSHARE_AUDIT_PENDING_MAX_SECONDS
    return AuditPending.objects.filter(time__lt=clock.now() - timedelta(seconds=max_seconds))


class _Timer:
    """At most one pending seal per process, `GOVSHARE_AUDIT_SEAL_SECONDS` after the first
    access that needs one: under load, one head lock per interval instead of one per call."""

    def __init__(self):
        self._lock = threading.Lock()
        self._armed = None
        self.enabled = True

    def arm(self):
        with self._lock:
            if self._armed is not None or not self.enabled:
                return
            self._armed = threading.Timer(settings.GOVSHARE_AUDIT_SEAL_SECONDS, self._run)
            self._armed.daemon = True
            self._armed.start()

    def _run(self):
        with self._lock:
            self._armed = None
        try:
            if not seal_or_log():
                self.arm()
        finally:
            connection.close()


_timer = _Timer()
