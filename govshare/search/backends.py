"""The SQL that differs between SQLite and PostgreSQL: how a document's terms are stored, how a
query's terms are matched and scored, and how index writers take turns.

SQLite: an FTS5 table `search_fts` (rowid = resource_id) with one column per weighted field,
holding the segmented terms joined by spaces; matched with `MATCH '"t1" "t2"'` (all terms) and
scored by which columns hold each term (FIELDS).

PostgreSQL: a tsvector column `search_document.search_vector` with a GIN index. The vector is
written as a tsvector literal built here (name A, summary B, data items C, provider D), not by
to_tsvector, so PostgreSQL's parser and the server's locale never re-split a Chinese word: both
databases index exactly the terms `segment.tokens` produced. Matched with `@@ 't1' & 't2'` and
scored by which weights each term carries (`@@ 't1':A`).

Both compute the same score (FIELDS); ties break on publication time, then resource id.
"""

import datetime
from collections import namedtuple

from .segment import tokens

# The weighted fields: FTS5 column, tsvector weight, and the score a term earns when it is there.
# A term's score in a document is the sum over the fields holding it (name 8, summary 4, data
# items 2, provider 1), so any name match outranks any match elsewhere; a query's score is the
# sum over its terms. Both databases compute exactly this, so they rank identically.
FIELDS = (("name", "A", 8), ("summary", "B", 4), ("data_items", "C", 2), ("provider", "D", 1))
FIELD_NAMES = tuple(column for column, _weight, _points in FIELDS)

# Any constant works: it only has to be the same in every process writing the index.
_ADVISORY_LOCK_KEY = 0x5EA2C4

DOCUMENT_COLUMNS = (
    "resource_id", "code", "name", "summary", "data_items", "provider_id", "provider_name",
    "region_code", "region_path", "classification", "share_type", "open_type", "format",
    "update_cycle", "published_at",
)


def _fields(only):
    """The weighted fields a query may match: all of them, or those named in `only`."""
    return FIELDS if only is None else tuple(f for f in FIELDS if f[0] in only)


def field_terms(doc):
    """The terms of each weighted field of `doc`, in weight order."""
    return (tokens(doc.name), tokens(doc.summary), tokens(doc.data_items),
            tokens(doc.provider_name))


def term_scores(doc):
    """Each term of `doc` with its score: the points of the fields that hold it."""
    scores: dict[str, int] = {}
    for (_column, _weight, points), terms in zip(FIELDS, field_terms(doc), strict=True):
        for term in terms:
            scores[term] = scores.get(term, 0) | points
    return scores


# A private-use character: a letter to SQLite's unicode61 tokenizer and to a tsvector, but never
# in a term (segment._WORD keeps letters and digits only), so a tier term cannot collide with
# a word.
_TIER_MARK = "\ue000"


def tier_term(term, score):
    """The term that marks the documents where the fields holding `term` sum to `score`."""
    return f"{term}{_TIER_MARK}{score}"


def tier_terms(doc):
    return [tier_term(term, score) for term, score in term_scores(doc).items()]


def parse_tiers(text):
    """{term: score} from the stored tier terms (FTS5 text, or a tsvector's text with quotes)."""
    scores = {}
    for tier in text.replace("'", " ").split():
        term, _mark, score = tier.rpartition(_TIER_MARK)
        scores[term] = int(score)
    return scores


# What postings keep of a document (postings.Builder reads these attributes).
PostingRow = namedtuple("PostingRow", ["resource_id", "published_at", "provider_id",
                                       "region_code", "region_path", "classification",
                                       "share_type", "open_type", "format", "update_cycle"])
POSTING_SELECT = ", ".join(f"d.{name}" for name in PostingRow._fields)


def aware(moment):
    """A published_at read with a plain cursor: SQLite's driver gives the stored UTC time
    without its zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def _posting_row(row):
    row = PostingRow(*row)
    return row._replace(published_at=aware(row.published_at))


NEWEST_FIRST = "ORDER BY d.published_at DESC, d.resource_id DESC"


def catalog_size(connection):
    """How many documents the index holds, from the counters."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT SUM(count) FROM search_facet_count "
                       "WHERE region_path = '' AND facet = 'share_type'")
        return int(cursor.fetchone()[0] or 0)


