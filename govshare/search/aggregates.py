"""Counts kept ahead of queries, so the largest result sets are never counted on a request.

- `search_facet_count`: per region, how many documents carry each facet value, and once more
  for the whole catalog (region_path ''). The blank query (the catalog browser's landing page,
  for the province or any region) sums these rows.
- `search_pair_count`: per region (and for the whole catalog), how many documents carry each
  pair of values of two facets. A blank query filtered on one facet sums these rows.
- `search_term_facet_count`: the same per hot term, plus the term's score tiers, per region and
  once more for the whole catalog (region_path ''), so a search without a region sums a few
  hundred rows instead of every region's. A hot term is one that at least HOT_MIN_DOCUMENTS
  documents hold (`search_hot_term`): its one-term searches would otherwise count and score tens
  or hundreds of thousands of rows.

Every index write adjusts both, in the writer's transaction, so they are always exact. Which
terms are hot is decided by `refresh_hot_terms()`, run by `bulk.rebuild` and periodically (a
term that became frequent since is still answered exactly, by counting its matches).
"""

from collections import Counter
from itertools import islice, permutations

from django.db import connection, transaction

from .backends import backend, term_scores
from .models import SearchDocument

HOT_MIN_DOCUMENTS = 2000
TIER = "_tier"
# Facet name → column of search_document.
FACETS = {
    "region": "region_code",
    "provider": "provider_id",
    "classification": "classification",
    "share_type": "share_type",
    "open_type": "open_type",
    "format": "format",
    "update_cycle": "update_cycle",
}


def _facet_values(doc):
    return [(facet, str(getattr(doc, column))) for facet, column in FACETS.items()]


def catalog_keys(doc):
    """The (region_path, facet, value) counters `doc` adds one to."""
    if doc is None:
        return set()
    return {(doc.region_path, facet, value) for facet, value in _facet_values(doc)}


def pair_keys(doc):
    """The (region_path, facet, value, other, other_value) counters `doc` adds one to."""
    if doc is None:
        return set()
    return {(doc.region_path, facet, value, other, other_value)
            for (facet, value), (other, other_value) in permutations(_facet_values(doc), 2)}


def term_keys(doc, hot, scores=None):
    """The (term, region_path, facet, value) counters of `doc`'s region it adds one to, for the
    `hot` terms (not the whole catalog's, region_path '')."""
    if doc is None:
        return set()
    scores = term_scores(doc) if scores is None else scores
    values = [*_facet_values(doc)]
    keys = set()
    for term, score in scores.items():
        if term in hot:
            keys.update((term, doc.region_path, facet, value)
                        for facet, value in [*values, (TIER, str(score))])
    return keys


def _apply(cursor, table, columns, removed, added):
    # Sorted, so writers (which also hold the backend's lock) touch rows in one order. Rows that
    # fall to zero stay (readers skip them) until the next rebuild: deleting them would be one
    # more statement per key on every write.
    changes = sorted([(*key, -1) for key in removed - added] +
                     [(*key, 1) for key in added - removed])
    if changes:
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}, count) "
            f"VALUES ({', '.join(['%s'] * (len(columns) + 1))}) "
            f"ON CONFLICT ({', '.join(columns)}) DO UPDATE SET count = {table}.count + "
            "excluded.count", changes)


def replace(cursor, before, after):
    """Move the counts of document `before` (or None) to document `after` (or None)."""
    _apply(cursor, "search_facet_count", ("region_path", "facet", "value"),
           _with_catalog(catalog_keys(before), 0), _with_catalog(catalog_keys(after), 0))
    _apply(cursor, "search_pair_count",
           ("region_path", "facet", "value", "other", "other_value"),
           _with_catalog(pair_keys(before), 0), _with_catalog(pair_keys(after), 0))
    old = term_scores(before) if before else {}
    new = term_scores(after) if after else {}
    terms = sorted(set(old) | set(new))
    if not terms:
        return
    cursor.execute(f"SELECT term FROM search_hot_term WHERE term IN "
                   f"({', '.join(['%s'] * len(terms))})", terms)
    hot = {row[0] for row in cursor.fetchall()}
    if hot:
        _apply(cursor, "search_term_facet_count", ("term", "region_path", "facet", "value"),
               _with_catalog(term_keys(before, hot, old), 1),
               _with_catalog(term_keys(after, hot, new), 1))


