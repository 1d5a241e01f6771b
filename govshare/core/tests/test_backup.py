"""R18: `govshare backup` and `govshare restore` lose nothing: a restore into an empty database
has the original's row counts, stored files and keys, and its audit chain verifies."""

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from govshare.audit import keys as audit_keys
from govshare.audit.services import audit_record
from govshare.core import keyring
from govshare.core.backup import table_counts
from govshare.orgs import services as orgs
from govshare.orgs.models import Organization

COUNT_TABLES = (
    "import json; from django.db import connection; from govshare.core.backup import "
    "table_counts; c = connection.cursor(); "
    "print(json.dumps(table_counts(c, connection.introspection.table_names())))"
)


CREDENTIAL_WORKS = (
    "import os; from govshare.orgs.authentication import application_from_token; "
    "print(application_from_token(os.environ['GOVSHARE_TOKEN']).name)"
)


def platform_token(platform):
    """The bearer token issued on the original platform (kept beside its data directory)."""
    return (platform.parent / "token").read_text()


def _govshare(args, env):
    return subprocess.run([sys.executable, "-m", "govshare.cli", *args],  # noqa: S603
                          env={**os.environ, **env}, capture_output=True, text=True, check=False)


@pytest.fixture
def empty_database(tmp_path):
    """The URL of a new, empty database of the kind the tests run on."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored' / 'govshare.sqlite3'}"
        return
    db = connection.settings_dict
    name = f"{db['NAME']}_restored"
    admin = psycopg.connect(host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"],
                            password=db["PASSWORD"] or None, dbname="postgres", autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield (f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{name}")
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def platform(transactional_db, demo, person, settings, tmp_path):
    """A platform with work done: audited changes, a signed checkpoint, a stored file."""
    data = tmp_path / "original"
    settings.MEDIA_ROOT = data / "media"
    settings.GOVSHARE_AUDIT_KEY_FILE = data / "keys" / "audit-signing-key.pem"
    settings.GOVSHARE_OPENDATA_HASH_KEY_FILE = data / "keys" / "opendata-hash.key"
    admin = person("gat_admin")
    application = orgs.application_create(admin, organization=admin.organization,
                                          name="户籍核验系统")
    _credential, token = orgs.credential_issue(admin, application)
    (tmp_path / "token").write_text(token)
    audit_record(admin, "backup.test", Organization.objects.first(), "备份测试")
    call_command("audit", "checkpoint", stdout=open(os.devnull, "w"))  # noqa: SIM115
    attachment = settings.MEDIA_ROOT / "sharing" / "attachments" / "ab" / "evidence.pdf"
    attachment.parent.mkdir(parents=True)
    attachment.write_bytes(b"%PDF-1.7 evidence")
    return data


def test_r18_restore_into_an_empty_database_verifies_and_counts_equal(
        platform, empty_database, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", str(archive), stdout=open(os.devnull, "w"))  # noqa: SIM115
    with connection.cursor() as cursor:
        original = table_counts(cursor, connection.introspection.table_names())
    assert original["audit_auditrecord"] >= 3
    assert original["audit_auditcheckpoint"] >= 1

    target = tmp_path / "restored"
    env = {"GOVSHARE_DATABASE_URL": empty_database, "GOVSHARE_DATA_DIR": str(target)}
    restored = _govshare(["restore", str(archive)], env)
    assert restored.returncode == 0, restored.stderr
    verified = _govshare(["audit", "verify"], env)
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith("OK: ")
    counted = _govshare(["shell", "--no-imports", "-c", COUNT_TABLES], env)
    assert json.loads(counted.stdout.splitlines()[-1]) == original
    assert ((target / "media" / "sharing" / "attachments" / "ab" / "evidence.pdf").read_bytes()
            == b"%PDF-1.7 evidence")
    # The current profile's audit key, and the secrets key credentials are hashed with.
    audit_key = audit_keys.key_path().name
    assert ((target / "keys" / audit_key).read_bytes()
            == (platform / "keys" / audit_key).read_bytes())
    assert ((target / "keys" / "secrets.key").read_bytes()
            == Path(settings.GOVSHARE_SECRETS_KEY_FILE).read_bytes())
    token_works = _govshare(["shell", "--no-imports", "-c", CREDENTIAL_WORKS], {
        **env, "GOVSHARE_TOKEN": platform_token(platform)})
    assert token_works.stdout.strip().endswith("户籍核验系统"), token_works.stderr

    again = _govshare(["restore", str(archive)], env)
    assert again.returncode != 0
    assert "not empty" in again.stderr


def test_r18_restore_refuses_an_archive_of_the_other_database(platform, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", str(archive), stdout=open(os.devnull, "w"))  # noqa: SIM115
    other = ("postgresql://nobody@127.0.0.1:1/none" if connection.vendor == "sqlite"
             else f"sqlite:///{tmp_path / 'other.sqlite3'}")
    result = _govshare(["restore", str(archive)], {"GOVSHARE_DATABASE_URL": other,
                                                    "GOVSHARE_DATA_DIR": str(tmp_path / "o")})
    assert result.returncode != 0
    assert "cannot be restored" in result.stderr


UNSEALS = ("import os; from govshare.core import keyring; "
           "print(keyring.unseal(os.environ['GOVSHARE_SEALED'], 'backup.test'))")


def test_r18_a_backup_keeps_retired_secrets_keys_and_the_restore_names_them(
        platform, empty_database, tmp_path, settings):
    """A value sealed under a key since retired must still open after a restore: the archive
    carries the retired key, and the restore puts it beside the secrets key and names it."""
    retired = tmp_path / "retired-secrets.key"
    retired.write_text(os.urandom(32).hex())
    current = settings.GOVSHARE_SECRETS_KEY_FILE
    settings.GOVSHARE_SECRETS_KEY_FILE = retired
    sealed = keyring.seal("webhook secret", "backup.test")
    settings.GOVSHARE_SECRETS_KEY_FILE = current
    settings.GOVSHARE_SECRETS_RETIRED_KEY_FILES = [str(retired)]
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", str(archive), stdout=open(os.devnull, "w"))  # noqa: SIM115

    target = tmp_path / "restored"
    env = {"GOVSHARE_DATABASE_URL": empty_database, "GOVSHARE_DATA_DIR": str(target),
           "GOVSHARE_SEALED": sealed}
    restored = _govshare(["restore", str(archive)], env)
    assert restored.returncode == 0, restored.stderr
    placed = target / "keys" / f"secrets-retired-{keyring.key_id(keyring.all_keys()[1])}.key"
    assert placed.read_bytes() == retired.read_bytes()
    assert f"GOVSHARE_SECRETS_RETIRED_KEY_FILES so that what they sealed opens: {placed}" \
        in restored.stdout
    assert _govshare(["shell", "--no-imports", "-c", UNSEALS], env).returncode != 0, \
        "not listed yet: the value does not open"
    opened = _govshare(["shell", "--no-imports", "-c", UNSEALS],
                       {**env, "GOVSHARE_SECRETS_RETIRED_KEY_FILES": str(placed)})
    assert opened.stdout.strip().endswith("webhook secret"), opened.stderr
