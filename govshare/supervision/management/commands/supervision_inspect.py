"""`govshare supervision_inspect`: run the supervision inspection now, or queue it for the task
worker; with `--report`, generate and deliver the supervision report as well.

The task worker inspects the top regions every GOVSHARE_SUPERVISION_INSPECT_HOURS by itself;
findings are idempotent, so running it again only updates them.
"""

from django.core.management.base import BaseCommand

from govshare.supervision import tasks


class Command(BaseCommand):
    help = "Inspect departments for article 22 violations, list overdue notices, rank."

    def add_arguments(self, parser):
        parser.add_argument("--region", default="", help="region code (default: the top regions)")
        parser.add_argument("--period", default="",
                            help="2026, 2026-Q1 or 2026-03 (default: the current period)")
        parser.add_argument("--report", action="store_true",
                            help="also generate the supervision report and deliver it")
        parser.add_argument("--enqueue", action="store_true",
                            help="queue the work for the task worker instead of running it")

    def handle(self, *args, region="", period="", report=False, enqueue=False, **options):
        jobs = [tasks.inspect] + ([tasks.report] if report else [])
        for job in jobs:
            if enqueue:
                self.stdout.write(f"queued {job.name} {job.enqueue(region, period).id}")
            else:
                self.stdout.write(f"{job.name}: {job.call(region, period)}")
