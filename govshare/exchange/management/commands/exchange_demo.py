"""`govshare exchange_demo`: 公安厅's population resource, a generated business database of
synthetic people, the node's config, and a one-time code to register the node."""

from pathlib import Path

from django.core.management.base import BaseCommand

from govshare.exchange import demo, services
from govshare.orgs.demo import load_demo
from govshare.orgs.models import User


class Command(BaseCommand):
    help = "Create the exchange demo (population resource, business database, node config)."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=100_000)
        parser.add_argument("--directory", default="var/exchange-demo")
        parser.add_argument("--platform", default="http://127.0.0.1:8000")

    def handle(self, *args, rows, directory, platform, **options):
        load_demo()
        resource = demo.population_resource()
        business_db, config = demo.write_provider(Path(directory), platform, rows)
        operator = User.objects.get(username="operator")
        _code, text = services.registration_code_issue(operator, resource.provider)
        self.stdout.write(f"resource {resource.code} ({resource.name}) of {resource.provider}")
        self.stdout.write(f"business database: {business_db} ({rows} people)")
        self.stdout.write(f"node config: {config}")
        self.stdout.write(f"one-time registration code: {text}")