def _with_catalog(keys, region_at):
    """`keys` and the same keys for the whole catalog (region_path '' at `region_at`)."""
    return keys | {(*key[:region_at], "", *key[region_at + 1:]) for key in keys}


def is_hot(term):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM search_hot_term WHERE term = %s", [term])
        return cursor.fetchone() is not None


def _documents():
    from .index import Document

    names = [f.name for f in Document.__dataclass_fields__.values()]
    for row in SearchDocument.objects.values_list(*names).iterator(chunk_size=5000):
        yield Document(*row)


def _insert(cursor, table, columns, rows, batch_size=10_000):
    if connection.vendor == "postgresql":
        # COPY: millions of counter rows in seconds rather than minutes of INSERTs.
        with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    iterator = iter(rows)
    sql = (f"INSERT INTO {table} ({', '.join(columns)}) "
           f"VALUES ({', '.join(['%s'] * len(columns))})")
    while batch := list(islice(iterator, batch_size)):
        cursor.executemany(sql, batch)


def recount_catalog(cursor):
    """Count the per-region facets and pairs of every document again."""
    cursor.execute("DELETE FROM search_facet_count")
    groups = " UNION ALL ".join(
        f"SELECT region_path, '{facet}', CAST({column} AS TEXT), COUNT(*) "
        f"FROM search_document GROUP BY region_path, {column}" for facet, column in FACETS.items())
    cursor.execute(
        f"INSERT INTO search_facet_count (region_path, facet, value, count) {groups}")
    cursor.execute("DELETE FROM search_pair_count")
    for (facet, column), (other, other_column) in permutations(FACETS.items(), 2):
        cursor.execute(
            "INSERT INTO search_pair_count (region_path, facet, value, other, other_value, count) "
            f"SELECT region_path, '{facet}', CAST({column} AS TEXT), '{other}', "
            f"CAST({other_column} AS TEXT), COUNT(*) FROM search_document "
            f"GROUP BY region_path, {column}, {other_column}")
    sum_catalog_rows(cursor, "search_facet_count", ("facet", "value"))
    sum_catalog_rows(cursor, "search_pair_count", ("facet", "value", "other", "other_value"))


def refresh_hot_terms(min_documents=HOT_MIN_DOCUMENTS):
    """Decide again which terms are hot and count their facets and tiers from the documents.

    One pass over the index (the documents are segmented again, which the segmenter's cache
    makes cheap); run it after a rebuild and periodically, e.g. nightly.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        engine = backend(connection)
        engine.lock(cursor)
        frequencies = engine.document_frequencies(cursor, min_documents)
        cursor.execute("DELETE FROM search_term_facet_count")
        cursor.execute("DELETE FROM search_hot_term")
        _insert(cursor, "search_hot_term", ("term", "documents"), sorted(frequencies.items()))
        hot = set(frequencies)
        counts = Counter()
        for doc in _documents():
            counts.update(term_keys(doc, hot))
        _insert(cursor, "search_term_facet_count",
                ("term", "region_path", "facet", "value", "count"),
                ((*key, n) for key, n in counts.items()))
        sum_catalog_rows(cursor, "search_term_facet_count", ("term", "facet", "value"))
    return len(hot)


def sum_catalog_rows(cursor, table, columns):
    """Replace the whole-catalog rows (region_path '') of `table` by the sums of its regions'
    rows; `columns` are its key columns but region_path."""
    names = ", ".join(columns)
    cursor.execute(f"DELETE FROM {table} WHERE region_path = ''")
    cursor.execute(f"INSERT INTO {table} (region_path, {names}, count) "
                   f"SELECT '', {names}, SUM(count) FROM {table} GROUP BY {names}")
