"""Signed checkpoints of the chain head, and the exported document the authority keeps.

A checkpoint says "at this time the chain's record #N had this hash", signed with the platform's
key. Anyone holding one can later show that the log still contains that head unchanged, and so
(by the chain) every record before it, even against someone who rewrote the whole table and
recomputed every hash. The exported document is self-contained: payload, signature, public key.
"""

import json

from django.db import transaction

from govshare.core import clock, crypto

from . import keys
from .chain import canonical_json
from .models import AuditCheckpoint, AuditHead

FORMAT = "govshare-audit-checkpoint/1"


def _payload(head_id: int, head_hash: str, key: keys.PublicKey) -> dict:
    return {
        "format": FORMAT,
        "head_id": head_id,
        "head_hash": head_hash,
        "time": clock.now().isoformat(timespec="microseconds"),
        "algorithm": key.algorithm,
        "key_id": key.key_id,
    }


def make_checkpoint(*, only_if_moved: bool = False) -> AuditCheckpoint | None:
    """Sign the current chain head and store the checkpoint.

    With `only_if_moved`, return None instead when the head is the last checkpoint's (the
    periodic task has nothing new to attest then).
    """
    key = keys.current_public_key()
    private = keys.private_key()
    with transaction.atomic():
        # Reading the head under its lock keeps a concurrent append from slipping between the
        # head we sign and the row we store.
        head = AuditHead.objects.select_for_update().filter(pk=1).first()
        head_id, head_hash = (head.last_id, head.last_hash) if head else (0, "")
        last = AuditCheckpoint.objects.order_by("-id").first()
        if only_if_moved and last is not None and last.head_id == head_id:
            return None
        payload = _payload(head_id, head_hash, key)
        signed = canonical_json(payload)
        return AuditCheckpoint.objects.create(
            time=clock.now(), head_id=head_id, head_hash=head_hash, algorithm=key.algorithm,
            key_id=key.key_id, public_key=key.pem, payload=signed.decode(),
            signature=crypto.sign(key.algorithm, private, signed),
        )


def export(checkpoint: AuditCheckpoint) -> dict:
    """The document the authority keeps: what was signed, the signature, the public key."""
    return {
        "payload": json.loads(checkpoint.payload),
        "signature": checkpoint.signature,
        "public_key": checkpoint.public_key,
    }


def document_problems(document: dict, trusted: dict[str, keys.PublicKey]) -> list[str]:
    """Why `document` is not a genuine checkpoint of this platform; empty when it is."""
    try:
        payload = document["payload"]
        signature = document["signature"]
        public_key = document["public_key"]
        algorithm = payload["algorithm"]
        key_id = payload["key_id"]
        int(payload["head_id"])
        str(payload["head_hash"])
    except (KeyError, TypeError, ValueError):
        return ["not a checkpoint document (payload, signature, public_key expected)"]
    if payload.get("format") != FORMAT:
        return [f"unknown checkpoint format {payload.get('format')!r}"]
    problems = []
    if crypto.key_id(public_key) != key_id:
        problems.append("the public key in the document is not the one its payload names")
    key = trusted.get(key_id)
    if key is None or key.pem.strip() != public_key.strip():
        problems.append(f"signed with key {key_id}, which is not a key of this platform")
    try:
        valid = crypto.verify(algorithm, public_key, canonical_json(payload), signature)
    except crypto.UnknownAlgorithm:
        problems.append(f"unknown signature algorithm {algorithm!r}")
    else:
        if not valid:
            problems.append("the signature does not match the payload")
    return problems
