"""Backups of a whole platform and their restore (`govshare backup`, `govshare restore`).

A backup is one tar archive holding:

- `database.sqlite3` (SQLite's online backup API: a consistent copy while the platform runs) or
  `database.pgdump` (`pg_dump -Fc`, taken inside a repeatable-read transaction whose snapshot
  the counts below share, so the manifest describes exactly what was dumped);
- `media/`: every stored file (attachments, exchanged files, reports, Delta snapshots);
- `keys/`: every key kept outside the database (the audit checkpoint signing keys of both
  cryptographic profiles, the secrets key that keys credential hashes and seals webhook
  secrets, the open-data hash key, the federation and service keys), without which restored
  checkpoints would not verify, credentials would not match and published hashes could not be
  reproduced: the archive is as secret as those keys. Retired secrets key files
  (`GOVSHARE_SECRETS_RETIRED_KEY_FILES`) go in as `keys/secrets-retired/<key id>.key`; a
  restore puts each one the restoring settings do not list beside the secrets key and names it,
  to be listed there (values sealed under it open again once it is);
- `manifest.json`: the database kind, each table's row count and the audit chain's head.

A restore goes into an empty database only, then checks the row counts against the manifest and
runs `audit verify`; it fails loudly if either differs.
"""

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction

from govshare.core import keyring

FORMAT = 1
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
RETIRED_DIR = "keys/secrets-retired"


class BackupError(Exception):
    pass


def _key_files() -> dict[str, Path]:
    """Every key the platform keeps outside its database, by its name in the archive; each is
    restored to where the restoring platform's settings put it."""
    from govshare.audit import keys

    files = {f"audit-signing-key{suffix}.pem": keys.key_path(algorithm)
             for algorithm, suffix in keys.KEY_FILE_SUFFIXES.items()}
    files.update({
        "opendata-hash.key": settings.GOVSHARE_OPENDATA_HASH_KEY_FILE,
        "secrets.key": settings.GOVSHARE_SECRETS_KEY_FILE,
        "federation-key.pem": settings.GOVSHARE_FEDERATION_KEY_FILE,
        "services-signing-key.pem": settings.GOVSHARE_SERVICES_SIGNING_KEY_FILE,
        "services-credentials.key": settings.GOVSHARE_SERVICES_CREDENTIAL_KEY_FILE})
    return {name: Path(path) for name, path in files.items()}


def _tables() -> list[str]:
    return sorted(connection.introspection.table_names())


def table_counts(cursor, tables) -> dict[str, int]:
    quote = connection.ops.quote_name
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 (introspected names)
        counts[table] = cursor.fetchone()[0]
    return counts


def _audit_head(cursor) -> dict:
    cursor.execute("SELECT id, hash FROM audit_auditrecord ORDER BY id DESC LIMIT 1")
    row = cursor.fetchone()
    return {"id": row[0], "hash": row[1]} if row else {"id": 0, "hash": ""}


def _pg_env() -> tuple[list[str], dict]:
    """Connection arguments and environment for pg_dump / pg_restore (password via PGPASSWORD,
    never on the command line where `ps` shows it)."""
    db = connection.settings_dict
    args = ["--dbname", db["NAME"]]
    if db.get("HOST"):
        args += ["--host", db["HOST"]]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", db["USER"]]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _run(command: list[str], env: dict) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")


def _dump_sqlite(target: Path) -> dict:
    connection.ensure_connection()
    destination = sqlite3.connect(target)
    try:
        connection.connection.backup(destination)
        cursor = destination.cursor()
        return {"counts": table_counts(cursor, _tables()), "audit_head": _audit_head(cursor)}
    finally:
        destination.close()


def _dump_postgresql(target: Path) -> dict:
    args, env = _pg_env()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        facts = {"counts": table_counts(cursor, _tables()), "audit_head": _audit_head(cursor)}
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
              f"--snapshot={snapshot}", "--file", str(target), *args], env)
    return facts