def document_row(connection, doc):
    """The values of `doc` in the order of DOCUMENT_COLUMNS, as the database takes them."""
    row = [getattr(doc, column) for column in DOCUMENT_COLUMNS]
    row[-1] = connection.ops.adapt_datetimefield_value(doc.published_at)
    return row


def _upsert_sql(extra_columns=(), extra_placeholders=()):
    columns = DOCUMENT_COLUMNS + tuple(extra_columns)
    placeholders = ["%s"] * len(DOCUMENT_COLUMNS) + list(extra_placeholders)
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns[1:])
    return (f"INSERT INTO search_document ({', '.join(columns)}) "
            f"VALUES ({', '.join(placeholders)}) "
            f"ON CONFLICT (resource_id) DO UPDATE SET {updates}")


class SqliteBackend:
    source = "search_fts JOIN search_document d ON d.resource_id = search_fts.rowid"
    match = "search_fts MATCH %s"
    # GLOB, unlike LIKE, is case-sensitive, so SQLite can answer it from the plain index.
    subtree = "(d.region_path = %s OR d.region_path GLOB %s)"
    subtree_pattern = "{}/*"

    def __init__(self, connection):
        self.connection = connection

    def lock(self, cursor):
        """Writers already queue on SQLite's one write lock (transactions BEGIN IMMEDIATE)."""

    def query_terms(self, terms, only=None):
        phrases = " ".join(f'"{t}"' for t in terms)
        if only is None:
            return phrases
        # A column filter on a parenthesised expression applies to each of its phrases.
        return f"{{{' '.join(c for c, _w, _p in _fields(only))}}} : ({phrases})"

    def score(self, terms, only=None):
        """The score expression of `terms` over the rows of `source`, and its parameters."""
        # The FTS5 columns hold the terms separated by single spaces.
        fields = _fields(only)
        parts = [f"(instr(' ' || search_fts.{column} || ' ', %s) > 0) * {points}"
                 for _term in terms for column, _weight, points in fields]
        return " + ".join(parts), [f" {term} " for term in terms for _field in fields]

    def document_frequencies(self, cursor, minimum):
        cursor.execute("SELECT term, doc FROM search_fts_vocab WHERE doc >= %s", [minimum])
        return dict(cursor.fetchall())

    def newest_sql(self, columns, where, matching):
        """SELECT `columns` of the `matching` documents `where` keeps, newest first, with the
        LIMIT and OFFSET placeholders last.

        SQLite's planner knows only the average selectivity of an index, and given a region it
        reads the region's whole subtree and sorts it. When at least 1 % of the catalog
        matches, walk the newest-first index instead (a page is found within a few thousand
        steps); otherwise let it choose.
        """
        source = ("search_document d INDEXED BY search_doc_newest"
                  if matching * 100 >= catalog_size(self.connection) else "search_document d")
        return f"SELECT {columns} FROM {source} {where} {NEWEST_FIRST} LIMIT %s OFFSET %s"

    def scored_rows(self):
        """Every document's posting columns with its terms' scores, read from its tier terms."""
        with self.connection.cursor() as cursor:
            cursor.execute(f"SELECT {POSTING_SELECT}, t.tiers FROM search_document d "
                           "JOIN search_fts_tier t ON t.rowid = d.resource_id")
            while rows := cursor.fetchmany(5000):
                for *row, tiers in rows:
                    yield _posting_row(row), parse_tiers(tiers)

    @staticmethod
    def fts_row(doc):
        return [doc.resource_id, *(" ".join(terms) for terms in field_terms(doc))]

    @staticmethod
    def tier_row(doc):
        return [doc.resource_id, " ".join(tier_terms(doc))]

    FTS_INSERT = ("INSERT INTO search_fts (rowid, name, summary, data_items, provider) "
                  "VALUES (%s, %s, %s, %s, %s)")
    TIER_INSERT = "INSERT INTO search_fts_tier (rowid, tiers) VALUES (%s, %s)"

    def write(self, cursor, doc):
        cursor.execute(_upsert_sql(), document_row(self.connection, doc))
        self._delete_terms(cursor, doc.resource_id)
        cursor.execute(self.FTS_INSERT, self.fts_row(doc))
        cursor.execute(self.TIER_INSERT, self.tier_row(doc))

    @staticmethod
    def _delete_terms(cursor, resource_id):
        cursor.execute("DELETE FROM search_fts WHERE rowid = %s", [resource_id])
        cursor.execute("DELETE FROM search_fts_tier WHERE rowid = %s", [resource_id])

    def delete(self, cursor, resource_id):
        self._delete_terms(cursor, resource_id)
        cursor.execute("DELETE FROM search_document WHERE resource_id = %s", [resource_id])


