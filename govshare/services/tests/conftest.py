"""A real provider on 127.0.0.1 in a thread, the platform's keys in a temporary directory, and
the demo's company resource with its service registered and granted."""

import pytest

from govshare.services import demo as service_demo
from govshare.services import provider


@pytest.fixture(autouse=True)
def service_keys(settings, tmp_path):
    settings.GOVSHARE_SERVICES_SIGNING_KEY_FILE = tmp_path / "keys" / "signing.pem"
    settings.GOVSHARE_SERVICES_CREDENTIAL_KEY_FILE = tmp_path / "keys" / "credentials.key"
    # Each test sees its own registrations and every sample at once.
    settings.GOVSHARE_SERVICES_CACHE_SECONDS = 0
    settings.GOVSHARE_SERVICES_HEALTH_FLUSH_SECONDS = 0


@pytest.fixture
def platform_key(service_keys):
    from govshare.services import vault

    return vault.published_key()["public_key"]


@pytest.fixture
def company_provider(platform_key):
    """The company lookup provider, checking the platform's signature."""
    server = provider.start(platform_key_text=platform_key, require_signature=True)
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def docked(demo, company_provider, bearer):
    """(endpoint, grant, consumer client, provider) with the demo's service and grant."""
    endpoint = service_demo.register(company_provider.base_url)
    _application, grant, token = service_demo.relief_grant()
    return endpoint, grant, bearer(token), company_provider
