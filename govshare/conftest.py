"""Fixtures shared by every app's tests: demo data, people by username, API clients, a browser."""

import os
import threading
import time
from types import SimpleNamespace

import django_ratelimit.core
import pytest
from django.conf import settings as django_settings
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connections
from django.test import Client, override_settings
from django.test.testcases import LiveServerThread
from django.utils import translation

from govshare.orgs.demo import DEMO_PASSWORD, DEMO_USERS, load_demo
from govshare.orgs.models import User

CHROMIUM = os.environ.get("GOVSHARE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class OneRequestAtATimeServer(ThreadedWSGIServer):
    """The live server. On the in-memory SQLite test database its request threads share the
    database's one connection (pytest-django hands it to them), where two transactions at once
    corrupt each other, as when a node sends two batches together: there the requests take turns,
    as a file database's IMMEDIATE transactions make them do in production."""

    def set_app(self, application):
        if not self.connections_override:
            return super().set_app(application)
        turn = threading.Lock()

        def one_at_a_time(environ, start_response):
            with turn:
                response = application(environ, start_response)
                try:
                    return [b"".join(response)]
                finally:
                    response.close()

        return super().set_app(one_at_a_time)


def pytest_configure(config):
    LiveServerThread.server_class = OneRequestAtATimeServer


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Argon2 is the production hasher (see test_r18_passwords_use_argon2); tests that create a
    dozen demo users each would spend most of their time in it."""
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the platform's language: a page asked for in English leaves the
    thread speaking English, which would otherwise leak into the next test's messages."""
    with translation.override(django_settings.LANGUAGE_CODE):
        yield


@pytest.fixture(autouse=True)
def secrets_key(settings, tmp_path_factory):
    """One secrets key for the whole run, outside the working tree."""
    settings.GOVSHARE_SECRETS_KEY_FILE = tmp_path_factory.getbasetemp() / "keys" / "secrets.key"
    return settings.GOVSHARE_SECRETS_KEY_FILE


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    """Background tasks run at once, inside the test, on django-tasks' immediate backend."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def immediate_sealing(settings):
    """Data accesses are chained as they are recorded, inside the test's transaction, so tests
    read them in the log; the deferred sealing has its own tests (audit/tests/test_sealer.py)."""
    settings.GOVSHARE_AUDIT_SEAL_SECONDS = 0


@pytest.fixture(autouse=True)
def empty_access_caches():
    """Rolled-back tests reuse ids: a grant view cached by one must not answer the next."""
    from govshare.core.localcache import clear_all

    clear_all()


@pytest.fixture
def one_ratelimit_window(monkeypatch):
    """Holds django-ratelimit's clock still: its windows are fixed (aligned to the period), so
    a test counting to a limit could otherwise see the count restart when a window closes."""
    now = time.time()
    monkeypatch.setattr(django_ratelimit.core, "time", SimpleNamespace(time=lambda: now))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The demo's rows, loaded once into the test database: each test's transaction is rolled
    back to them, which saves loading them again for each of the hundreds of tests that ask
    for them. A transactional test empties the database after it; `demo` reloads them then."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        load_demo()


@pytest.fixture
def demo(db):
    """Hebei's demo regions, organisations and one login per role."""
    if not User.objects.filter(username=DEMO_USERS[-1][0]).exists():
        load_demo()


@pytest.fixture
def person(demo):
    """A demo user by username: person("gat_admin")."""

    def get(username):
        return User.objects.get(username=username)

    return get


@pytest.fixture
def login(demo):
    """A test client logged in as a demo user: login("gat_admin")."""

    def make(username):
        client = Client()
        client.force_login(User.objects.get(username=username))
        return client

    return make


@pytest.fixture
def bearer():
    """A test client sending an application's bearer token on every request."""

    def make(token):
        return Client(headers={"Authorization": f"Bearer {token}"})

    return make


@pytest.fixture
def page(live_server, transactional_db, monkeypatch):
    """A Playwright page in Debian's chromium, pointed at the live test server."""
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # around it are synchronous and safe. Undone after the test, so that no later test (or a
    # process it starts) runs with Django's async safety switched off.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=live_server.url, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(15000)
        yield page
        # While Playwright runs, the test's ORM calls get a connection of their own (Django keeps
        # connections per context, and Playwright's sync API runs the test in another): closed
        # here, or its session outlives the run and PostgreSQL refuses to drop the test database.
        connections.close_all()
        context.close()
        browser.close()


@pytest.fixture
def browser_login(page):
    """Log the browser in through the real login form."""

    def do(username, password=DEMO_PASSWORD):
        page.goto("/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit].primary")
        page.wait_for_url("**/")
        return page

    return do
