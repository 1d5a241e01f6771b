"""`govshare federation list | register | approve | revoke | harvest`: the platform's peers.

register URL --operator NAME   register this platform with the peer at URL (both sides then
                               approve each other)
approve PEER --operator NAME   approve a registered peer (PEER: its id or base URL)
revoke PEER --operator NAME --reason TEXT
harvest [PEER]                 pull the catalog changes of one approved peer, or of every one,
                               from where the last harvest stopped (the task worker does so
                               every GOVSHARE_FEDERATION_HARVEST_MINUTES)
"""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from govshare.core.exceptions import ServiceError
from govshare.core.permissions import denials_recorded
from govshare.federation import services
from govshare.federation.models import Peer
from govshare.orgs.models import User
from govshare.sharing.parties import PLATFORM


def _operator(username):
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"no active user {username!r}")
    return user


def _peer(text):
    found = Peer.objects.filter(Q(base_url=text.rstrip("/")) | Q(
        pk=int(text) if text.isdigit() else None)).first()
    if found is None:
        raise CommandError(f"no peer {text!r} (give its id or base URL; see `federation list`)")
    return found


class Command(BaseCommand):
    help = "Register, approve, revoke and harvest the peer platforms of this one."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="subcommand", required=True)
        commands.add_parser("list", help="the peers and their state")
        register = commands.add_parser("register", help="register with the peer at URL")
        register.add_argument("url")
        register.add_argument("--operator", required=True)
        approve = commands.add_parser("approve", help="approve a registered peer")
        approve.add_argument("peer")
        approve.add_argument("--operator", required=True)
        revoke = commands.add_parser("revoke", help="revoke a peer")
        revoke.add_argument("peer")
        revoke.add_argument("--operator", required=True)
        revoke.add_argument("--reason", required=True)
        harvest = commands.add_parser("harvest", help="pull approved peers' catalog changes")
        harvest.add_argument("peer", nargs="?")
        harvest.add_argument("--page-size", type=int, default=100)

    def handle(self, *args, subcommand, **options):
        try:
            with denials_recorded():
                getattr(self, subcommand)(**options)
        except ServiceError as error:
            raise CommandError(str(error.message)) from error

    def list(self, **options):
        for peer in Peer.objects.all():
            self.stdout.write(f"{peer.pk}\t{peer.state}\t{peer.region_code}\t{peer.base_url}\t"
                              f"{peer.name}\tcursor={peer.harvest_cursor}")

    def register(self, url, operator, **options):
        peer = services.peer_register(_operator(operator), base_url=url)
        self.stdout.write(f"registered {peer.name} ({peer.base_url}) as peer {peer.pk}, "
                          f"pending approval on both sides")

    def approve(self, peer, operator, **options):
        approved = services.peer_approve(_operator(operator), _peer(peer))
        self.stdout.write(f"approved {approved.name}")

    def revoke(self, peer, operator, reason, **options):
        revoked = services.peer_revoke(_operator(operator), _peer(peer), reason=reason)
        self.stdout.write(f"revoked {revoked.name}")

    def harvest(self, peer=None, page_size=100, **options):
        peers = [_peer(peer)] if peer else list(Peer.objects.approved())
        for each in peers:
            counts = services.peer_harvest(PLATFORM, each, page_size=page_size)
            self.stdout.write(f"{each.name}: {counts['applied']} applied, "
                              f"{counts['withdrawn']} withdrawn, {counts['refused']} refused")
