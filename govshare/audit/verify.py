"""Checking the log: the chain, the head row, the stored checkpoints, an exported checkpoint.

The walk goes through the records in id order and stops at the first one that breaks the chain.
Each record must (1) match its own hash, (2) point at its predecessor's hash, (3) carry the next
id. Which of these fail, and where the broken link points, tell what happened:

- modified   the record's contents no longer match its hash, and the chain goes on through it
             (or its hash was recomputed, and its successor no longer points at it);
- inserted   the chain runs around the record: its successor points at its predecessor;
- deleted    the record points at a hash no record has, and the ids jump over the gap;
- reordered  the record points at a record that exists elsewhere in the log.

Data accesses wait in the pending table until the sealer chains them (`sealer.py`); a pending
row older than `GOVSHARE_AUDIT_PENDING_MAX_SECONDS` means the sealer is not running, and a
pending row the chain already holds was put back after it was sealed: both are reported.

Someone able to rewrite the table could rebuild a consistent chain; the signed checkpoints,
kept outside the database, are what catch that.
"""

import json
from dataclasses import dataclass, field

from . import keys
from .chain import GENESIS, expected_hash
from .checkpoints import document_problems, export
from .models import AuditCheckpoint, AuditHead, AuditPending, AuditRecord
from .sealer import overdue


@dataclass(frozen=True)
class Problem:
    kind: str
    message: str
    record_id: int | None = None
    position: int | None = None


@dataclass
class Report:
    records: int = 0
    head_id: int = 0
    head_hash: str = GENESIS
    checkpoints: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _next_after(record):
    return AuditRecord.objects.filter(id__gt=record.id).order_by("id").first()


def _holder_of(hash_value):
    return AuditRecord.objects.filter(hash=hash_value).first()


def _classify(record, prev, position) -> Problem:
    """Name what happened to the first record that breaks the chain."""
    expected_prev = prev.hash if prev else GENESIS
    expected_id = prev.id + 1 if prev else 1
    after = _next_after(record)
    if record.hash != expected_hash(record):
        if after is not None and after.prev_hash == expected_prev:
            return Problem("inserted", f"record #{record.id} was inserted: the chain runs from "
                           f"the record before it straight to the one after it",
                           record.id, position)
        return Problem("modified", f"record #{record.id} was modified: its contents no longer "
                       f"match its hash", record.id, position)
    if record.prev_hash == expected_prev:
        return Problem("modified", f"record #{record.id} carries id {record.id} where "
                       f"{expected_id} was expected: its id was changed", record.id, position)
    if prev is not None and record.prev_hash == prev.prev_hash:
        return Problem("inserted", f"record #{prev.id} was inserted: the record after it points "
                       f"at the record before it", prev.id, position - 1)
    holder = _holder_of(record.prev_hash)
    if holder is not None:
        return Problem("reordered", f"record #{record.id} was moved: it follows #{holder.id} in "
                       f"the chain, not #{prev.id if prev else 0}", record.id, position)
    if record.id > expected_id:
        missing = (f"#{expected_id}" if record.id == expected_id + 1
                   else f"#{expected_id}–#{record.id - 1}")
        return Problem("deleted", f"record {missing} was deleted: #{record.id} points at a "
                       f"record that is no longer in the log", expected_id, position)
    return Problem("modified", f"record #{prev.id if prev else 0} was modified and its hash "
                   f"recomputed: #{record.id} no longer points at it",
                   prev.id if prev else None, position - 1)


def _walk(report: Report) -> AuditRecord | None:
    prev = None
    for position, record in enumerate(AuditRecord.objects.order_by("id").iterator(2000), 1):
        report.records = position
        intact = (record.hash == expected_hash(record)
                  and record.prev_hash == (prev.hash if prev else GENESIS)
                  and record.id == (prev.id + 1 if prev else 1))
        if not intact:
            report.problems.append(_classify(record, prev, position))
            return prev
        prev = record
    return prev


