"""The exchange demo: synthetic identity numbers are valid GB 11643 numbers, and the demo
command leaves everything the README's steps use."""

import sqlite3
import tomllib

import pytest
from django.core.management import call_command

from govshare.exchange.population import check_character, is_valid_id, people


def test_gb11643_check_character_matches_the_standard_example():
    # GB 11643-1999, appendix: 11010519491231002X.
    assert check_character("11010519491231002") == "X"
    assert is_valid_id("11010519491231002X")
    assert not is_valid_id("110105194912310021")


def test_synthetic_people_are_distinct_valid_and_repeatable():
    rows = list(people(2000))
    numbers = [row[0] for row in rows]
    assert len(set(numbers)) == 2000 and all(is_valid_id(n) for n in numbers)
    assert all(n[6:14] == row[3].replace("-", "") for n, row in zip(numbers, rows, strict=True))
    assert rows == list(people(2000))


@pytest.mark.django_db
def test_r10_the_demo_command_prepares_provider_and_consumer(tmp_path, capsys):
    call_command("exchange_demo", rows=50, directory=str(tmp_path))
    out = capsys.readouterr().out
    assert "gsn_" in out and "gs_" in out
    database = sqlite3.connect(tmp_path / "gat-population.sqlite3")
    assert database.execute("SELECT count(*) FROM people").fetchone() == (50,)
    provider = tomllib.loads((tmp_path / "gat-node.toml").read_text())
    assert provider["push"][0]["columns"]["sfzh"] == "id_number"
    consumer = tomllib.loads((tmp_path / "mzt-node.toml").read_text())
    assert consumer["pull"][0]["token"].startswith("gs_")
    call_command("exchange_demo", rows=50, directory=str(tmp_path))
