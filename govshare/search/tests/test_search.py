"""R7: the province's published catalog is searchable (full text in Chinese, facets, regions).

Every test here runs on SQLite and, with GOVSHARE_DATABASE_URL set, on PostgreSQL: the same
assertions on both show the two indexes give the same results for this data.
"""

import os
import subprocess
import sys

import pytest
from django.db import transaction

from govshare.core.exceptions import ValidationError
from govshare.search import segment
from govshare.search.aggregates import is_hot, refresh_hot_terms
from govshare.search.index import (
    FACETS,
    Document,
    Hit,
    SearchResult,
    index_document,
    remove_document,
    search,
)

from .conftest import make_document, python_facets


def _ids(result):
    return [hit.resource_id for hit in result.hits]


def _matching(docs, term):
    return [d for d in docs
            if any(term in text for text in (d.name, d.summary, d.data_items, d.provider_name))]


def test_r7_search_finds_huji_in_changzhu_renkou_huji_xinxi(regions):
    index_document(make_document(1, name="常住人口户籍信息", summary="", data_items=""))
    index_document(make_document(2, name="婚姻登记信息", summary="", data_items=""))
    result = search("户籍")
    assert isinstance(result, SearchResult)
    assert _ids(result) == [1]
    hit = result.hits[0]
    assert isinstance(hit, Hit) and hit.name == "常住人口户籍信息" and hit.score > 0
    assert search("常住人口").total == 1
    assert search("人口户籍").total == 1
    assert search("结婚").total == 0


def test_r7_hit_carries_every_stored_field(regions):
    doc = make_document(7)
    index_document(doc)
    [hit] = search("登记").hits
    stored = {name: getattr(hit, name) for name in Document.__dataclass_fields__}
    assert stored == doc.__dict__


def test_r7_search_covers_summary_data_items_and_provider(indexed):
    for term in ["结婚", "公民身份号码", "坐落", "民政厅", "人力资源"]:
        expected = sorted(d.resource_id for d in _matching(indexed, term))
        assert expected, term
        assert sorted(_ids(search(term, per_page=100))) == expected, term


def test_r7_terms_are_anded_and_case_and_width_do_not_matter(regions):
    index_document(make_document(1, name="ABC 平台户籍接口", summary="", data_items=""))
    index_document(make_document(2, name="ABC 平台婚姻接口", summary="", data_items=""))
    assert _ids(search("abc 户籍")) == [1]
    assert sorted(_ids(search("ＡＢＣ"))) == [1, 2]
    assert search("户籍 婚姻").total == 0


def test_r7_government_terms_stay_whole():
    assert "统一社会信用代码" in segment.tokens("企业统一社会信用代码查询")
    assert "户籍" in segment.tokens("常住人口户籍信息")


def test_r7_facet_counts_equal_python_counts_for_the_whole_catalog(indexed):
    result = search("")
    assert type(result.total) is int and result.total == len(indexed)
    assert {type(n) for counts in result.facets.values() for _v, n in counts} == {int}
    assert result.facets == python_facets(indexed)
    assert set(result.facets) == set(FACETS)


def test_r7_facet_counts_equal_python_counts_for_a_term(indexed):
    result = search("登记")
    expected = _matching(indexed, "登记")
    assert result.total == len(expected) > 0
    assert result.facets == python_facets(expected)


def test_r7_facet_counts_equal_python_counts_with_filters(indexed):
    filters = {"share_type": ["无条件共享", "有条件共享"], "format": ["接口"]}
    kept = [d for d in indexed if d.share_type in filters["share_type"] and d.format == "接口"]
    assert 0 < len(kept) < len(indexed)
    result = search("", filters=filters, per_page=100)
    assert result.total == len(kept)
    assert sorted(_ids(result)) == sorted(d.resource_id for d in kept)
    assert result.facets == python_facets(kept)
    with_term = search("登记", filters=filters, per_page=100)
    expected = _matching(kept, "登记")
    assert sorted(_ids(with_term)) == sorted(d.resource_id for d in expected)
    assert with_term.facets == python_facets(expected)


def test_r7_provider_filter_takes_ids_and_facet_gives_ids(indexed):
    result = search("", filters={"provider": [41, "11"]}, per_page=100)
    kept = [d for d in indexed if d.provider_id in (11, 41)]
    assert sorted(_ids(result)) == sorted(d.resource_id for d in kept)
    assert {value for value, _n in result.facets["provider"]} == {11, 41}


