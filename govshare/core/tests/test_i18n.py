"""Chinese is the source language of every string; the English catalogs must be complete."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

import govshare

ROOT = Path(govshare.__file__).parent
APPS = sorted(p.parent.parent.parent.parent.name
              for p in ROOT.glob("*/locale/en/LC_MESSAGES/django.po"))


def test_every_app_with_strings_has_an_english_catalog():
    assert {"core", "orgs", "audit", "monitor"} <= set(APPS)


@pytest.mark.parametrize("app", APPS)
def test_english_catalog_is_complete_and_compiled(app):
    catalog = ROOT / app / "locale/en/LC_MESSAGES"
    po = polib.pofile(str(catalog / "django.po"))
    untranslated = [e.msgid for e in po if not e.msgstr or "fuzzy" in e.flags]
    assert untranslated == []
    compiled = {e.msgid: e.msgstr for e in polib.mofile(str(catalog / "django.mo"))}
    assert compiled == {e.msgid: e.msgstr for e in po}, "run `govshare compilemessages`"


@pytest.mark.parametrize("app", APPS)
def test_english_catalog_holds_every_string_of_the_source(app, tmp_path):
    copy = tmp_path / app
    shutil.copytree(ROOT / app, copy, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.rmtree(copy / "locale")
    (copy / "locale").mkdir()
    subprocess.run(
        [sys.executable, "-m", "govshare.cli", "makemessages", "-l", "en", "--no-location"],
        cwd=copy, check=True, capture_output=True,
    )
    extracted = {e.msgid for e in polib.pofile(str(copy / "locale/en/LC_MESSAGES/django.po"))}
    catalog = {e.msgid for e in polib.pofile(str(ROOT / app / "locale/en/LC_MESSAGES/django.po"))}
    assert extracted - catalog == set(), "run makemessages in the app and translate"


def test_r4_pages_are_chinese_until_english_is_chosen(client, demo):
    page = client.get("/accounts/login/", headers={"accept-language": "en-US,en"})
    assert 'lang="zh-hans"' in page.content.decode() and "登录" in page.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    english = client.get("/accounts/login/").content.decode()
    assert 'lang="en"' in english and "Log in" in english


def test_r4_api_messages_follow_accept_language(client, demo):
    chinese = client.get("/api/v1/me").json()["detail"]
    english = client.get("/api/v1/me", headers={"accept-language": "en"}).json()["detail"]
    assert chinese == "需要登录或有效的访问凭证。"
    assert english == "Log in or present a valid credential."
