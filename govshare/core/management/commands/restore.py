"""`govshare restore FILE`: a backup into an empty database, checked by row counts and by
`audit verify` (govshare/core/backup.py; docs/security.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from govshare.core.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore a `govshare backup` archive into an empty database and verify it."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="an archive written by `govshare backup`")

    def handle(self, *args, archive, **options):
        try:
            manifest = restore(Path(archive))
        except BackupError as error:
            raise CommandError(str(error)) from error
        rows = sum(manifest["counts"].values())
        self.stdout.write(f"OK: {len(manifest['counts'])} tables, {rows} rows restored as "
                          f"backed up on {manifest['created']}")
        self.stdout.write(manifest["verify"])
        if manifest["retired_keys_to_list"]:
            self.stdout.write(
                "Retired secrets keys restored; add them to GOVSHARE_SECRETS_RETIRED_KEY_FILES so "
                "that what they sealed opens: " + ",".join(manifest["retired_keys_to_list"]))
