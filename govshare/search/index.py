"""The catalog's full-text search index: the one public API of `govshare.search`.

The catalog calls `index_document` when it publishes a resource (or changes a published one),
`remove_document` when it withdraws one, and `search` from its catalog browser, each after its
own permission checks: this module has no actor and checks none.

How it works, and why (docs/search.md has the long version):
- Each published resource is one row of `search_document`: the stored fields, one column per
  facet, and the provider's region path. Text is segmented by jieba (`segment.tokens`) once, at
  index time, and again for each query, the same way.
- Full text: an FTS5 table on SQLite, a tsvector with a GIN index on PostgreSQL (`backends.py`).
  Both are inverted indexes inside the database the platform already runs, so the index commits
  and rolls back with the catalog's own transaction and there is no second system to keep in
  sync. A trigram index would find substrings but is several times larger and cannot look up the
  two-character words most Chinese queries are made of.
- Score: for each query term, the fields holding it (name 8, summary 4, data items 2, provider
  1, summed); ties newest first. It is computed the same way on both databases, so they rank
  identically, and unlike bm25 or ts_rank a term's score is a small integer stored with it.
- Facets are exact. A query holding a term with few matches is counted by the database over
  its matching rows (one statement: the rows are materialised once and grouped seven times).
  The blank query (with a region, or one facet filter) sums counters every index write keeps
  exact (`aggregates.py`); a query made only of hot terms, with any filters and region, is
  counted and ranked in memory from their postings (`postings.py`).
- A region's subtree is a prefix of `region_path`, answered from an index.
"""

import datetime
from dataclasses import dataclass, fields
from operator import itemgetter

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from govshare.core.exceptions import ValidationError
from govshare.orgs.models import Region

from . import aggregates, postings
from .aggregates import FACETS
from .backends import FIELD_NAMES, aware, backend
from .models import SearchDocument
from .segment import query_tokens

MAX_PER_PAGE = 100
MAX_QUERY_LENGTH = 200


@dataclass(frozen=True)
class Document:
    """A published resource as the index stores it."""

    resource_id: int
    code: str
    name: str
    summary: str
    data_items: str
    provider_id: int
    provider_name: str
    region_code: str
    region_path: str
    classification: str
    share_type: str
    open_type: str
    format: str
    update_cycle: str
    published_at: datetime.datetime


@dataclass(frozen=True)
class Hit(Document):
    """A document found by a search, with its relevance (0 when the query is empty)."""

    score: float


@dataclass(frozen=True)
class SearchResult:
    total: int
    page: int
    per_page: int
    hits: list[Hit]
    # Facet name → [(value, count)], most frequent first, over the whole result set.
    facets: dict[str, list[tuple[str | int, int]]]


_INT_FIELDS = {"resource_id", "provider_id"}


def _check_document(doc):
    if not isinstance(doc, Document):
        raise ValidationError({"doc": [_("需要一个 Document。")]})
    errors = {}
    limits = {f.attname: f.max_length for f in SearchDocument._meta.fields if f.max_length}
    for field in fields(Document):
        value = getattr(doc, field.name)
        if field.name in _INT_FIELDS:
            ok = isinstance(value, int) and not isinstance(value, bool) and value > 0
        elif field.name == "published_at":
            ok = isinstance(value, datetime.datetime) and value.tzinfo is not None
        else:
            ok = isinstance(value, str) and len(value) <= limits.get(field.name, len(value))
        if not ok:
            errors[field.name] = [_("取值不正确。")]
    if errors:
        raise ValidationError(errors)


def _stored(resource_id):
    names = [f.name for f in fields(Document)]
    row = SearchDocument.objects.filter(pk=resource_id).values_list(*names).first()
    return Document(*row) if row else None


def index_document(doc: Document) -> None:
    """Insert or replace the document of `doc.resource_id`, inside the caller's transaction."""
    _check_document(doc)
    with transaction.atomic(), connection.cursor() as cursor:
        engine = backend(connection)
        engine.lock(cursor)
        before = _stored(doc.resource_id)
        engine.write(cursor, doc)
        aggregates.replace(cursor, before, doc)


def remove_document(resource_id: int) -> None:
    """Remove the document of `resource_id` from the index; nothing happens if it is absent."""
    with transaction.atomic(), connection.cursor() as cursor:
        engine = backend(connection)
        engine.lock(cursor)
        before = _stored(resource_id)
        if before:
            engine.delete(cursor, resource_id)
            aggregates.replace(cursor, before, None)


