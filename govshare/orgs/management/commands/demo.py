"""`govshare demo`: load Hebei's demo data, app by app, and print the demo logins.

Each app with a `demo.py` module exposing `load_demo()` contributes, in INSTALLED_APPS order
(orgs first, so later apps find its regions, organisations and people); each returns the logins
it adds, as (username, password, display name, role label).
"""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand


def _demo_loaders():
    for config in apps.get_app_configs():
        module = f"{config.name}.demo"
        if config.name.startswith("govshare.") and find_spec(module):
            # Some demo modules only serve their own command (exchange_demo) and load nothing.
            load = getattr(import_module(module), "load_demo", None)
            if load is not None:
                yield load


class Command(BaseCommand):
    help = "Load (or refresh) the demo data and print the demo logins."

    def handle(self, *args, **options):
        logins = {}
        for load in _demo_loaders():
            for login in load() or []:
                logins.setdefault(login[0], login)
        self.stdout.write(self.style.SUCCESS("Demo data loaded. Logins (username / password):"))
        for username, password, display, role in logins.values():
            self.stdout.write(f"  {username:<14} {password}   {display}（{role}）")