def test_r7_region_keeps_the_subtree(indexed):
    def ids_in(prefix):
        return sorted(d.resource_id for d in indexed
                      if d.region_path == prefix or d.region_path.startswith(prefix + "/"))

    city = search("", region="130100", per_page=100)
    assert sorted(_ids(city)) == ids_in("130000/130100")
    assert {v for v, _n in city.facets["region"]} == {"130100", "130102", "130123"}
    assert city.facets == python_facets([d for d in indexed if d.resource_id in _ids(city)])
    county = search("", region="130123", per_page=100)
    assert sorted(_ids(county)) == ids_in("130000/130100/130123")
    assert search("", region="130000").total == len(indexed)
    assert search("", region="130300").total == 0
    term = search("登记", region="130100", per_page=100)
    city_ids = ids_in("130000/130100")
    assert sorted(_ids(term)) == sorted(
        d.resource_id for d in _matching(indexed, "登记") if d.resource_id in city_ids)


def test_r7_name_match_ranks_above_summary_match_above_data_item_match(regions):
    index_document(make_document(1, name="人口统计", summary="", data_items="户籍地址"))
    index_document(make_document(2, name="人口统计", summary="含户籍人口", data_items=""))
    index_document(make_document(3, name="户籍人口统计", summary="", data_items=""))
    assert _ids(search("户籍")) == [3, 2, 1]


def test_r7_equal_scores_list_newest_first(indexed):
    result = search("婚姻", per_page=100)
    hits = result.hits
    assert len(hits) > 2
    for before, after in zip(hits, hits[1:], strict=False):
        if before.score == after.score:
            assert (before.published_at, before.resource_id) > (after.published_at,
                                                                 after.resource_id)


def test_r7_empty_query_lists_everything_newest_first(indexed):
    result = search("", per_page=100)
    expected = sorted(indexed, key=lambda d: (d.published_at, d.resource_id), reverse=True)
    assert _ids(result) == [d.resource_id for d in expected]
    assert {hit.score for hit in result.hits} == {0.0}


@pytest.mark.parametrize("query", ["", "登记"])
def test_r7_pages_split_the_result_without_gaps_or_repeats(indexed, query):
    whole = search(query, per_page=100)
    pages = [search(query, page=n, per_page=7) for n in range(1, 8)]
    assert [p.total for p in pages] == [whole.total] * 7
    assert all(p.facets == whole.facets for p in pages)
    assert all(len(p.hits) <= 7 for p in pages) and pages[0].page == 1 and pages[0].per_page == 7
    assert sum((_ids(p) for p in pages), []) == _ids(whole)
    beyond = search(query, page=50, per_page=7)
    assert beyond.hits == [] and beyond.total == whole.total


def test_r7_reindexing_replaces_the_document(indexed):
    before = search("")
    index_document(make_document(1, name="流动人口居住登记", share_type="有条件共享"))
    index_document(make_document(1, name="流动人口居住登记", share_type="有条件共享"))
    assert search("").total == before.total
    assert _ids(search("流动人口")) == [1]
    original = make_document(1)
    assert 1 not in _ids(search(original.name, per_page=100))
    changed = [make_document(1, name="流动人口居住登记", share_type="有条件共享")
               if d.resource_id == 1 else d for d in indexed]
    assert search("").facets == python_facets(changed)
    assert search("", filters={"region": ["130102"]}).facets == python_facets(
        [d for d in changed if d.region_code == "130102"])
    moved = make_document(2, region_code="130200", region_path="130000/130200")
    index_document(moved)
    changed = [moved if d.resource_id == 2 else d for d in changed]
    assert search("", region="130100").facets == python_facets(
        [d for d in changed if d.region_path.startswith("130000/130100")])
    assert search("", region="130200").facets == python_facets(
        [d for d in changed if d.region_path == "130000/130200"])


def test_r7_removal_removes_the_document_and_its_counts(indexed):
    removed = [d for d in indexed if d.provider_id == 31]
    for doc in removed:
        remove_document(doc.resource_id)
    remove_document(999)
    kept = [d for d in indexed if d.provider_id != 31]
    assert search("").total == len(kept)
    assert search("", per_page=100).facets == python_facets(kept)
    assert 31 not in {v for v, _n in search("").facets["provider"]}
    assert not set(_ids(search("登记", per_page=100))) & {d.resource_id for d in removed}