def _positive_int(value, low, high):
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _check_search(query, filters, region, page, per_page, within, fields):
    errors = {}
    if within is not None and not isinstance(within, QuerySet):
        errors["within"] = [_("范围须为资源编号的查询集。")]
    if fields is not None and (not fields or not set(fields) <= set(FIELD_NAMES)):
        errors["fields"] = [_("检索字段只能是：%(names)s。") % {"names": "、".join(FIELD_NAMES)}]
    if not isinstance(query, str) or len(query) > MAX_QUERY_LENGTH:
        errors["query"] = [_("检索词须为不超过 %(n)d 个字的文本。") % {"n": MAX_QUERY_LENGTH}]
    if not _positive_int(page, 1, 10**6):
        errors["page"] = [_("页码须为正整数。")]
    if not _positive_int(per_page, 1, MAX_PER_PAGE):
        errors["per_page"] = [_("每页条数须在 1 到 %(n)d 之间。") % {"n": MAX_PER_PAGE}]
    if filters is not None:
        if not isinstance(filters, dict):
            errors["filters"] = [_("筛选条件须为“分面: 取值列表”。")]
        else:
            unknown = sorted(str(name) for name in filters if name not in FACETS)
            if unknown:
                errors["filters"] = [_("未知的分面：%(names)s。") % {"names": "、".join(unknown)}]
            elif not all(isinstance(v, list | tuple | set) for v in filters.values()):
                errors["filters"] = [_("每个分面的取值须为列表。")]
    if region is not None and not (isinstance(region, str) and len(region) == 6
                                   and region.isdigit()):
        errors["region"] = [_("区划代码为6位数字（GB/T 2260）。")]
    if errors:
        raise ValidationError(errors)


def _filter_values(filters):
    """Each constrained facet with its accepted values, as the database compares them."""
    accepted = {}
    for facet, values in sorted((filters or {}).items()):
        values = sorted({str(v) for v in values})
        if facet == "provider":
            if not all(v.isdigit() for v in values):
                raise ValidationError({"filters": [_("提供方须以单位编号筛选。")]})
            values = sorted({int(v) for v in values})
        if values:
            accepted[facet] = values
    return accepted


def _filter_conditions(filters):
    """The WHERE conditions (on alias d) and their parameters for the facet filters."""
    clauses, params = [], []
    for facet, values in _filter_values(filters).items():
        clauses.append(f"d.{FACETS[facet]} IN ({', '.join(['%s'] * len(values))})")
        params.extend(values)
    return clauses, params


def _region_conditions(engine, region):
    """The WHERE condition (on alias d.region_path) keeping `region`'s subtree."""
    if region is None:
        return [], []
    path = Region.objects.filter(code=region).values_list("path", flat=True).first()
    if path is None:
        raise ValidationError({"region": [_("没有这个行政区划。")]})
    return [engine.subtree], [path, engine.subtree_pattern.format(path)]


def _within_conditions(within):
    """The WHERE condition (on alias d) keeping the resource ids `within` selects."""
    if within is None:
        return [], []
    sql, params = within.query.sql_with_params()
    return [f"d.resource_id IN ({sql})"], list(params)


def _where(clauses):
    return f"WHERE {' AND '.join(clauses)}" if clauses else ""


def _ranked(facet, counts):
    """`counts` most frequent first, ties by value: two stable sorts with plain keys, since a
    region's or the province's 2,000-odd providers make a key function per item cost
    milliseconds."""
    if facet == "provider":
        counts = [(int(value), n) for value, n in counts]
    counts = sorted(counts, key=itemgetter(0))
    counts.sort(key=itemgetter(1), reverse=True)
    return counts


def _count_facets(source, clauses, params):
    """Facet counts and total over the rows of `source` that satisfy `clauses`."""
    columns = ", ".join(f"d.{c} AS {c}" for c in FACETS.values())
    groups = " UNION ALL ".join(
        f"SELECT '{facet}', CAST({column} AS TEXT), COUNT(*) FROM hits GROUP BY {column}"
        for facet, column in FACETS.items())
    sql = (f"WITH hits AS MATERIALIZED (SELECT {columns} FROM {source} {_where(clauses)}) "
           f"{groups}")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return _grouped(rows)


def _grouped(rows):
    by_facet = {facet: [] for facet in FACETS}
    for facet, value, count in rows:
        by_facet[facet].append((value, count))
    facets = {facet: _ranked(facet, counts) for facet, counts in by_facet.items()}
    total = sum(n for _value, n in facets["share_type"])
    return total, facets


def _in_region(region_clauses):
    # Without a region, the whole catalog's rows (region_path '') hold the sums already.
    return region_clauses or ["d.region_path = ''"]


# PostgreSQL sums bigints into numerics: cast back, so counts are ints on both databases
# (and converting 2,000 decimals in Python is not paid on every search).
_SUM = "CAST(SUM(count) AS BIGINT)"


