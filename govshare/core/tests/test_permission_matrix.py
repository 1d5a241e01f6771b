"""R18: the permission matrix (permission_matrix.toml) against the running platform: every API
operation and every web view is in the table, anonymous callers are refused wherever the table
says so, and role-restricted operations refuse every caller the table does not name."""

import re
import tomllib
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse

from govshare.api import api
from govshare.exchange import demo as exchange_demo

MATRIX = tomllib.loads((Path(__file__).parent / "permission_matrix.toml").read_text())
PEOPLE = ["operator", "hb_reviewer", "supervisor", "gat_admin", "gat_officer", "gat_staff"]
CALLERS = ["anonymous", *PEOPLE, "application"]
PREFIX = "/api/v1"
REFUSED = {401, 403}


def api_operations() -> set[str]:
    schema = api.get_openapi_schema()
    return {f"{method.upper()} {path.removeprefix(PREFIX)}"
            for path, operations in schema["paths"].items() for method in operations}


def _patterns(patterns, prefix="", namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern.url_patterns, prefix + str(pattern.pattern),
                                 pattern.namespace or namespace)
        else:
            yield prefix + str(pattern.pattern), pattern.name, namespace


def web_views() -> dict[str, str]:
    """Every named view outside the API and the operator's admin: name → a URL with made-up
    path values."""
    views = {}
    for route, name, namespace in _patterns(get_resolver().url_patterns):
        if namespace in ("api", "admin"):
            continue
        url = re.sub(r"<int:[^>]+>", "999999", route)
        url = re.sub(r"<(?:str:)?[^>]+>", "nothing", url)
        views[f"{namespace}:{name}" if namespace else name] = "/" + url
    return views


@pytest.fixture
def callers(demo, login, settings):
    # The matrix is about who is let in, not how often: lift the anonymous rate limit.
    settings.GOVSHARE_ANONYMOUS_RATE = "100000/m"
    _application, _grant, token = exchange_demo.relief_application_grant()
    clients = {"anonymous": Client(),
               "application": Client(headers={"Authorization": f"Bearer {token}"})}
    clients.update({username: login(username) for username in PEOPLE})
    return clients


def _call(client, operation):
    method, path = operation.split(" ", 1)
    url = PREFIX + re.sub(r"\{[^}]+\}", "999999", path)
    return client.generic(method, url, "{}", content_type="application/json")


def test_r18_every_api_operation_is_in_the_matrix():
    listed = set(MATRIX["api"])
    assert sorted(api_operations() - listed) == [], "add these to permission_matrix.toml"
    assert sorted(listed - api_operations()) == [], "gone from the API: remove them"


def test_r18_every_web_view_is_in_the_matrix():
    listed, present = set(MATRIX["web"]), set(web_views())
    assert sorted(present - listed) == [], "add these to permission_matrix.toml"
    assert sorted(listed - present) == [], "gone from the URLconf: remove them"


def test_r18_matrix_values_are_known():
    for section in ("api", "web"):
        for key, value in MATRIX[section].items():
            assert value in ("public", "signed-in", "node") or (
                isinstance(value, list) and set(value) <= set(CALLERS) - {"anonymous"}), key


def test_r18_api_refuses_whom_the_matrix_refuses(callers):
    wrong = []
    for operation, rule in MATRIX["api"].items():
        if rule == "public":
            continue
        refused = (CALLERS if rule == "node" else
                   ["anonymous"] if rule == "signed-in" else
                   [c for c in CALLERS if c not in rule])
        for caller in refused:
            status = _call(callers[caller], operation).status_code
            if status not in REFUSED:
                wrong.append(f"{operation} as {caller}: {status}, expected a refusal")
        if isinstance(rule, list) and "{" not in operation:
            for caller in rule:
                status = _call(callers[caller], operation).status_code
                if status in REFUSED:
                    wrong.append(f"{operation} as {caller}: {status}, expected to be let in")
    assert wrong == [], "\n".join(wrong)


def test_r18_public_api_operations_let_anonymous_in(callers):
    for operation, rule in MATRIX["api"].items():
        if rule == "public":
            assert _call(callers["anonymous"], operation).status_code not in REFUSED, operation


def test_r18_web_views_refuse_anonymous_callers(callers):
    login = reverse(django_settings.LOGIN_URL)
    wrong = []
    for name, url in web_views().items():
        if MATRIX["web"][name] == "public":
            continue
        response = callers["anonymous"].get(url)
        if response.status_code == 405:
            response = callers["anonymous"].post(url)
        sent_to_login = (response.status_code == 302
                         and response["Location"].startswith(login))
        if not sent_to_login and response.status_code not in REFUSED:
            wrong.append(f"{name} ({url}): {response.status_code}")
    assert wrong == [], "\n".join(wrong)


def test_r18_public_web_views_let_anonymous_in(callers):
    login = reverse(django_settings.LOGIN_URL)
    for name, url in web_views().items():
        if MATRIX["web"][name] != "public" or name == "logout":
            continue
        response = callers["anonymous"].get(url)
        assert response.status_code not in REFUSED, name
        assert not (response.status_code == 302 and response["Location"].startswith(login)), name
