"""De-identification rules (R19): each rule's effect on values, the rules' validation, the keyed
hash's key outside the database, and the k-anonymity check."""

import hashlib
import hmac
import stat
from types import SimpleNamespace

import pytest

from govshare.opendata.deidentify import (
    AddressGeneraliser,
    Deidentifier,
    hash_key,
    k_check,
    rules_errors,
)


def _item(identifier, name, data_type="string"):
    return SimpleNamespace(identifier=identifier, name=name, data_type=data_type,
                           get_data_type_display=lambda: data_type)


ITEMS = [_item("id", "编号"), _item("name", "姓名"), _item("born", "出生日期", "date"),
         _item("seen", "登记时间", "datetime"), _item("addr", "住址"), _item("phone", "电话"),
         _item("secret", "身份证号"), _item("late", "后加的信息项")]
RULES = {"id": {"rule": "keep"}, "name": {"rule": "mask", "first": 1, "last": 0},
         "born": {"rule": "generalise", "to": "year"},
         "seen": {"rule": "generalise", "to": "month"},
         "addr": {"rule": "generalise", "to": "county"}, "phone": {"rule": "hash"},
         "secret": {"rule": "drop"}}


def test_r19_each_rule_changes_the_released_values(demo):
    deidentifier = Deidentifier(ITEMS, RULES)
    row = deidentifier.row({"id": 7, "name": "张三丰", "born": "1990-05-17",
                            "seen": "2024-03-02T08:00:00",
                            "addr": "河北省石家庄市长安区建设北大街12号", "phone": "13812345678",
                            "secret": "130102199005170011", "late": "x"})
    assert [c.identifier for c in deidentifier.columns] == ["id", "name", "born", "seen", "addr",
                                                           "phone"], "dropped and unnamed stay out"
    expected_hash = hmac.new(hash_key(), b"13812345678", hashlib.sha256).hexdigest()
    assert row == [7, "张**", "1990", "2024-03", "河北省石家庄市长安区", expected_hash]
    assert [c.transformed for c in deidentifier.columns] == [False, True, True, True, True, True]
    assert deidentifier.row({"id": 8}) == [8, None, None, None, None, None], "nulls stay null"


def test_r19_mask_keeps_the_first_and_last_characters_asked_for(demo):
    deidentifier = Deidentifier([_item("code", "代码")],
                                {"code": {"rule": "mask", "first": 6, "last": 4}})
    assert deidentifier.row({"code": "130102199005170011"}) == ["130102********0011"]
    assert deidentifier.row({"code": "1301"}) == ["****"], "too short: wholly starred"


def test_r19_addresses_are_cut_at_the_county_the_register_knows(demo):
    generalise = AddressGeneraliser()
    assert generalise("河北省石家庄市正定县燕赵大街1号") == "河北省石家庄市正定县"
    assert generalise("石家庄市桥西区中山路5号") == "石家庄市桥西区"
    assert generalise("河北省辛集市新华路3号") == "河北省辛集市", "county-level city"
    assert generalise("河北省唐山市路北区某路") == "河北省唐山市", "county unknown: the city"
    assert generalise("北京市海淀区某路") is None, "no recognised region: withheld"


def test_r19_keyed_hash_key_lives_in_a_private_file(settings, tmp_path):
    key = hash_key()
    path = settings.GOVSHARE_OPENDATA_HASH_KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert hash_key() == key and len(key) == 32
    settings.GOVSHARE_OPENDATA_HASH_KEY_FILE = tmp_path / "other.key"
    deidentifier = Deidentifier([_item("p", "电话")], {"p": {"rule": "hash"}})
    assert deidentifier.row({"p": "13812345678"})[0] != hmac.new(
        key, b"13812345678", hashlib.sha256).hexdigest(), "another key, another hash"


def test_r19_rules_must_name_every_item_and_fit_its_type():
    assert rules_errors(RULES | {"late": {"rule": "keep"}}, ["born"], ITEMS) == {}
    errors = rules_errors({"id": {"rule": "shred"}, "born": {"rule": "generalise", "to": "county"},
                           "name": {"rule": "mask", "first": -1}, "ghost": {"rule": "keep"}},
                          ["secret"], ITEMS)
    assert set(errors) == {"id", "born", "name", "ghost", "rules", "quasi_identifiers"}
    assert "late" in errors["rules"][0], "the missing items are named"
    assert rules_errors({"secret": {"rule": "drop"}}, ["secret"], ITEMS[6:7]) == {
        "quasi_identifiers": ["准标识符须为对外提供（未删除）的信息项：secret。"]}


def test_r19_k_check_names_the_items_that_leave_small_groups():
    deidentifier = Deidentifier(ITEMS[:3], {"id": {"rule": "keep"}, "name": {"rule": "keep"},
                                            "born": {"rule": "generalise", "to": "year"}})
    rows = ([{"id": n, "name": "甲", "born": "1990-01-01"} for n in range(5)]
            + [{"id": n, "name": "乙", "born": "1991-06-01"} for n in range(5)])
    assert k_check(deidentifier, ["name", "born"], rows, 5).passed
    mixed = rows[:4] + [{"id": 9, "name": "甲", "born": "1991-02-02"}] + rows[5:]
    report = k_check(deidentifier, ["name", "born"], mixed, 5)
    assert set(report.small_groups) == {"born"}, "姓名 alone keeps groups of five"
    assert report.smallest_group == 1 and report.records == 10
    assert "出生日期" in report.errors()["born"][0]
    crossed = [{"id": n, "name": "甲乙"[n % 2], "born": ["1990-01-01", "1991-01-01"][n // 5]}
               for n in range(10)]
    report = k_check(deidentifier, ["name", "born"], crossed, 5)
    assert set(report.small_groups) == {"name", "born"}, "only the combination is too fine"


@pytest.mark.parametrize("k, passed", [(1, True), (2, False)])
def test_r19_k_comes_from_the_caller(k, passed):
    deidentifier = Deidentifier([_item("a", "甲")], {"a": {"rule": "keep"}})
    assert k_check(deidentifier, ["a"], [{"a": 1}, {"a": 2}], k).passed is passed
