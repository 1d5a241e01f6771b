"""Counts kept ahead of queries, so the largest result sets are never counted on a request.

- `search_facet_count`: per region, how many documents carry each facet value, and once more
  for the whole catalog (region_path ''). The blank query (the catalog browser's landing page,
  for the province or any region) sums these rows.
- `search_pair_count`: per region (and for the whole catalog), how many documents carry each
  pair of values of two facets. A blank query filtered on one facet sums these rows.
- Hot terms (held by at least HOT_MIN_DOCUMENTS documents, `search_hot_term`) have postings
  instead (`postings.py`): searches made of them, with any filters and region, would otherwise
  count and score tens or hundreds of thousands of rows. Every index write appends the
  document's term changes to `search_posting_change`.

Every index write adjusts all of these, in the writer's transaction, so they are always exact.
Which terms are hot is decided by `refresh_hot_terms()`, run by `bulk.rebuild` and by a
periodic task (a term that became frequent since is still answered exactly, by counting).
"""

from itertools import permutations

from django.db import connection, transaction

from . import postings
from .backends import backend, term_scores

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
    rows = postings.change_rows(before, after, old, new) if before or after else []
    if rows:
        cursor.executemany(
            f"INSERT INTO search_posting_change ({', '.join(postings.CHANGE_COLUMNS)}) "
            f"VALUES ({', '.join(['%s'] * len(postings.CHANGE_COLUMNS))})", rows)


def _with_catalog(keys, region_at):
    """`keys` and the same keys for the whole catalog (region_path '' at `region_at`)."""
    return keys | {(*key[:region_at], "", *key[region_at + 1:]) for key in keys}


def is_hot(term):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM search_hot_term WHERE term = %s", [term])
        return cursor.fetchone() is not None


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
    """Decide again which terms are hot and write each one's postings (`postings.py`).

    One pass over the index, reading each document's terms and scores from its tier terms (no
    segmentation), without the writers' lock: publishing goes on meanwhile. The arrays are as of
    change `seq`, read before the pass; a document written during the pass is read in whatever
    state, and the changes after `seq` (kept for every term, hot or not) bring it up to date
    when a search applies them. Each term's array is replaced in its own short transaction;
    the changes older than the previous refresh are deleted last. Run by `bulk.rebuild` and by
    the `refresh_search_postings` task (`tasks.py`). Returns how many terms are hot.
    """
    engine = backend(connection)
    with transaction.atomic(), connection.cursor() as cursor:
        # A change of its own, under the writers' lock, numbers this refresh: every change
        # before it is committed, every later one comes after it, and no two refreshes (nor a
        # refresh after a rebuild) share a number, which searches take for "same arrays".
        engine.lock(cursor)
        cursor.execute(
            f"INSERT INTO search_posting_change ({', '.join(postings.CHANGE_COLUMNS)}) "
            f"VALUES ({', '.join(['%s'] * len(postings.CHANGE_COLUMNS))})",
            ["", 0, 0, 0, 0, *[""] * len(postings.CODED)])
        cursor.execute("SELECT MAX(seq) FROM search_posting_change")
        seq = cursor.fetchone()[0]
    with connection.cursor() as cursor:
        hot = set(engine.document_frequencies(cursor, min_documents))
    builder = postings.Builder(hot)
    for row, scores in engine.scored_rows():
        builder.add(row, scores)
    for term, documents, blob, dictionary in builder.packed():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM search_hot_term WHERE term = %s", [term])
            cursor.execute("INSERT INTO search_hot_term (term, documents, seq, postings, "
                           "dictionary) VALUES (%s, %s, %s, %s, %s)",
                           [term, documents, seq, blob, dictionary])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT term FROM search_hot_term")
        gone = sorted({row[0] for row in cursor.fetchall()} - hot)
        for start in range(0, len(gone), 500):
            chunk = gone[start:start + 500]
            cursor.execute(f"DELETE FROM search_hot_term WHERE term IN "
                           f"({', '.join(['%s'] * len(chunk))})", chunk)
        # The changes before the previous refresh: a search that read that refresh's number
        # just before this one replaced its array still finds every change after it.
        cursor.execute("SELECT MAX(seq) FROM search_posting_change WHERE term = '' AND seq < %s",
                       [seq])
        previous = cursor.fetchone()[0]
        if previous is not None:
            cursor.execute("DELETE FROM search_posting_change WHERE seq < %s", [previous])
    return len(hot)


def sum_catalog_rows(cursor, table, columns):
    """Replace the whole-catalog rows (region_path '') of `table` by the sums of its regions'
    rows; `columns` are its key columns but region_path."""
    names = ", ".join(columns)
    cursor.execute(f"DELETE FROM {table} WHERE region_path = ''")
    cursor.execute(f"INSERT INTO {table} (region_path, {names}, count) "
                   f"SELECT '', {names}, SUM(count) FROM {table} GROUP BY {names}")
