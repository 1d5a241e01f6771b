"""R7: searches made of hot terms are answered from their postings, and give exactly what
counting the matching documents in the database gives: the same hits in the same order with
the same scores, the same totals and facet counts, with filters, regions and pages, before and
after index writes and refreshes."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from govshare.search import postings
from govshare.search.aggregates import refresh_hot_terms
from govshare.search.index import index_document, remove_document, search
from govshare.search.models import PostingChange
from govshare.search.tasks import refresh_search_postings, schedule_refresh

from .conftest import make_document

QUERIES = [
    ("登记", {}),
    ("登记 信息", {}),
    ("信息 登记 公安", {"per_page": 100}),
    ("登记 登记", {}),
    ("登记", {"filters": {"share_type": ["无条件共享"]}}),
    ("信息", {"filters": {"share_type": ["有条件共享"]}}),
    ("信息", {"filters": {"share_type": ["无条件共享"], "format": ["接口", "数据库"]}}),
    ("信息", {"filters": {"provider": [11, "41"], "update_cycle": ["每日", "实时"]}}),
    ("信息", {"filters": {"region": ["130100", "130123"]}, "per_page": 3, "page": 2}),
    ("登记 信息", {"region": "130100", "filters": {"open_type": ["开放", "不开放"]}}),
    ("信息", {"region": "130000", "page": 3, "per_page": 7}),
    ("信息", {"filters": {"share_type": ["没有这种类型"]}}),
    ("信息", {"page": 9, "per_page": 20}),
    ("登记 结婚", {}),  # 结婚 is not hot: counted in the database
]


def _answers():
    return [search(query, **options) for query, options in QUERIES]


def _counted():
    refresh_hot_terms(min_documents=10**9)  # no hot terms: everything is counted
    return _answers()


def test_r7_postings_answer_exactly_what_counting_answers(indexed):
    counted = _counted()
    assert refresh_hot_terms(min_documents=8) > 0
    assert postings.load(["登记"]) is not None and postings.load(["结婚"]) is None
    assert _answers() == counted
    texts = [d.name + d.summary + d.data_items + d.provider_name for d in indexed]
    assert counted[0].total == counted[1].total == sum("登记" in t for t in texts) > 20
    assert counted[11].total == 0 and counted[12].hits == []


def test_r7_postings_take_no_count_over_the_documents(indexed):
    refresh_hot_terms(min_documents=8)
    search("登记 信息", filters={"share_type": ["无条件共享"]})  # loads the postings
    with CaptureQueriesContext(connection) as queries:
        result = search("登记 信息", filters={"share_type": ["无条件共享"]})
    assert result.total > 0
    assert not any("MATERIALIZED" in q["sql"] for q in queries.captured_queries)


def _write():
    index_document(make_document(1, name="户籍登记信息", region_code="130200",
                                 region_path="130000/130200", share_type="有条件共享"))
    index_document(make_document(41, name="流动人口登记信息"))
    index_document(make_document(42, name="流动人口登记信息", summary="", data_items=""))
    remove_document(5)
    remove_document(6)
    index_document(make_document(7, name="婚姻信息"))  # 登记 leaves its name


def test_r7_index_writes_keep_warm_postings_exact(indexed):
    refresh_hot_terms(min_documents=8)
    _answers()  # postings cached in this process before the writes
    _write()
    assert PostingChange.objects.exists()
    fast = _answers()
    assert fast == _counted()


def test_r7_refresh_folds_the_changes_in_and_deletes_them(indexed):
    refresh_hot_terms(min_documents=8)
    _answers()
    _write()
    refresh_hot_terms(min_documents=8)
    assert PostingChange.objects.exclude(term="").exists()  # kept for one more refresh
    refresh_hot_terms(min_documents=8)
    assert set(PostingChange.objects.values_list("term", flat=True)) == {""}
    fast = _answers()
    assert fast == _counted()


def test_r7_refresh_task_books_its_next_run(indexed, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.GOVSHARE_SEARCH_REFRESH_HOURS = 24
    settings.GOVSHARE_SEARCH_HOT_MIN_DOCUMENTS = 8
    assert postings.load(["信息"]) is None
    assert refresh_search_postings.call() > 0
    assert postings.load(["信息"]) is not None
    booked = DBTaskResult.objects.filter(task_path=refresh_search_postings.module_path,
                                         status="READY")
    assert booked.count() == 1
    assert schedule_refresh() is None  # one booking is kept, not two
    assert booked.count() == 1


def test_r7_tier_terms_give_each_documents_scores(indexed):
    from govshare.search.backends import backend, term_scores

    by_id = {doc.resource_id: doc for doc in indexed}
    rows = list(backend(connection).scored_rows())
    assert sorted(row.resource_id for row, _scores in rows) == sorted(by_id)
    for row, scores in rows:
        assert scores == term_scores(by_id[row.resource_id])
        assert row.published_at == by_id[row.resource_id].published_at


def test_r7_search_command_books_and_refreshes(indexed, settings):
    from io import StringIO

    from django.core.management import call_command

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.GOVSHARE_SEARCH_HOT_MIN_DOCUMENTS = 8
    out = StringIO()
    call_command("search", "schedule", stdout=out)
    call_command("search", "schedule", stdout=out)
    assert out.getvalue().splitlines() == ["booked the refresh", "a refresh is booked already"]
    call_command("search", "refresh", stdout=out)
    assert postings.load(["信息"]) is not None
