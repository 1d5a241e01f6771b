"""`govshare audit verify | seal | checkpoint | export-checkpoint`: check and attest the log.

verify              walk the chain, the head and every stored checkpoint; name the first record
                    that was modified, deleted, inserted or reordered, and pending accesses the
                    sealer left too long; exit 1 on any problem.
seal                chain the pending data accesses now (the platform does so by itself).
  --follow          and again every GOVSHARE_AUDIT_SEAL_SECONDS until stopped (`govshare serve`
                    runs it so, beside its workers).
  --checkpoint FILE also check an exported checkpoint: genuine, and its head still in the log.
checkpoint          sign the chain head now (--schedule: also book the periodic task).
export-checkpoint   sign the head if it moved, and write the latest checkpoint as JSON (with its
                    signature and public key) for the authority to keep.
"""

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from govshare.audit import checkpoints, sealer
from govshare.audit.models import AuditCheckpoint
from govshare.audit.tasks import schedule_checkpoints
from govshare.audit.verify import load_document, verify_log


class Command(BaseCommand):
    help = "Verify the tamper-evident audit log and make or export signed checkpoints."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="subcommand", required=True)
        verify = commands.add_parser("verify", help="check the chain and the checkpoints")
        verify.add_argument("--checkpoint", metavar="FILE",
                            help="an exported checkpoint the log must still contain")
        sealing = commands.add_parser("seal", help="chain the pending data accesses now")
        sealing.add_argument("--follow", action="store_true",
                             help="and again every GOVSHARE_AUDIT_SEAL_SECONDS until stopped")
        checkpoint = commands.add_parser("checkpoint", help="sign the chain head now")
        checkpoint.add_argument("--schedule", action="store_true",
                                help="also book the periodic checkpoint task")
        export = commands.add_parser("export-checkpoint",
                                     help="write the latest checkpoint as JSON")
        export.add_argument("--output", "-o", metavar="FILE",
                            help="file to write (default: standard output)")

    def handle(self, *args, subcommand, **options):
        {"verify": self.verify, "seal": self.seal, "checkpoint": self.checkpoint,
         "export-checkpoint": self.export}[subcommand](**options)

    def verify(self, checkpoint=None, **options):
        exported = None
        if checkpoint:
            try:
                with open(checkpoint, encoding="utf-8") as file:
                    exported = load_document(file.read())
            except (OSError, ValueError) as error:
                raise CommandError(f"cannot read checkpoint {checkpoint}: {error}") from error
        report = verify_log(exported)
        if not report.ok:
            for problem in report.problems:
                where = f" (position {problem.position})" if problem.position else ""
                self.stderr.write(f"FAILED [{problem.kind}]{where}: {problem.message}")
            raise CommandError("the audit log does not verify", returncode=1)
        attested = " and the exported checkpoint" if exported else ""
        self.stdout.write(
            f"OK: {report.records} records, head #{report.head_id} {report.head_hash[:16]}…, "
            f"{report.checkpoints} checkpoints{attested} verified"
        )

    def seal(self, follow=False, **options):
        if follow:
            if settings.GOVSHARE_AUDIT_SEAL_SECONDS <= 0:
                raise CommandError("GOVSHARE_AUDIT_SEAL_SECONDS is 0: every access is sealed "
                                   "as it is recorded, there is nothing to follow")
            sealer.follow(settings.GOVSHARE_AUDIT_SEAL_SECONDS)
            return
        self.stdout.write(f"sealed {sealer.seal()} pending access records")

    def checkpoint(self, schedule=False, **options):
        checkpoint = checkpoints.make_checkpoint()
        self.stdout.write(f"checkpoint #{checkpoint.pk}: record #{checkpoint.head_id} "
                          f"{checkpoint.head_hash[:16]}… signed by key {checkpoint.key_id}")
        if schedule and schedule_checkpoints() is not None:
            self.stdout.write("booked the periodic checkpoint task")

    def export(self, output=None, **options):
        checkpoints.make_checkpoint(only_if_moved=True)
        latest = AuditCheckpoint.objects.order_by("-id").first()
        text = json.dumps(checkpoints.export(latest), ensure_ascii=False, indent=2) + "\n"
        if output:
            with open(output, "w", encoding="utf-8") as file:
                file.write(text)
            self.stderr.write(f"wrote checkpoint #{latest.pk} (record #{latest.head_id}) to "
                              f"{output}")
        else:
            self.stdout.write(text, ending="")
