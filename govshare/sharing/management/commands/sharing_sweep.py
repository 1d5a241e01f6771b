"""`govshare sharing_sweep`: run the deadline sweep now, or queue it for the task worker.

The task worker sweeps hourly by itself (`govshare serve` books the first sweep); this command
is for a sweep now, or for cron where no task worker runs. Each overdue step is reported once.
"""

from django.core.management.base import BaseCommand

from govshare.sharing.tasks import sweep_deadlines


class Command(BaseCommand):
    help = "Record overdue workflow steps, notify who holds them, expire grants."

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true",
                            help="queue the sweep for the task worker instead of running it")

    def handle(self, *args, enqueue=False, **options):
        if enqueue:
            result = sweep_deadlines.enqueue()
            self.stdout.write(f"queued sweep {result.id}")
            return
        counts = sweep_deadlines.call()
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in counts.items()))
