"""R7: the catalog search benchmark runs, and on its data the index finds what a scan finds.

Behaviour only, at N=2,000: timings belong to bench/catalog_search.py and docs/performance.md.
"""

import importlib.util
from pathlib import Path

import pytest

from govshare.search.aggregates import is_hot
from govshare.search.index import search

BENCH = Path(__file__).resolve().parents[3] / "bench" / "catalog_search.py"
N = 2000
TERMS = ["户籍", "登记", "不动产", "社保", "婚姻", "石家庄市", "联系电话"]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("catalog_search", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def loaded(db, bench):
    # A low threshold, so some single-term searches take the hot-term path as they do at scale.
    assert bench.load(N, hot_min_documents=100) > 0
    return bench


def _all_ids(find, total):
    found = set()
    for page in range(1, total // 100 + 2):
        found |= set(find(page))
    return found


def test_r7_search_finds_what_the_substring_scan_finds(loaded):
    assert is_hot("登记") and not is_hot("户籍")  # both paths are compared with the scan
    for term in TERMS:
        total, _ids, facets = loaded.substring_search(term)
        result = search(term, per_page=100)
        assert result.total == total > 0, term
        assert result.facets == facets, term
        found = _all_ids(lambda p, t=term: [h.resource_id for h in
                                            search(t, page=p, per_page=100).hits], total)
        scanned = _all_ids(lambda p, t=term: loaded.substring_search(t, page=p, per_page=100)[1],
                           total)
        assert found == scanned, term


def test_r7_benchmark_queries_all_run_and_agree_with_the_scan_on_counts(loaded):
    rows = loaded.measure(repeat=2, baseline_repeat=2)
    assert [r["query"] for r in rows] == [q[0] for q in loaded.QUERIES]
    for row, (_label, query, options) in zip(rows, loaded.QUERIES, strict=True):
        assert row["p95"] >= row["p50"] > 0
        if len(query.split()) <= 1:
            assert row["total"] == loaded.substring_search(query, **options)[0], row["query"]
    assert loaded.load(N) == 0.0
    assert search("").total == N
