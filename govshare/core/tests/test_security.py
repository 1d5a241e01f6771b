"""R18: the headers every page carries, the production settings, and the platform's rate limits."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

import govshare

TEMPLATES = sorted(Path(govshare.__file__).parent.glob("*/templates/**/*.html"))
# Documents rendered to PDF are never served to a browser, so CSP does not apply to them.
PDF_TEMPLATES = {"report_document.html"}
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>")
INLINE_HANDLER = re.compile(r"\son[a-z]+=|\shx-on[:=-]|javascript:|<style", re.IGNORECASE)

PRODUCTION_ENV = {
    "GOVSHARE_PRODUCTION": "1",
    "GOVSHARE_SECRET_KEY": "k" * 20 + "-production-test-secret-0123456789abcdef",
    "GOVSHARE_ALLOWED_HOSTS": "share.example.gov.cn",
}


def test_r18_pages_carry_csp_and_framing_headers(login):
    response = login("gat_staff").get("/")
    policy = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe-inline" not in directives["style-src"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_r18_templates_have_no_inline_script(template):
    """The policy refuses inline script and eval: a template needing them would break."""
    if template.name in PDF_TEMPLATES:
        return
    text = template.read_text()
    assert INLINE_SCRIPT.findall(text) == []
    assert INLINE_HANDLER.findall(text) == []


def _run(args, **env):
    return subprocess.run([sys.executable, "-m", "govshare.cli", *args],  # noqa: S603
                          env={**os.environ, **env}, capture_output=True, text=True, check=False)


@pytest.mark.parametrize("settings_env", [{}, {"GOVSHARE_BEHIND_PROXY": "1"}])
def test_r18_check_deploy_is_clean_in_production_mode(tmp_path, settings_env):
    result = _run(["check", "--deploy", "--fail-level", "WARNING"],
                  GOVSHARE_DATA_DIR=str(tmp_path), **PRODUCTION_ENV, **settings_env)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_r18_check_deploy_flags_the_demo_settings(tmp_path):
    result = _run(["check", "--deploy", "--fail-level", "WARNING"],
                  GOVSHARE_DATA_DIR=str(tmp_path), GOVSHARE_PRODUCTION="0")
    assert result.returncode != 0
    assert "security.W004" in result.stderr  # no HSTS without TLS


def test_r18_production_refuses_the_demo_secret_key(tmp_path):
    env = {**PRODUCTION_ENV, "GOVSHARE_SECRET_KEY": "insecure-demo-key-change-me-in-production"}
    result = _run(["check"], GOVSHARE_DATA_DIR=str(tmp_path), **env)
    assert result.returncode != 0
    assert "GOVSHARE_SECRET_KEY" in result.stderr


def test_r18_tls_settings_set_hsts_and_secure_cookies(tmp_path):
    code = ("from django.conf import settings as s; "
            "print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
            "s.SECURE_SSL_REDIRECT)")
    result = _run(["shell", "--no-imports", "-c", code], GOVSHARE_DATA_DIR=str(tmp_path),
                  **PRODUCTION_ENV)
    assert result.stdout.split() == ["31536000", "True", "True", "True"], result.stderr


@pytest.mark.usefixtures("one_ratelimit_window")
def test_r18_login_posts_are_rate_limited_per_address(demo, settings):
    settings.GOVSHARE_LOGIN_RATE = "3/m"
    client = Client()
    codes = [client.post("/accounts/login/", {"username": f"nobody{i}", "password": "x"})
             .status_code for i in range(4)]
    assert codes[:3] == [200, 200, 200]
    assert codes[3] == 429
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post("/accounts/login/", {"username": "a", "password": "x"}).status_code == 200


@pytest.mark.usefixtures("one_ratelimit_window")
def test_r18_bad_credentials_are_rate_limited(demo, settings):
    settings.GOVSHARE_AUTH_FAILURE_RATE = "2/m"
    client = Client(headers={"Authorization": "Bearer gs_nothing.wrong"})
    codes = [client.get("/api/v1/catalog/resources").status_code for _ in range(4)]
    assert codes == [401, 401, 429, 429]
    refused = client.get("/api/v1/catalog/resources")
    assert refused.json()["detail"]
    assert int(refused["Retry-After"]) > 0


@pytest.mark.usefixtures("one_ratelimit_window")
def test_r18_anonymous_requests_are_rate_limited(demo, settings, login):
    settings.GOVSHARE_ANONYMOUS_RATE = "2/m"
    anonymous = Client()
    codes = [anonymous.get("/accounts/login/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    # A logged-in person from the same address is not counted against the anonymous rate.
    assert login("gat_staff").get("/").status_code == 200


@pytest.mark.usefixtures("one_ratelimit_window")
def test_r18_a_verified_credential_passes_where_guesses_from_its_address_are_refused(
        demo, settings, bearer):
    from govshare.exchange.tests.factories import application_with_token

    settings.GOVSHARE_AUTH_FAILURE_RATE = "2/m"
    _application, token = application_with_token("河北省民政厅")
    known = bearer(token)
    assert known.get("/api/v1/catalog/resources").status_code == 200
    guesser = Client(headers={"Authorization": "Bearer gs_nothing.wrong"})
    assert [guesser.get("/api/v1/catalog/resources").status_code for _ in range(3)] == [
        401, 401, 429]
    assert known.get("/api/v1/catalog/resources").status_code == 200


@pytest.mark.usefixtures("one_ratelimit_window")
def test_r18_the_liveness_ping_is_not_counted_as_anonymous_traffic(demo, settings):
    settings.GOVSHARE_ANONYMOUS_RATE = "2/m"
    anonymous = Client()
    assert [anonymous.get("/api/v1/exchange/ping").status_code for _ in range(4)] == [200] * 4
    assert [anonymous.get("/accounts/login/").status_code for _ in range(3)] == [200, 200, 429]
