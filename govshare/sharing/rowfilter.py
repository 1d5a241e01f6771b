"""Row filters: which rows of a resource a grant lets through, written as data, never as SQL.

A row filter is a JSON object. The empty object lets every row through. Otherwise it is a group
or a condition::

    {"all": [node, ...]}          every node holds
    {"any": [node, ...]}          at least one node holds
    {"item": "region_code", "op": "eq", "value": "130100"}

Operators: eq, ne, in, not_in (value a list), lt, lte, gt, gte (numbers, dates and date-times
only), prefix (text only). A record that lacks the item, or holds null for it, satisfies no
condition on it, `ne` and `not_in` included, as in SQL. Values must match the item's data type,
which keeps the Python predicate and the database query in agreement.

`row_filter_errors` validates a filter against a resource's data items; `row_filter_predicate`
turns a valid one into a function over a record dict; `row_filter_q` into a Django Q over a JSON
field holding records, for the exchange's record store.
"""

from collections.abc import Callable
from datetime import date, datetime

from django.db.models import CharField, ExpressionWrapper, F, Func, JSONField, Q
from django.db.models.fields.json import KeyTransform, compile_json_path
from django.db.models.lookups import Exact
from django.utils.translation import gettext as _

OPERATORS = ("eq", "ne", "in", "not_in", "lt", "lte", "gt", "gte", "prefix")
_LIST_OPS = {"in", "not_in"}
_RANGE_OPS = {"lt", "lte", "gt", "gte"}
_MAX_CONDITIONS = 50
_MAX_DEPTH = 4
_MAX_LIST = 1000

_TEXT_TYPES = {"string", "text"}
_RANGE_TYPES = {"integer", "decimal", "date", "datetime"}


def _value_ok(data_type: str, value) -> bool:
    """True when a JSON value suits an item of `data_type` (the catalog's DataType)."""
    if data_type == "boolean":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if data_type == "integer":
        return isinstance(value, int)
    if data_type == "decimal":
        return isinstance(value, int | float)
    if data_type == "date":
        return isinstance(value, str) and _parses(date.fromisoformat, value)
    if data_type == "datetime":
        return isinstance(value, str) and _parses(datetime.fromisoformat, value)
    return isinstance(value, str)


def _parses(parse, text) -> bool:
    try:
        parse(text)
    except ValueError:
        return False
    return True


def _group(node):
    """("all" | "any", children) for a group node, else None."""
    if isinstance(node, dict) and len(node) == 1:
        key = next(iter(node))
        if key in ("all", "any"):
            return key, node[key]
    return None


def row_filter_errors(row_filter, item_types: dict[str, str]) -> list[str]:
    """Messages for everything wrong with `row_filter`, given the resource's items as
    {identifier: data type}; an empty list when it is valid."""
    if row_filter in (None, {}):
        return []
    errors: list[str] = []
    count = 0

    def check(node, depth):
        nonlocal count
        if depth > _MAX_DEPTH:
            errors.append(_("数据范围的嵌套层级过多（最多%(n)s层）。") % {"n": _MAX_DEPTH})
            return
        group = _group(node)
        if group is not None:
            _kind, children = group
            if not isinstance(children, list) or not children:
                errors.append(_("“all”或“any”须为非空的条件列表。"))
                return
            for child in children:
                check(child, depth + 1)
            return
        if not isinstance(node, dict) or set(node) != {"item", "op", "value"}:
            errors.append(_("每个条件须包含且只包含 item、op、value 三项，或为 all/any 条件组。"))
            return
        count += 1
        item, op, value = node["item"], node["op"], node["value"]
        if item not in item_types:
            errors.append(_("信息项“%(item)s”不属于该资源。") % {"item": item})
            return
        if op not in OPERATORS:
            errors.append(_("不支持的比较方式“%(op)s”。") % {"op": op})
            return
        data_type = item_types[item]
        if op in _RANGE_OPS and data_type not in _RANGE_TYPES:
            errors.append(_("信息项“%(item)s”不能做大小比较（仅限数值、日期）。") % {"item": item})
            return
        if op == "prefix" and data_type not in _TEXT_TYPES:
            errors.append(_("前缀匹配只适用于字符型信息项（“%(item)s”）。") % {"item": item})
            return
        values = value if op in _LIST_OPS else [value]
        if op in _LIST_OPS and (not isinstance(value, list) or not 0 < len(value) <= _MAX_LIST):
            errors.append(_("“%(op)s”的值须为1至%(n)s个值的列表。") % {"op": op, "n": _MAX_LIST})
            return
        if not all(_value_ok(data_type, v) for v in values):
            errors.append(_("信息项“%(item)s”的比较值与其数据类型不符。") % {"item": item})

    check(row_filter, 1)
    if count > _MAX_CONDITIONS:
        errors.append(_("数据范围的条件过多（最多%(n)s个）。") % {"n": _MAX_CONDITIONS})
    return errors


