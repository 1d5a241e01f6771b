"""`govshare backup FILE`: the database, the stored files and the keys in one archive
(govshare/core/backup.py; docs/security.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from govshare.core.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database, stored files and keys into one tar archive."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="the archive to write (e.g. govshare-backup.tar.gz)")

    def handle(self, *args, archive, **options):
        try:
            manifest = backup(Path(archive))
        except BackupError as error:
            raise CommandError(str(error)) from error
        rows = sum(manifest["counts"].values())
        self.stdout.write(f"OK: {archive}: {manifest['vendor']}, {len(manifest['counts'])} "
                          f"tables, {rows} rows, audit head #{manifest['audit_head']['id']}")
