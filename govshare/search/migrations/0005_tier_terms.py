"""Score tiers as terms of their own (term + U+E000 + score), so a hot term's page is one index
lookup per tier: an FTS5 table `search_fts_tier` on SQLite, a `tier_vector` column with a GIN
index on PostgreSQL. Documents already indexed get their tier terms here."""

from django.db import migrations

SQLITE = [
    (
        # detail=none: a tier term is only ever looked up whole, for its documents.
        "CREATE VIRTUAL TABLE search_fts_tier USING fts5("
        "tiers, tokenize = 'unicode61 remove_diacritics 0', detail = none)",
        "DROP TABLE search_fts_tier",
    ),
]

POSTGRESQL = [
    (
        "ALTER TABLE search_document ADD COLUMN tier_vector tsvector NOT NULL DEFAULT ''",
        "ALTER TABLE search_document DROP COLUMN tier_vector",
    ),
    (
        "CREATE INDEX search_doc_tier_vector ON search_document USING gin (tier_vector)",
        "DROP INDEX search_doc_tier_vector",
    ),
]


def _fill(schema_editor):
    from govshare.search.backends import PostgresBackend, SqliteBackend
    from govshare.search.index import Document

    names = list(Document.__dataclass_fields__)
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(names)} FROM search_document")
        rows = cursor.fetchall()
        for row in rows:
            doc = Document(*row)
            if vendor == "sqlite":
                cursor.execute(SqliteBackend.TIER_INSERT, SqliteBackend.tier_row(doc))
            else:
                cursor.execute("UPDATE search_document SET tier_vector = %s::tsvector "
                               "WHERE resource_id = %s",
                               [PostgresBackend.tier_vector(doc), doc.resource_id])


def _run(reverse):
    def run(apps, schema_editor):
        steps = {"sqlite": SQLITE, "postgresql": POSTGRESQL}.get(schema_editor.connection.vendor, [])
        for forward, backward in reversed(steps) if reverse else steps:
            schema_editor.execute(backward if reverse else forward)
        if steps and not reverse:
            _fill(schema_editor)

    return run


class Migration(migrations.Migration):

    dependencies = [("search", "0004_hot_terms")]

    operations = [migrations.RunPython(_run(False), _run(True))]
