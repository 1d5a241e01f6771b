"""`govshare exchange_demo`: 公安厅's population resource, a generated business database of
synthetic people and its node's config with a one-time registration code; 民政厅's 社会救助系统 with
a grant, a credential, and its node's config for pulling into a front-end database."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand

from govshare.exchange import delta, demo, services
from govshare.node.signing import generate_key
from govshare.orgs.demo import load_demo
from govshare.orgs.models import User


class Command(BaseCommand):
    help = "Create the exchange demo (population resource, business database, node configs)."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=100_000)
        parser.add_argument("--directory", default="var/exchange-demo")
        parser.add_argument("--platform", default="http://127.0.0.1:8000")

    def handle(self, *args, rows, directory, platform, **options):
        load_demo()
        directory = Path(directory).resolve()
        resource = demo.population_resource()
        business_db, config = demo.write_provider(directory, platform, rows)
        operator = User.objects.get(username="operator")
        _code, text = services.registration_code_issue(operator, resource.provider)
        application, grant, token = demo.relief_application_grant()
        consumer = directory / "mzt-node.toml"
        consumer.write_text(demo.consumer_config_text(platform, token,
                                                      directory / "mzt-frontdb.sqlite3"))
        if not (directory / "mzt-node.key").exists():
            generate_key(directory / "mzt-node.key")
        profile = directory / "mzt.share"
        profile.write_text(json.dumps({"shareCredentialsVersion": 1, "bearerToken": token,
                                       "endpoint": f"{platform}/api/v1/delta-sharing"}))
        table = f"{delta.share_name(application)}.{delta.schema_name(resource)}.{resource.code}"
        self.stdout.write(f"resource {resource.code} ({resource.name}) of {resource.provider}")
        self.stdout.write(f"business database: {business_db} ({rows} people)")
        self.stdout.write(f"provider node config: {config}")
        self.stdout.write(f"one-time registration code: {text}")
        self.stdout.write(f"consumer: {application} ({application.organization}), grant "
                          f"{grant.number} on {', '.join(grant.items)}")
        self.stdout.write(f"consumer credential: {token}")
        self.stdout.write(f"consumer node config: {consumer}")
        self.stdout.write(f"Delta Sharing profile: {profile}  table: {table}")