def _check_head_row(report: Report, last) -> None:
    """The head row is updated with every append; the chain's end must agree with it."""
    head = AuditHead.objects.filter(pk=1).first()
    last_id, last_hash = (last.id, last.hash) if last else (0, GENESIS)
    if head is None:
        if last is not None:
            report.problems.append(Problem("head", "the chain head row is missing"))
        return
    if head.last_id > last_id:
        missing = f"#{last_id + 1}" + (f"–#{head.last_id}" if head.last_id > last_id + 1 else "")
        report.problems.append(Problem(
            "deleted", f"record {missing} was deleted from the end of the log (the head says "
            f"#{head.last_id})", last_id + 1, last_id + 1))
    elif head.last_id < last_id:
        report.problems.append(Problem(
            "inserted", f"record #{head.last_id + 1} was inserted after the head "
            f"#{head.last_id}", head.last_id + 1, head.last_id + 1))
    elif head.last_hash != last_hash:
        report.problems.append(Problem(
            "modified", f"record #{last_id} was modified and its hash recomputed: the head "
            f"holds a different hash", last_id, last_id))


def head_problems(payload: dict) -> list[Problem]:
    """Whether the log still holds the head a checkpoint attests, unchanged."""
    head_id, head_hash = int(payload["head_id"]), payload["head_hash"]
    if head_id == 0:
        return []
    record = AuditRecord.objects.filter(id=head_id).first()
    if record is None:
        return [Problem("deleted", f"record #{head_id}, attested by the checkpoint, is not in "
                        f"the log", head_id, head_id)]
    if record.hash != head_hash:
        return [Problem("modified", f"record #{head_id} differs from the checkpoint: the log "
                        f"was rewritten at or before #{head_id}", head_id, head_id)]
    return []


def _check_pending(report: Report) -> None:
    late = overdue().order_by("id").first()
    if late is not None:
        report.problems.append(Problem(
            "pending", f"pending access #{late.pk} of {late.time.isoformat()} has not been "
            f"chained: is the sealer running? (`govshare audit seal` chains it now)"))
    twice = AuditPending.objects.filter(
        pk__in=AuditRecord.objects.filter(pending_id__isnull=False).values("pending_id"),
    ).order_by("id").first()
    if twice is not None:
        report.problems.append(Problem(
            "inserted", f"pending access #{twice.pk} is also in the chain: it was put back "
            f"after it was sealed"))


def _check_checkpoints(report: Report, trusted) -> None:
    for checkpoint in AuditCheckpoint.objects.order_by("id").iterator():
        document = export(checkpoint)
        for problem in document_problems(document, trusted):
            report.problems.append(Problem("checkpoint", f"checkpoint #{checkpoint.pk}: {problem}"))
        if report.problems:
            return
        report.problems.extend(head_problems(document["payload"]))
        if report.problems:
            return
        report.checkpoints += 1


def verify_log(exported: dict | None = None) -> Report:
    """Check the chain, the head row, every stored checkpoint, and `exported` if given."""
    report = Report()
    last = _walk(report)
    if last is not None:
        report.head_id, report.head_hash = last.id, last.hash
    if report.problems:
        return report
    _check_head_row(report, last)
    _check_pending(report)
    trusted = keys.trusted_keys()
    if not report.problems:
        _check_checkpoints(report, trusted)
    if exported is not None and not report.problems:
        for problem in document_problems(exported, trusted):
            report.problems.append(Problem("checkpoint", f"the exported checkpoint: {problem}"))
        if not report.problems:
            report.problems.extend(head_problems(exported["payload"]))
    return report


def load_document(text: str) -> dict:
    """An exported checkpoint read from its file (a JSON object, or a parse error)."""
    document = json.loads(text)
    if not isinstance(document, dict):
        raise ValueError("a checkpoint file holds one JSON object")
    return document
