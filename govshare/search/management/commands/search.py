"""`govshare search schedule | refresh`: the search index's periodic work.

schedule   book the periodic refresh of the hot terms' postings for the task worker (it then
           books its own next run).
refresh    rebuild the hot terms' postings now (publishing goes on meanwhile).
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from govshare.search.aggregates import refresh_hot_terms
from govshare.search.tasks import schedule_refresh


class Command(BaseCommand):
    help = "Schedule or run the refresh of the search index's hot terms."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="subcommand", required=True)
        commands.add_parser("schedule", help="book the periodic refresh")
        commands.add_parser("refresh", help="refresh the hot terms' postings now")

    def handle(self, *args, subcommand, **options):
        if subcommand == "schedule":
            booked = schedule_refresh() is not None
            self.stdout.write("booked the refresh" if booked else "a refresh is booked already")
        else:
            hot = refresh_hot_terms(settings.GOVSHARE_SEARCH_HOT_MIN_DOCUMENTS)
            self.stdout.write(f"{hot} hot term(s)")
