"""Rebuilding the whole search index in bulk, for the catalog's rebuild command and benchmarks.

`index_document` writes one document and its facet counters per call, which is right for
publishing and far too slow for a million resources. `rebuild` replaces the whole index in one
transaction: batched inserts (COPY on PostgreSQL), facet counts recomputed once with GROUP BY,
FTS5 segments merged and statistics refreshed at the end. Readers see the old index until it
commits. It does not know where documents come from: the catalog passes an iterable of
`Document`s (read in chunks, so memory stays flat).
"""

from itertools import islice

from django.db import connection, transaction

from .aggregates import HOT_MIN_DOCUMENTS, recount_catalog, refresh_hot_terms
from .backends import DOCUMENT_COLUMNS, PostgresBackend, SqliteBackend, backend, document_row
from .index import _check_document


def _batches(iterable, size):
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


def _load_sqlite(cursor, documents, batch_size):
    cursor.execute("DELETE FROM search_fts")
    cursor.execute("DELETE FROM search_fts_tier")
    cursor.execute("DELETE FROM search_document")
    insert = (f"INSERT INTO search_document ({', '.join(DOCUMENT_COLUMNS)}) "
              f"VALUES ({', '.join(['%s'] * len(DOCUMENT_COLUMNS))})")
    count = 0
    for batch in _batches(documents, batch_size):
        for doc in batch:
            _check_document(doc)
        cursor.executemany(insert, [document_row(connection, doc) for doc in batch])
        cursor.executemany(SqliteBackend.FTS_INSERT, [SqliteBackend.fts_row(d) for d in batch])
        cursor.executemany(SqliteBackend.TIER_INSERT, [SqliteBackend.tier_row(d) for d in batch])
        count += len(batch)
    # One b-tree per term instead of one per batch: fewer pages to read on every query.
    cursor.execute("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
    cursor.execute("INSERT INTO search_fts_tier (search_fts_tier) VALUES ('optimize')")
    return count


def _load_postgresql(cursor, documents, batch_size):
    cursor.execute("TRUNCATE search_document")
    columns = ", ".join((*DOCUMENT_COLUMNS, "search_vector", "tier_vector"))
    count = 0
    with cursor.cursor.copy(f"COPY search_document ({columns}) FROM STDIN") as copy:
        for batch in _batches(documents, batch_size):
            for doc in batch:
                _check_document(doc)
                copy.write_row([*document_row(connection, doc), PostgresBackend.vector(doc),
                                PostgresBackend.tier_vector(doc)])
            count += len(batch)
    return count


def rebuild(documents, *, batch_size=5000, hot_min_documents=HOT_MIN_DOCUMENTS) -> int:
    """Replace the whole index with `documents` (an iterable of Document); return how many.

    Then counts the hot terms again (`aggregates.refresh_hot_terms`), in its own transaction.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        engine = backend(connection)
        engine.lock(cursor)
        load = _load_postgresql if connection.vendor == "postgresql" else _load_sqlite
        count = load(cursor, documents, batch_size)
        recount_catalog(cursor)
        # The postings and their changes describe the old documents; the refresh below writes
        # the new ones (until then the hot words are counted).
        cursor.execute("DELETE FROM search_hot_term")
        cursor.execute("DELETE FROM search_posting_change")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE search_document")
    refresh_hot_terms(hot_min_documents)
    return count
