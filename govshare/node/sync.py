"""Push and pull, step by step, in the order that makes a crash at any instant harmless.

Push, per batch: record the batch id as in flight (state file) → send it (the platform ignores a
batch id it has already applied) → advance the shadow or the cursor → clear the in-flight mark.
A crash before the advance re-extracts the same rows on rerun, which either form the same batch
(same id: ignored) or a newer one (upserted by key): nothing is lost, nothing doubled. The next
batch is extracted while two are in flight; cursors advance one batch at a time, in order.

Pull, per page: read the cursor from the consumer database → fetch the page → apply the rows and
the new cursor in one transaction there.
"""

from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pyarrow as pa

from .client import PlatformClient
from .config import NodeConfig, PullJob, PushJob
from .sink import Sink
from .source import Shadow, Source
from .state import NodeState

Progress = Callable[[int], None]
# Batches sent and not yet acknowledged: the platform parses and stages one while it merges the
# other. They hold different keys (one snapshot or one cursor range), so their order does not
# matter to the result; a failure stops the push before the later one's position is saved.
IN_FLIGHT = 2


@dataclass(frozen=True)
class PushSummary:
    resource: str
    batches: int
    rows: int
    duplicates: int


def _ipc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def push_resource(client: PlatformClient, config: NodeConfig, state: NodeState, job: PushJob,
                  progress: Progress = lambda rows: None) -> PushSummary:
    """Send what changed in one resource since the last acknowledged batch. Two batches are
    in flight while the next is extracted; acknowledgements are recorded strictly in order."""
    schema = client.resource_schema(job.resource)
    source = Source(job, schema)
    record = state.push(job.resource)
    shadow = None
    if job.mode == "incremental":
        batches = source.incremental(config.batch_rows, record.get("cursor"))
    else:
        shadow = Shadow(config.shadow_dir / f"{job.resource}.sqlite3")
        batches = shadow.diff(source, config.batch_rows)
    totals = {"batches": 0, "rows": 0, "duplicates": 0}

    def send(batch, batch_id, ipc):
        receipt = client.push_batch(job.resource, batch_id, ipc)
        if shadow is not None:
            # Here, in the sender's thread, so that the next batch is extracted meanwhile.
            shadow.commit(batch)
        return receipt

    def acknowledged(batch, batch_id, sending):
        receipt = sending.result()
        if shadow is None:
            record["cursor"] = batch.cursor_after
        record["last_batch"] = batch_id
        record["last_seq"] = receipt.last_seq or record.get("last_seq")
        record["rows_pushed"] = record.get("rows_pushed", 0) + len(batch)
        if record.get("in_flight") == batch_id:
            record["in_flight"] = None
        state.save()
        totals["batches"] += 1
        totals["rows"] += len(batch)
        totals["duplicates"] += receipt.duplicate
        progress(len(batch))

    try:
        with ThreadPoolExecutor(max_workers=IN_FLIGHT) as sender:
            pending = deque()
            for batch in batches:
                ipc = _ipc(batch.to_arrow())
                batch_id = batch.batch_id(job.resource, ipc)
                record["in_flight"] = batch_id
                state.save()
                pending.append((batch, batch_id, sender.submit(send, batch, batch_id, ipc)))
                if len(pending) == IN_FLIGHT:
                    acknowledged(*pending.popleft())
            while pending:
                acknowledged(*pending.popleft())
    finally:
        if shadow is not None:
            shadow.close()
    return PushSummary(job.resource, totals["batches"], totals["rows"], totals["duplicates"])


def pull_resource(client: PlatformClient, job: PullJob, page_rows: int,
                  progress: Progress = lambda rows: None) -> int:
    """Apply every change the grant admits since the consumer database's cursor."""
    sink = Sink(job.target, job.table, job.resource)
    total = 0
    while True:
        cursor = sink.cursor()
        body, next_cursor, more = client.changes(job.resource, cursor, page_rows, job.token)
        page = pa.ipc.open_stream(body).read_all()
        total += sink.apply(page, next_cursor)
        progress(len(page))
        if not more:
            return total
