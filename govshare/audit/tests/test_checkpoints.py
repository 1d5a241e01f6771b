"""Signed checkpoints: the key file, the exported document, forgeries (R18)."""

import json
import stat
from io import StringIO

from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from govshare.audit import keys
from govshare.audit.chain import canonical_json
from govshare.audit.checkpoints import document_problems, export, make_checkpoint
from govshare.audit.models import AuditCheckpoint
from govshare.audit.services import audit_record
from govshare.audit.tasks import audit_checkpoint, schedule_checkpoints
from govshare.core import crypto

from .conftest import raw, triggers_dropped
from .test_tamper import verify


def test_r18_signing_key_is_made_on_first_use_readable_by_the_owner_only(signing_key, db):
    assert not signing_key.exists()
    first = keys.current_public_key()
    assert stat.S_IMODE(signing_key.stat().st_mode) == 0o600
    assert keys.current_public_key() == first
    assert "PRIVATE KEY" in signing_key.read_text()
    assert first.pem.startswith("-----BEGIN PUBLIC KEY-----")


def test_r18_key_file_path_comes_from_the_environment_setting(settings, tmp_path, db):
    settings.GOVSHARE_AUDIT_KEY_FILE = tmp_path / "elsewhere.pem"
    keys.private_key()
    assert keys.key_path().parent == tmp_path and keys.key_path().name.startswith("elsewhere")
    assert keys.key_path().exists()


def test_r18_checkpoint_signs_the_head(chain):
    checkpoint = make_checkpoint()
    payload = json.loads(checkpoint.payload)
    assert (payload["head_id"], payload["head_hash"]) == (8, chain[-1].hash)
    assert payload["algorithm"] == keys.signature_algorithm()
    assert payload["key_id"] == keys.current_public_key().key_id
    assert {"time", "format"} <= set(payload)
    assert document_problems(export(checkpoint), keys.trusted_keys()) == []


def test_r18_periodic_checkpoint_only_when_the_head_moved(chain):
    assert make_checkpoint(only_if_moved=True) is not None
    assert make_checkpoint(only_if_moved=True) is None
    audit_record(None, "test.event")
    assert make_checkpoint(only_if_moved=True).head_id == 9


def test_r18_checkpoint_task_signs_and_books_its_next_run(chain, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    audit_checkpoint.call()
    assert AuditCheckpoint.objects.get().head_id == 8
    booked = DBTaskResult.objects.filter(task_path=audit_checkpoint.module_path,
                                         status="READY")
    assert booked.count() == 1
    assert schedule_checkpoints() is None  # one booking is kept, not two
    assert booked.count() == 1


def test_r18_export_then_verify_against_the_exported_checkpoint(chain, tmp_path):
    path = tmp_path / "checkpoint.json"
    call_command("audit", "export-checkpoint", "--output", str(path), stderr=StringIO())
    document = json.loads(path.read_text())
    assert set(document) == {"payload", "signature", "public_key"}
    assert document["public_key"] == keys.current_public_key().pem
    audit_record(None, "test.event")  # the log may grow after the checkpoint
    code, out, _err = verify("--checkpoint", str(path))
    assert code == 0 and "and the exported checkpoint verified" in out


def test_r18_exported_checkpoint_catches_a_rewrite_of_its_head(chain, tmp_path):
    path = tmp_path / "checkpoint.json"
    call_command("audit", "export-checkpoint", "--output", str(path), stderr=StringIO())
    with triggers_dropped():
        raw("DELETE FROM audit_auditcheckpoint")  # the intruder removes the stored copy
        raw("UPDATE audit_auditrecord SET hash = %s WHERE id = 8", ["b" * 64])
        raw("UPDATE audit_audithead SET last_hash = %s", ["b" * 64])
    code, _out, err = verify("--checkpoint", str(path))
    assert code == 1 and "[modified]" in err


def _forge(tmp_path, document):
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(document))
    return verify("--checkpoint", str(path))


def test_r18_checkpoint_with_a_bad_signature_fails(chain, tmp_path):
    document = export(make_checkpoint())
    document["payload"]["head_id"] = 7
    code, _out, err = _forge(tmp_path, document)
    assert code == 1 and "the signature does not match the payload" in err


def test_r18_checkpoint_signed_with_another_key_fails(chain, tmp_path):
    """A forger signs a real-looking head with their own key and ships their public key."""
    document = export(make_checkpoint())
    forger = crypto.generate_private_key("ed25519")
    forger_public = crypto.public_key_pem("ed25519", forger)
    payload = {**document["payload"], "key_id": crypto.key_id(forger_public)}
    forged = {"payload": payload, "public_key": forger_public,
              "signature": crypto.sign("ed25519", forger, canonical_json(payload))}
    code, _out, err = _forge(tmp_path, forged)
    assert code == 1 and "not a key of this platform" in err
    # Claiming the platform's key id while shipping another key does not help either.
    forged["payload"] = document["payload"]
    code, _out, err = _forge(tmp_path, forged)
    assert code == 1 and "not the one its payload names" in err


def test_r18_stored_checkpoint_forged_in_the_database_fails(chain):
    make_checkpoint()
    with triggers_dropped():
        raw("UPDATE audit_auditcheckpoint SET signature = %s",
            [crypto.sign("ed25519", crypto.generate_private_key("ed25519"), b"x")])
    code, _out, err = verify()
    assert code == 1 and "[checkpoint]" in err and "signature does not match" in err


def test_r18_unreadable_checkpoint_file_is_an_error(chain, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("[1, 2]")
    assert verify("--checkpoint", str(path))[0] == 1
    path.write_text(json.dumps({"payload": {}}))
    code, _out, err = verify("--checkpoint", str(path))
    assert code == 1 and "not a checkpoint document" in err


def test_r18_retired_keys_stay_trusted_for_old_checkpoints(chain, settings, tmp_path):
    old = make_checkpoint()
    retired = tmp_path / "retired.pub"
    retired.write_text(old.public_key)
    settings.GOVSHARE_AUDIT_KEY_FILE = tmp_path / "new-key.pem"
    assert verify()[0] == 1
    settings.GOVSHARE_AUDIT_TRUSTED_KEYS = [str(retired)]
    assert verify()[0] == 0


def test_r18_verifying_never_creates_a_signing_key(chain, signing_key):
    assert verify()[0] == 0
    assert not signing_key.exists()
