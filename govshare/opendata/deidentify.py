"""De-identification (脱敏) of open data: every value that leaves the portal, a download or the
CKAN API passes through the approved rules of its resource.

Rules, per data item (`{"rule": …}` plus the rule's parameters):
- `keep`: released as it is;
- `drop`: never released (an item the rules do not name is dropped too, so an item added by a
  later catalog version stays out until the rules are reviewed again);
- `mask`: keep the first `first` and last `last` characters, star the rest (the exchange's
  masking code);
- `generalise`: dates and date-times `to` "year" (1990) or "month" (1990-05); addresses `to`
  "county": cut after the county named in the platform's region register (an address whose county
  is not recognised is cut at its city or province, one with no recognised region is withheld);
- `hash`: HMAC-SHA256 under the platform's secret key (a file outside the database), so equal
  values stay linkable across downloads while the value itself cannot be recovered by hashing
  guesses without the key.

The k-anonymity check groups a resource's records by the released values of its
quasi-identifiers and refuses when a group holds fewer than k records, naming the items.
"""

import hashlib
import hmac
import os
import re
import secrets
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from govshare.catalog.models import DataType
from govshare.exchange.masking import keep
from govshare.orgs.models import Region

RULES = ("keep", "drop", "mask", "generalise", "hash")
DATE_TYPES = (DataType.DATE, DataType.DATETIME)
TEXT_TYPES = (DataType.STRING, DataType.TEXT)
GENERALISE_TO = {"year": DATE_TYPES, "month": DATE_TYPES, "county": TEXT_TYPES}
MAX_KEPT = 50
_DATE = re.compile(r"^(\d{4})-(\d{2})")
_KEY_BYTES = 32


def _param_errors(spec, item):
    rule = spec.get("rule")
    if rule == "mask":
        kept = [spec.get("first", 0), spec.get("last", 0)]
        if not all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= MAX_KEPT
                   for n in kept):
            return [_("保留的首尾字符数须为0到%(n)d之间的整数。") % {"n": MAX_KEPT}]
    if rule == "generalise":
        to = spec.get("to")
        if to not in GENERALISE_TO:
            return [_("泛化方式只能是 year（年）、month（月）或 county（县级行政区）。")]
        if item.data_type not in GENERALISE_TO[to]:
            return [_("“%(item)s”为%(type)s，不能按此方式泛化。") % {
                "item": item.name, "type": item.get_data_type_display()}]
    return []


def rules_errors(rules, quasi_identifiers, items) -> dict[str, list[str]]:
    """Every reason `rules` and `quasi_identifiers` do not fit the data `items` of the version
    in force, by field (an item's identifier, `rules` or `quasi_identifiers`)."""
    if not isinstance(rules, dict):
        return {"rules": [_("处理规则须为“信息项标识符: 规则”。")]}
    if not isinstance(quasi_identifiers, list | tuple):
        return {"quasi_identifiers": [_("准标识符须为信息项标识符的列表。")]}
    by_id = {item.identifier: item for item in items}
    errors = {}
    for identifier, spec in rules.items():
        item = by_id.get(identifier)
        if item is None:
            errors[identifier] = [_("现行版本中没有这个信息项。")]
        elif not isinstance(spec, dict) or spec.get("rule") not in RULES:
            errors[identifier] = [_("处理方式只能是：%(rules)s。") % {"rules": "、".join(RULES)}]
        elif messages := _param_errors(spec, item):
            errors[identifier] = messages
    missing = [i.identifier for i in items if i.identifier not in rules]
    if missing:
        errors["rules"] = [_("每个信息项都须给出处理方式，缺少：%(items)s。") % {
            "items": "、".join(missing)}]
    wrong = [q for q in quasi_identifiers
             if q not in by_id or (rules.get(q) or {}).get("rule", "drop") == "drop"]
    if wrong:
        errors["quasi_identifiers"] = [_("准标识符须为对外提供（未删除）的信息项：%(items)s。")
                                       % {"items": "、".join(map(str, wrong))}]
    return errors


def hash_key() -> bytes:
    """The platform's secret for keyed hashes, from `GOVSHARE_OPENDATA_HASH_KEY_FILE`, created
    (mode 0600) on first use. It is outside the database, so a copy of the database alone cannot
    test guesses against the released hashes."""
    path = Path(settings.GOVSHARE_OPENDATA_HASH_KEY_FILE)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "w") as file:
                file.write(secrets.token_hex(_KEY_BYTES))
    for _attempt in range(50):
        text = path.read_text().strip()
        # Another process may have created the file a moment ago and still be writing it.
        if len(text) >= 2 * _KEY_BYTES:
            return bytes.fromhex(text)
        time.sleep(0.01)
    raise RuntimeError(f"the open data hash key {path} is empty or damaged")


