"""`govshare monitor schedule | stats | detect | report`: monitoring's periodic work.

schedule   book the first run of the detection, statistics and monthly report tasks for the
           task worker (each then books its own next run).
stats      compute a day's statistics now (--day, default today), replacing earlier figures.
detect     run the anomaly detector over the access records since its last run.
report     make a region's sharing report for a month (--region CODE --month YYYY-MM).
"""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError

from govshare.core import clock
from govshare.core.exceptions import ServiceError
from govshare.core.permissions import denials_recorded
from govshare.monitor import services
from govshare.monitor.tasks import MONITOR, previous_month, schedule_monitoring
from govshare.orgs.models import Region


def _month(text):
    try:
        first = date.fromisoformat(f"{text}-01")
    except ValueError as error:
        raise CommandError(f"--month must be YYYY-MM: {error}") from error
    return previous_month(first.replace(day=28) + timedelta(days=4))


class Command(BaseCommand):
    help = "Schedule or run monitoring's periodic work: statistics, detection, reports."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="subcommand", required=True)
        commands.add_parser("schedule", help="book the periodic monitoring tasks")
        stats = commands.add_parser("stats", help="compute a day's statistics now")
        stats.add_argument("--day", type=date.fromisoformat, help="YYYY-MM-DD (default today)")
        commands.add_parser("detect", help="run the anomaly detector now")
        report = commands.add_parser("report", help="make a region's monthly report now")
        report.add_argument("--region", required=True, help="GB/T 2260 code, e.g. 130000")
        report.add_argument("--month", required=True, help="YYYY-MM")

    def handle(self, *args, subcommand, **options):
        try:
            with denials_recorded():
                {"schedule": self.schedule, "stats": self.stats, "detect": self.detect,
                 "report": self.report}[subcommand](**options)
        except ServiceError as error:
            raise CommandError(str(error.message)) from error

    def schedule(self, **options):
        booked = schedule_monitoring()
        self.stdout.write(f"booked {len(booked)} monitoring task(s)")

    def stats(self, day=None, **options):
        stats_day = services.stats_compute(MONITOR, day or clock.today())
        self.stdout.write(f"{stats_day.day}: {stats_day.rows} rows")

    def detect(self, **options):
        raised = services.alert_detect(MONITOR)
        self.stdout.write(f"{len(raised)} new alert(s)")

    def report(self, region, month, **options):
        found = Region.objects.filter(code=region).first()
        if found is None:
            raise CommandError(f"no region {region}")
        start, end = _month(month)
        report = services.report_generate(MONITOR, region=found, start=start, end=end)
        self.stdout.write(f"{report.title}: {report.pdf.path} (sha256 {report.pdf_sha256})")