def test_r7_index_write_rolls_back_with_the_callers_transaction(regions):
    with pytest.raises(RuntimeError), transaction.atomic():
        index_document(make_document(1, name="常住人口户籍信息"))
        assert search("户籍").total == 1
        raise RuntimeError("the catalog's publish failed")
    assert search("户籍").total == 0
    assert search("").facets == {facet: [] for facet in FACETS}


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"page": 0}, "page"),
    ({"page": "2"}, "page"),
    ({"per_page": 0}, "per_page"),
    ({"per_page": 101}, "per_page"),
    ({"filters": {"colour": ["红"]}}, "filters"),
    ({"filters": {"share_type": "无条件共享"}}, "filters"),
    ({"filters": {"provider": ["公安厅"]}}, "filters"),
    ({"region": "13"}, "region"),
    ({"region": "990000"}, "region"),
    ({"query": "户" * 201}, "query"),
])
def test_r7_bad_search_input_names_the_field(regions, kwargs, field):
    arguments = {"query": "户籍", **kwargs}
    with pytest.raises(ValidationError) as error:
        search(arguments.pop("query"), **arguments)
    assert list(error.value.field_errors) == [field]


def test_r7_bad_document_names_the_field(regions):
    naive = make_document(1).published_at.replace(tzinfo=None)
    with pytest.raises(ValidationError) as error:
        index_document(make_document(1, published_at=naive, provider_id="11"))
    assert set(error.value.field_errors) == {"published_at", "provider_id"}
    with pytest.raises(ValidationError) as error:
        index_document(make_document(2, region_code="1301001"))
    assert set(error.value.field_errors) == {"region_code"}
    assert search("").total == 0


def test_r7_query_without_words_finds_nothing(indexed):
    result = search("，。！")
    assert result.total == 0 and result.hits == []


def test_r7_importing_the_index_does_not_load_jieba():
    code = ("import django, sys; django.setup(); import govshare.search.index; "
            "sys.exit('jieba' in sys.modules)")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "govshare.settings"}
    done = subprocess.run([sys.executable, "-c", code], env=env, check=False)  # noqa: S603
    assert done.returncode == 0


HOT_QUERIES = [
    ("登记", {}),
    ("登记", {"region": "130100"}),
    ("登记", {"region": "130123"}),
    ("信息", {"page": 2, "per_page": 5}),
    ("信息", {"page": 3, "per_page": 7, "region": "130000"}),
    ("公安", {}),
    ("姓名", {"per_page": 100}),
]


def _answers():
    return [search(query, **options) for query, options in HOT_QUERIES]


def test_r7_hot_terms_answer_exactly_what_counting_answers(indexed):
    counted = _answers()
    assert refresh_hot_terms(min_documents=8) > 0
    hot = search("登记")
    assert type(hot.total) is int
    assert {type(n) for counts in hot.facets.values() for _v, n in counts} == {int}
    assert is_hot("登记") and is_hot("信息") and not is_hot("结婚")
    assert _answers() == counted
    assert counted[0].facets == python_facets(_matching(indexed, "登记"))


def test_r7_index_writes_keep_hot_term_counts_exact(indexed):
    refresh_hot_terms(min_documents=8)
    index_document(make_document(1, name="户籍登记信息", region_code="130200",
                                 region_path="130000/130200"))
    index_document(make_document(41, name="流动人口登记信息"))
    remove_document(5)
    remove_document(6)
    kept = _answers()
    refresh_hot_terms(min_documents=10**9)
    assert not is_hot("登记")
    assert _answers() == kept


def test_r7_a_query_needs_only_its_words_since_documents_hold_their_sub_words():
    assert segment.query_tokens("常住人口 户籍") == ["常住人口", "户籍"]
    document = set(segment.tokens("常住人口户籍信息"))
    assert {"常住", "人口", "常住人口", "户籍"} <= document
    assert set(segment.query_tokens("人口")) <= document


@pytest.mark.parametrize(("filters", "region"), [
    ({"share_type": ["无条件共享"]}, None),
    ({"classification": ["基础信息资源", "部门信息资源"]}, "130100"),
    ({"provider": ["041", 11]}, None),
    ({"region": ["130102"]}, "130000"),
    ({"update_cycle": ["每月"]}, "130123"),
])
def test_r7_one_facet_filter_on_a_blank_query_counts_exactly(indexed, filters, region):
    [(facet, values)] = filters.items()
    column = FACETS[facet]
    accepted = {int(v) for v in values} if facet == "provider" else set(values)
    path = {"130000": "130000", "130100": "130000/130100", "130123": "130000/130100/130123"}
    kept = [d for d in indexed if getattr(d, column) in accepted and (
        region is None or d.region_path == path[region]
        or d.region_path.startswith(path[region] + "/"))]
    result = search("", filters=filters, region=region, per_page=100)
    assert result.total == len(kept) > 0
    assert result.facets == python_facets(kept)
    assert sorted(_ids(result)) == sorted(d.resource_id for d in kept)
    remove_document(kept[0].resource_id)
    assert search("", filters=filters, region=region).facets == python_facets(kept[1:])
