"""Row filters are data: validated against the resource's items, and the Python predicate and
the database query agree on every record (R14)."""

import pytest

from govshare.notifications.models import Notification
from govshare.sharing.rowfilter import row_filter_errors, row_filter_predicate, row_filter_q

ITEMS = {"id_number": "string", "region_code": "string", "age": "integer",
         "income": "decimal", "birth_date": "date", "alive": "boolean", "odd__name": "string"}

RECORDS = [
    {"id_number": "130102199001011234", "region_code": "130102", "age": 36, "income": 5200.5,
     "birth_date": "1990-01-01", "alive": True, "odd__name": "x"},
    {"id_number": "130123198505054321", "region_code": "130123", "age": 41, "income": 3100,
     "birth_date": "1985-05-05", "alive": False},
    {"id_number": "131000200012120011", "region_code": "131000", "age": 25, "income": None,
     "birth_date": "2000-12-12", "alive": True},
    {"id_number": "130100194001010000", "region_code": None, "age": 86, "birth_date": None},
    {"id_number": "130100196001010000", "age": "60", "alive": 1},
    {},
]

FILTERS = [
    {},
    {"item": "region_code", "op": "eq", "value": "130102"},
    {"item": "region_code", "op": "ne", "value": "130102"},
    {"item": "region_code", "op": "prefix", "value": "1301"},
    {"item": "region_code", "op": "in", "value": ["130102", "131000"]},
    {"item": "region_code", "op": "not_in", "value": ["130102"]},
    {"item": "age", "op": "gte", "value": 36},
    {"item": "age", "op": "lt", "value": 40},
    {"item": "age", "op": "eq", "value": 60},
    {"item": "income", "op": "gt", "value": 3100},
    {"item": "income", "op": "lte", "value": 3100.0},
    {"item": "birth_date", "op": "lt", "value": "1990-01-01"},
    {"item": "alive", "op": "eq", "value": True},
    {"item": "alive", "op": "ne", "value": False},
    {"item": "odd__name", "op": "eq", "value": "x"},
    {"all": [{"item": "region_code", "op": "prefix", "value": "1301"},
             {"item": "age", "op": "gte", "value": 40}]},
    {"any": [{"item": "region_code", "op": "eq", "value": "131000"},
             {"all": [{"item": "alive", "op": "eq", "value": False},
                      {"item": "income", "op": "lt", "value": 5000}]}]},
]


def _expected(row_filter):
    test = row_filter_predicate(row_filter)
    return [i for i, record in enumerate(RECORDS) if test(record)]


def test_r14_predicate_follows_sql_semantics_for_missing_and_null():
    assert _expected({}) == [0, 1, 2, 3, 4, 5]
    assert _expected({"item": "region_code", "op": "eq", "value": "130102"}) == [0]
    # Missing and null satisfy neither eq nor ne.
    assert _expected({"item": "region_code", "op": "ne", "value": "130102"}) == [1, 2]
    assert _expected({"item": "region_code", "op": "not_in", "value": ["130102"]}) == [1, 2]
    # "60" (text) is not 60, and 1 is not true.
    assert _expected({"item": "age", "op": "eq", "value": 60}) == []
    assert _expected({"item": "alive", "op": "eq", "value": True}) == [0, 2]
    assert _expected({"item": "birth_date", "op": "lt", "value": "1990-01-01"}) == [1]


@pytest.mark.django_db
@pytest.mark.parametrize("row_filter", FILTERS, ids=[str(i) for i in range(len(FILTERS))])
def test_r14_database_query_agrees_with_the_predicate(row_filter, django_user_model):
    assert row_filter_errors(row_filter, ITEMS) == []
    user = django_user_model.objects.create(username="rows")
    rows = Notification.objects.bulk_create(
        [Notification(recipient=user, event=str(i), message="", params=record)
         for i, record in enumerate(RECORDS)])
    matched = (Notification.objects.filter(pk__in=[r.pk for r in rows])
               .filter(row_filter_q(row_filter, "params")).values_list("event", flat=True))
    assert sorted(int(e) for e in matched) == _expected(row_filter)


@pytest.mark.parametrize("row_filter, fragment", [
    ({"item": "salary", "op": "eq", "value": 1}, "salary"),
    ({"item": "age", "op": "like", "value": 1}, "like"),
    ({"item": "age", "op": "eq", "value": "36"}, "age"),
    ({"item": "alive", "op": "eq", "value": 1}, "alive"),
    ({"item": "region_code", "op": "gt", "value": "130000"}, "region_code"),
    ({"item": "age", "op": "prefix", "value": "3"}, "age"),
    ({"item": "region_code", "op": "in", "value": "130102"}, "in"),
    ({"item": "region_code", "op": "in", "value": []}, "in"),
    ({"item": "birth_date", "op": "lt", "value": "1990-13-01"}, "birth_date"),
    ({"item": "age", "op": "eq"}, "item"),
    ({"all": []}, "all"),
    ({"all": [{"item": "age", "op": "eq", "value": 1}], "any": []}, "item"),
    ("region_code = '130102' OR 1=1", "item"),
])
def test_r14_invalid_row_filters_are_rejected_with_the_reason(row_filter, fragment):
    errors = row_filter_errors(row_filter, ITEMS)
    assert errors, row_filter
    assert any(fragment in e for e in errors), errors


def test_r14_row_filter_size_is_bounded():
    wide = {"all": [{"item": "age", "op": "eq", "value": i} for i in range(51)]}
    assert row_filter_errors(wide, ITEMS)
    deep = {"item": "age", "op": "eq", "value": 1}
    for _ in range(5):
        deep = {"all": [deep]}
    assert row_filter_errors(deep, ITEMS)