def _counted_facets(clauses, params):
    """Facets of every document in the region the `clauses` keep, summed from the counters."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT facet, value, {_SUM} FROM search_facet_count d "
                       f"{_where(['d.count > 0', *_in_region(clauses)])} GROUP BY facet, value",
                       params)
        return _grouped(cursor.fetchall())


def _paired_facets(facet, values, region_clauses, region_params):
    """Facets of every document (in the region) whose `facet` is one of `values`, summed from
    the pair counters; the facet itself from the per-region counters."""
    values = [str(v) for v in values]
    where = _where(["d.facet = %s", f"d.value IN ({', '.join(['%s'] * len(values))})",
                    "d.count > 0", *_in_region(region_clauses)])
    params = [facet, *values, *region_params]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT other, other_value, {_SUM} FROM search_pair_count d "
                       f"{where} GROUP BY other, other_value", params)
        rows = cursor.fetchall()
        cursor.execute(f"SELECT facet, value, {_SUM} FROM search_facet_count d "
                       f"{where} GROUP BY facet, value", params)
        rows += cursor.fetchall()
    return _grouped(rows)


def _postings_search(terms, filters, region_path, page, per_page):
    """A query made only of hot terms, answered from their postings (`postings.py`): exact
    counts, the same order as counting gives; None when a term is not hot."""
    loaded = postings.load(sorted(set(terms)))
    if loaded is None:
        return None
    accepted = {FACETS[facet]: values for facet, values in _filter_values(filters).items()}
    total, counts, page_ids = postings.search([loaded[t] for t in terms], accepted, region_path,
                                              (page - 1) * per_page, per_page)
    facets = {facet: counts[column] for facet, column in FACETS.items()}
    hits = []
    if page_ids:
        ids = [rid for rid, _score in page_ids]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {_STORED} FROM search_document d WHERE d.resource_id IN "
                           f"({', '.join(['%s'] * len(ids))})", ids)
            stored = {row[0]: row for row in cursor.fetchall()}
        hits = [Hit(*stored[rid][:-1], aware(stored[rid][-1]), score=float(score))
                for rid, score in page_ids]
    return SearchResult(total, page, per_page, hits, facets)


_STORED = ", ".join(f"d.{f.name}" for f in fields(Document))


def _newest_first(engine, clauses, params, matching, limit, offset):
    """`limit` of the `matching` documents `clauses` keep, from `offset`, newest first."""
    return _hits(engine.newest_sql(f"{_STORED}, 0 AS score", _where(clauses), matching),
                 [*params, limit, offset])


def _hits(sql, params):
    documents = SearchDocument.objects.raw(sql, params)
    return [Hit(*(getattr(d, f.name) for f in fields(Document)), score=float(d.score))
            for d in documents]


def search(query: str, *, filters=None, region=None, page=1, per_page=20, within=None,
           fields=None) -> SearchResult:
    """Resources matching every term of `query` (all of them when it is blank), best first.

    `filters` maps facet names to accepted values (any value within a facet, every facet);
    an empty list is no constraint. `region` keeps that region's subtree. `within`, a queryset
    of resource ids (`Resource.objects.filter(…).values("pk")`), keeps only those documents;
    `fields` (some of "name", "summary", "data_items", "provider") are the only fields the
    query's terms may match. Both are for readers that see part of the catalog (the open data
    portal); their facets are counted over the documents, never from the counters.
    """
    _check_search(query, filters, region, page, per_page, within, fields)
    engine = backend(connection)
    filter_clauses, filter_params = _filter_conditions(filters)
    within_clauses, within_params = _within_conditions(within)
    filter_clauses, filter_params = filter_clauses + within_clauses, filter_params + within_params
    region_clauses, region_params = _region_conditions(engine, region)
    clauses, params = filter_clauses + region_clauses, filter_params + region_params
    offset = (page - 1) * per_page
    if not query.strip():
        if not filter_clauses:
            total, facets = _counted_facets(region_clauses, region_params)
        elif len(filter_clauses) == 1 and not within_clauses:
            [(facet, values)] = _filter_values(filters).items()
            total, facets = _paired_facets(facet, values, region_clauses, region_params)
        else:
            total, facets = _count_facets("search_document d", clauses, params)
        hits = _newest_first(engine, clauses, params, total, per_page, offset
                             ) if total > offset else []
        return SearchResult(total, page, per_page, hits, facets)

    terms = query_tokens(query)
    if not terms:
        return SearchResult(0, page, per_page, [], {facet: [] for facet in FACETS})
    if within is None and fields is None:
        found = _postings_search(terms, filters, region_params[0] if region_params else None,
                                 page, per_page)
        if found is not None:
            return found
    clauses = [engine.match, *clauses]
    params = [engine.query_terms(terms, fields), *params]
    total, facets = _count_facets(engine.source, clauses, params)
    score, score_params = engine.score(terms, fields)
    hits = _hits(
        f"SELECT {_STORED}, {score} AS score FROM {engine.source} {_where(clauses)} "
        "ORDER BY score DESC, d.published_at DESC, d.resource_id DESC LIMIT %s OFFSET %s",
        [*score_params, *params, per_page, offset],
    ) if total > offset else []
    return SearchResult(total, page, per_page, hits, facets)