class AddressGeneraliser:
    """Cuts an address after its county (区/县) as the region register names it."""

    def __init__(self):
        self.children: dict[int | None, list[Region]] = {}
        for region in Region.objects.order_by("code"):
            self.children.setdefault(region.parent_id, []).append(region)

    def _match(self, rest, parent_ids):
        candidates = [r for p in parent_ids for r in self.children.get(p, [])]
        return max((r for r in candidates if rest.startswith(r.name)),
                   key=lambda r: len(r.name), default=None)

    def __call__(self, value: str):
        rest, kept, parents = value.strip(), "", [None]
        while True:
            region = self._match(rest, parents)
            if region is None:
                # A level may be left out: the province before a city, or the city before a
                # county-level city.
                grandchildren = [c.pk for p in parents for c in self.children.get(p, [])]
                region = self._match(rest, grandchildren)
            if region is None:
                break
            kept, rest = kept + region.name, rest[len(region.name):]
            if region.level == Region.Level.COUNTY:
                break
            parents = [region.pk]
        return kept or None


def _generalise_date(value, to):
    found = _DATE.match(str(value))
    if not found:
        return None
    return found.group(1) if to == "year" else f"{found.group(1)}-{found.group(2)}"


@dataclass(frozen=True)
class Column:
    """A released data item: its identifier, name, type, and whether its values are still of
    that type (kept as they are) or text (masked, generalised, hashed)."""

    identifier: str
    name: str
    data_type: str
    transformed: bool


class Deidentifier:
    """The approved rules of one resource applied to its records' payloads."""

    def __init__(self, items, rules):
        self._rules = dict(rules or {})
        self.columns = [
            Column(item.identifier, item.name, item.data_type,
                   self._rules[item.identifier]["rule"] != "keep")
            for item in items
            if (self._rules.get(item.identifier) or {}).get("rule", "drop") != "drop"
        ]
        self._functions = [self._function(self._rules[c.identifier]) for c in self.columns]

    def _function(self, spec):
        rule = spec["rule"]
        if rule == "keep":
            return lambda v: v
        if rule == "mask":
            return lambda v: keep(str(v), spec.get("first", 0), spec.get("last", 0))
        if rule == "hash":
            key = hash_key()
            return lambda v: hmac.new(key, str(v).encode(), hashlib.sha256).hexdigest()
        if spec["to"] == "county":
            return AddressGeneraliser()
        return lambda v: _generalise_date(v, spec["to"])

    def released(self, identifier) -> bool:
        return any(c.identifier == identifier for c in self.columns)

    def row(self, payload: dict) -> list:
        """The released values of one record, in column order; nulls stay null."""
        return [self._apply(f, payload.get(c.identifier))
                for c, f in zip(self.columns, self._functions, strict=True)]

    def value(self, identifier, payload):
        index = [c.identifier for c in self.columns].index(identifier)
        return self._apply(self._functions[index], payload.get(identifier))

    @staticmethod
    def _apply(function, raw):
        return None if raw is None else function(raw)


@dataclass(frozen=True)
class KReport:
    """The k-anonymity check: records seen, the smallest group of the quasi-identifiers'
    combination, and for each item alone or the combination, the groups below k."""

    k: int
    records: int
    smallest_group: int | None
    small_groups: dict[str, int]
    names: dict[str, str]

    @property
    def passed(self) -> bool:
        return not self.small_groups

    def errors(self) -> dict[str, list[str]]:
        return {item: [_("准标识符“%(item)s”使 %(n)d 个分组的记录少于 %(k)d 条（最小分组 "
                         "%(smallest)d 条），不能开放。") % {
                             "item": self.names.get(item, item), "n": n, "k": self.k,
                             "smallest": self.smallest_group or 0}]
                for item, n in self.small_groups.items()}


def k_check(deidentifier: Deidentifier, quasi_identifiers, payloads, k: int) -> KReport:
    """Group `payloads` by the released values of the quasi-identifiers. Each item that alone
    leaves a group smaller than `k` is named; when none does but their combination does, every
    quasi-identifier is named. Memory grows with the number of distinct groups, not records."""
    quasi = [q for q in quasi_identifiers if deidentifier.released(q)]
    names = {c.identifier: c.name for c in deidentifier.columns}
    single = {q: Counter() for q in quasi}
    combined = Counter()
    records = 0
    for payload in payloads:
        records += 1
        values = tuple(deidentifier.value(q, payload) for q in quasi)
        combined[values] += 1
        for q, v in zip(quasi, values, strict=True):
            single[q][v] += 1
    if not quasi or not records:
        return KReport(k, records, None, {}, names)
    small = {q: sum(1 for n in counts.values() if n < k) for q, counts in single.items()}
    small = {q: n for q, n in small.items() if n}
    below = sum(1 for n in combined.values() if n < k)
    if below and not small:
        small = {q: below for q in quasi}
    return KReport(k, records, min(combined.values()), small, names)


def describe(spec) -> str:
    """How a rule treats an item, for the portal page and the rule forms."""
    rule = (spec or {}).get("rule", "drop")
    if rule == "mask":
        return _("遮盖（保留前 %(first)d 位、后 %(last)d 位）") % {
            "first": spec.get("first", 0), "last": spec.get("last", 0)}
    if rule == "generalise":
        return {"year": _("泛化到年"), "month": _("泛化到月"),
                "county": _("泛化到县级行政区")}.get(spec.get("to"), _("泛化"))
    return {"keep": _("原样提供"), "drop": _("不提供"),
            "hash": _("密钥哈希（HMAC-SHA256）")}[rule]
