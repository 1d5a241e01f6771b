"""A log written half under one cryptographic profile and half under the other (R18)."""

import json

import pytest

from govshare.audit import keys
from govshare.audit.checkpoints import make_checkpoint
from govshare.audit.models import AuditRecord
from govshare.audit.services import audit_record

from .conftest import raw, triggers_dropped
from .test_tamper import verify

PROFILES = [("international", "national"), ("national", "international")]
ALGORITHMS = {"international": ("sha256", "ed25519"), "national": ("sm3", "sm2-sm3")}


@pytest.mark.parametrize(("first", "second"), PROFILES)
def test_r18_verify_passes_a_log_written_half_under_each_profile(db, settings, first, second):
    settings.GOVSHARE_CRYPTO_PROFILE = first
    before = [audit_record(None, "test.event", None, {"n": n}) for n in range(4)]
    old_checkpoint = make_checkpoint()
    settings.GOVSHARE_CRYPTO_PROFILE = second
    after = [audit_record(None, "test.event", None, {"n": n}) for n in range(4, 8)]
    new_checkpoint = make_checkpoint()

    assert {r.algorithm for r in before} == {ALGORITHMS[first][0]}
    assert {r.algorithm for r in after} == {ALGORITHMS[second][0]}
    assert after[0].prev_hash == before[-1].hash
    assert json.loads(old_checkpoint.payload)["algorithm"] == ALGORITHMS[first][1]
    assert json.loads(new_checkpoint.payload)["algorithm"] == ALGORITHMS[second][1]
    code, out, err = verify()
    assert code == 0, err
    assert "8 records" in out and "2 checkpoints" in out


def test_r18_a_record_of_the_older_profile_edited_after_the_switch_is_caught(db, settings):
    settings.GOVSHARE_CRYPTO_PROFILE = "international"
    audit_record(None, "test.event", None, {"n": 1})
    victim = audit_record(None, "test.event", None, {"n": 2})
    settings.GOVSHARE_CRYPTO_PROFILE = "national"
    audit_record(None, "test.event", None, {"n": 3})
    with triggers_dropped():
        raw("UPDATE audit_auditrecord SET object_repr = 'forged' WHERE id = %s", [victim.pk])
    code, _out, err = verify()
    assert code == 1 and f"record #{victim.pk} was modified" in err


def test_r18_relabelling_a_record_with_the_other_digest_is_caught(db, settings):
    settings.GOVSHARE_CRYPTO_PROFILE = "national"
    record = audit_record(None, "test.event")
    with triggers_dropped():
        raw("UPDATE audit_auditrecord SET algorithm = 'sha256' WHERE id = %s", [record.pk])
    assert AuditRecord.objects.get(pk=record.pk).algorithm == "sha256"
    assert verify()[0] == 1


def test_r18_checkpoints_of_the_older_key_fail_once_its_file_is_gone(db, settings):
    settings.GOVSHARE_CRYPTO_PROFILE = "international"
    audit_record(None, "test.event")
    make_checkpoint()
    settings.GOVSHARE_CRYPTO_PROFILE = "national"
    audit_record(None, "test.event")
    assert verify()[0] == 0
    keys.key_path("ed25519").unlink()
    code, _out, err = verify()
    assert code == 1 and "not a key of this platform" in err
