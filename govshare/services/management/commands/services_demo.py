"""`govshare services_demo`: start 河北省市场监督管理局's company lookup provider on 127.0.0.1,
register it as the service of the 企业登记信息 resource, grant 民政厅's 社会救助系统 part of it,
print how to call it through the gateway, and serve until interrupted (`--no-serve`: set up
only)."""

import logging
import threading

from django.core.management.base import BaseCommand

from govshare.orgs.demo import load_demo
from govshare.services import demo, provider, vault


class Command(BaseCommand):
    help = "Start the demo company lookup provider and dock it into the platform."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=18201)
        parser.add_argument("--platform", default="http://127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true")

    def handle(self, *args, port, platform, no_serve, **options):
        load_demo()
        logging.basicConfig(level=logging.INFO)
        server = provider.ProviderServer(
            ("127.0.0.1", port), platform_key_text=vault.published_key()["public_key"],
            require_signature=True, log_requests=True)
        endpoint = demo.register(server.base_url)
        application, grant, token = demo.relief_grant()
        code = endpoint.resource.code
        self.stdout.write(f"provider {demo.PROVIDER}: {server.base_url} "
                          f"(checks the platform's signature)")
        self.stdout.write(f"service of {code}: "
                          f"{', '.join(str(o) for o in endpoint.operations.all())}")
        self.stdout.write(f"consumer: {application} ({application.organization}), grant "
                          f"{grant.number} on {', '.join(grant.items)}")
        self.stdout.write(f"consumer credential: {token}")
        example = provider.COMPANIES[0]["credit_code"]
        self.stdout.write(f'try: curl -H "Authorization: Bearer {token}" '
                          f"{platform}/api/v1/services/{code}/companies/{example}")
        if no_serve:
            server.server_close()
            return
        self.stdout.write("serving; Ctrl-C to stop")
        try:
            threading.Thread(target=server.serve_forever, daemon=True).start()
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
        finally:
            server.shutdown()
            server.server_close()