class PostgresBackend:
    source = "search_document d"
    match = "d.search_vector @@ %s::tsquery"
    subtree = "(d.region_path = %s OR d.region_path LIKE %s)"
    subtree_pattern = "{}/%"

    # A lexeme keeps at most 256 positions and a position is at most 16383 in PostgreSQL; a few
    # per field are all ts_rank needs to see which fields hold the term.
    _MAX_POSITIONS = 4
    _MAX_POSITION = 16383

    def __init__(self, connection):
        self.connection = connection

    def lock(self, cursor):
        # One writer at a time: the facet counters are shared rows, and two transactions that
        # each index several documents could otherwise lock them in opposite orders.
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])

    def query_terms(self, terms, only=None):
        # Terms are letters and digits only (segment._WORD), so they need no escaping; a weight
        # list (':ABD') keeps a term to the fields of those weights.
        weights = "" if only is None else ":" + "".join(w for _c, w, _p in _fields(only))
        return " & ".join(f"'{t}'{weights}" for t in terms)

    def score(self, terms, only=None):
        """The score expression of `terms` over the rows of `source`, and its parameters."""
        fields = _fields(only)
        parts = [f"(d.search_vector @@ %s::tsquery)::int * {points}"
                 for _term in terms for _column, _weight, points in fields]
        return " + ".join(parts), [f"'{term}':{weight}" for term in terms
                                   for _column, weight, _points in fields]

    def newest_sql(self, columns, where, matching):
        """SELECT `columns` of the `matching` documents `where` keeps, newest first, with the
        LIMIT and OFFSET placeholders last (PostgreSQL's planner chooses well for plain
        column conditions)."""
        return f"SELECT {columns} FROM search_document d {where} {NEWEST_FIRST} LIMIT %s OFFSET %s"

    def scored_rows(self):
        """Every document's posting columns with its terms' scores, read from its tier terms."""
        with self.connection.chunked_cursor() as cursor:
            cursor.execute(f"SELECT {POSTING_SELECT}, d.tier_vector::text FROM search_document d")
            while rows := cursor.fetchmany(5000):
                for *row, tiers in rows:
                    yield _posting_row(row), parse_tiers(tiers)

    def document_frequencies(self, cursor, minimum):
        cursor.execute("SELECT word, ndoc FROM ts_stat('SELECT search_vector FROM "
                       "search_document') WHERE ndoc >= %s", [minimum])
        return dict(cursor.fetchall())

    @classmethod
    def vector(cls, doc):
        """The tsvector literal of `doc`: each term with its first positions and field weight."""
        positions: dict[str, list[str]] = {}
        position = 0
        for (_column, weight, _points), terms in zip(FIELDS, field_terms(doc), strict=True):
            for term in terms:
                position = min(position + 1, cls._MAX_POSITION)
                seen = positions.setdefault(term, [])
                if len(seen) < cls._MAX_POSITIONS:
                    seen.append(f"{position}{weight}")
        return " ".join(f"'{term}':{','.join(p)}" for term, p in positions.items())

    @staticmethod
    def tier_vector(doc):
        return " ".join(f"'{term}'" for term in tier_terms(doc))

    def write(self, cursor, doc):
        cursor.execute(_upsert_sql(["search_vector", "tier_vector"],
                                   ["%s::tsvector", "%s::tsvector"]),
                       [*document_row(self.connection, doc), self.vector(doc),
                        self.tier_vector(doc)])

    def delete(self, cursor, resource_id):
        cursor.execute("DELETE FROM search_document WHERE resource_id = %s", [resource_id])


def backend(connection):
    if connection.vendor == "postgresql":
        return PostgresBackend(connection)
    return SqliteBackend(connection)
