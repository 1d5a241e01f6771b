"""`govshare demo`: load Hebei's demo regions, organisations and one login per role."""

from django.core.management.base import BaseCommand

from govshare.orgs.demo import load_demo


class Command(BaseCommand):
    help = "Load (or refresh) the demo data and print the demo logins."

    def handle(self, *args, **options):
        logins = load_demo()
        self.stdout.write(self.style.SUCCESS("Demo data loaded. Logins (username / password):"))
        for username, password, display, role in logins:
            self.stdout.write(f"  {username:<14} {password}   {display}（{role}）")