def _same_kind(a, b) -> bool:
    """JSON types compared as the databases compare them: booleans are not numbers."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    if isinstance(a, int | float) and isinstance(b, int | float):
        return True
    return type(a) is type(b)


def _holds(op, actual, value) -> bool:
    if actual is None:
        return False
    if op in _LIST_OPS:
        found = any(_same_kind(actual, v) and actual == v for v in value)
        return found if op == "in" else not found
    if not _same_kind(actual, value):
        return False
    if op == "eq":
        return actual == value
    if op == "ne":
        return actual != value
    if op == "prefix":
        return actual.startswith(value)
    return {"lt": actual < value, "lte": actual <= value,
            "gt": actual > value, "gte": actual >= value}[op]


def row_filter_predicate(row_filter) -> Callable[[dict], bool]:
    """A function telling whether a record (dict of item → value) passes a valid filter."""
    if row_filter in (None, {}):
        return lambda record: True
    group = _group(row_filter)
    if group is not None:
        kind, children = group
        tests = [row_filter_predicate(child) for child in children]
        combine = all if kind == "all" else any
        return lambda record: combine(test(record) for test in tests)
    item, op, value = row_filter["item"], row_filter["op"], row_filter["value"]
    return lambda record: _holds(op, record.get(item), value)


def _json_kind(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "string"


class _JSONKeyKind(Func):
    """The JSON type of one key of a JSON column ("string", "number", "boolean", "null", …),
    named alike on SQLite and PostgreSQL. The databases otherwise disagree across types: SQLite
    reads true as 1 and puts any text above any number, PostgreSQL orders by type first."""

    output_field = CharField()

    def __init__(self, field, key):
        super().__init__(F(field))
        self.key = key

    def as_sqlite(self, compiler, connection):
        column, params = compiler.compile(self.source_expressions[0])
        path = compile_json_path([self.key])
        kind = f"json_type({column}, %s)"
        sql = (f"CASE WHEN {kind} IN ('integer', 'real') THEN 'number' "
               f"WHEN {kind} IN ('true', 'false') THEN 'boolean' "
               f"WHEN {kind} = 'text' THEN 'string' ELSE {kind} END")
        return sql, (*params, path) * 4

    def as_postgresql(self, compiler, connection):
        column, params = compiler.compile(self.source_expressions[0])
        return f"jsonb_typeof({column} -> %s)", (*params, self.key)


_LOOKUPS = {"eq": "exact", "ne": "exact", "in": "in", "not_in": "in", "lt": "lt", "lte": "lte",
            "gt": "gt", "gte": "gte", "prefix": "startswith"}


def row_filter_q(row_filter, field: str = "data") -> Q:
    """A Q over the JSON field `field` (each row's record) equivalent to the predicate."""
    if row_filter in (None, {}):
        return Q()
    group = _group(row_filter)
    if group is not None:
        kind, children = group
        parts = [row_filter_q(child, field) for child in children]
        combined = parts[0]
        for part in parts[1:]:
            combined = combined & part if kind == "all" else combined | part
        return combined
    item, op, value = row_filter["item"], row_filter["op"], row_filter["value"]
    # Expressions, not "field__item" strings, so an identifier containing "__" stays one key.
    # The wrapper gives the key its JSON type now, so each lookup prepares its value as
    # filter() would.
    key = KeyTransform(item, ExpressionWrapper(F(field), output_field=JSONField()))
    # Only values of the filter's JSON type take part; this also leaves out missing and null.
    typed = Q(Exact(_JSONKeyKind(field, item), _json_kind(value[0] if op in _LIST_OPS
                                                         else value)))
    lookup = Q(key.get_lookup(_LOOKUPS[op])(key, value))
    return typed & (~lookup if op in ("ne", "not_in") else lookup)
