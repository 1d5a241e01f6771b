"""`govshare secrets reseal`: seal every stored secret again under the current profile's cipher
and the current secrets key, after a change of either (see docs/security.md)."""

from django.core.management.base import BaseCommand

from govshare.core import keyring


class Command(BaseCommand):
    help = "Re-seal the secrets stored encrypted under the current cipher and secrets key."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="subcommand", required=True)
        commands.add_parser("reseal", help="seal every stored secret again")

    def handle(self, *args, subcommand, **options):
        changed = keyring.reseal_all()
        self.stdout.write(f"{changed} sealed values re-sealed under the current key and cipher")