def backup(archive: Path) -> dict:
    """Write the archive; returns its manifest."""
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"no backup for a {vendor} database")
    with tempfile.TemporaryDirectory(prefix="govshare-backup-") as work:
        work = Path(work)
        if vendor == "sqlite":
            facts = _dump_sqlite(work / SQLITE_FILE)
        else:
            facts = _dump_postgresql(work / PG_FILE)
        manifest = {"format": FORMAT, "vendor": vendor,
                    "created": datetime.now(UTC).isoformat(), **facts}
        archive.parent.mkdir(parents=True, exist_ok=True)
        partial = archive.with_name(archive.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(work / (SQLITE_FILE if vendor == "sqlite" else PG_FILE),
                    arcname=SQLITE_FILE if vendor == "sqlite" else PG_FILE)
            media = Path(settings.MEDIA_ROOT)
            if media.is_dir():
                tar.add(media, arcname="media")
            for name, path in _key_files().items():
                if path.is_file():
                    tar.add(path, arcname=f"keys/{name}")
            for key_id, path in keyring.retired_key_files().items():
                tar.add(path, arcname=f"{RETIRED_DIR}/{key_id}.key")
            data = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        partial.replace(archive)
    return manifest


@contextmanager
def _extracted(archive: Path):
    with tempfile.TemporaryDirectory(prefix="govshare-restore-") as work, \
            tarfile.open(archive, "r:*") as tar:
        # The "data" filter refuses absolute paths, links out of the tree and device files.
        tar.extractall(work, filter="data")
        yield Path(work)


def _restore_sqlite(source: Path) -> None:
    name = connection.settings_dict["NAME"]
    connection.close()
    origin = sqlite3.connect(source)
    target = sqlite3.connect(name)
    try:
        origin.backup(target)
    finally:
        origin.close()
        target.close()


def _restore_postgresql(source: Path) -> None:
    args, env = _pg_env()
    connection.close()
    _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
          "--single-transaction", *args, str(source)], env)


def _restore_files(work: Path) -> None:
    media = work / "media"
    if media.is_dir():
        shutil.copytree(media, settings.MEDIA_ROOT, dirs_exist_ok=True)
    for name, path in _key_files().items():
        saved = work / "keys" / name
        if not saved.is_file():
            continue
        if path.exists():
            if path.read_bytes() != saved.read_bytes():
                raise BackupError(f"{path} exists and differs from the backup's key; move it "
                                  "away or trust it with GOVSHARE_AUDIT_TRUSTED_KEYS")
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(saved, path)
        path.chmod(0o600)


def _restore_retired_keys(work: Path) -> list[str]:
    """Each archived retired secrets key the settings do not list, put beside the secrets key;
    the paths to list in GOVSHARE_SECRETS_RETIRED_KEY_FILES."""
    listed = keyring.retired_key_files()
    to_list = []
    for saved in sorted((work / RETIRED_DIR).glob("*.key")):
        if saved.stem in listed:
            continue
        path = Path(settings.GOVSHARE_SECRETS_KEY_FILE).parent / f"secrets-retired-{saved.stem}.key"
        content = saved.read_bytes()
        if not keyring.create_key_file(path, content) and path.read_bytes() != content:
            raise BackupError(f"{path} exists and is not the backup's retired key {saved.stem}; "
                              "move it away")
        to_list.append(str(path))
    return to_list


def restore(archive: Path) -> dict:
    """Restore the archive into the configured, empty database and data directory; returns the
    manifest after checking counts and the audit chain."""
    with _extracted(archive) as work:
        manifest = json.loads((work / "manifest.json").read_text())
        if manifest.get("format") != FORMAT:
            raise BackupError(f"unknown backup format {manifest.get('format')!r}")
        if manifest["vendor"] != connection.vendor:
            raise BackupError(f"a {manifest['vendor']} backup cannot be restored into "
                              f"{connection.vendor}")
        if _tables():
            raise BackupError("the database is not empty: restore only into a new database")
        if connection.vendor == "sqlite":
            _restore_sqlite(work / SQLITE_FILE)
        else:
            _restore_postgresql(work / PG_FILE)
        _restore_files(work)
        retired_to_list = _restore_retired_keys(work)
    with connection.cursor() as cursor:
        counts = table_counts(cursor, _tables())
    differ = {t: (n, counts.get(t)) for t, n in manifest["counts"].items() if counts.get(t) != n}
    if differ or set(counts) != set(manifest["counts"]):
        raise BackupError(f"restored row counts differ from the backup's: {differ}")
    output = io.StringIO()
    call_command("audit", "verify", stdout=output, stderr=output)
    manifest["verify"] = output.getvalue().strip()
    manifest["retired_keys_to_list"] = retired_to_list
    return manifest
