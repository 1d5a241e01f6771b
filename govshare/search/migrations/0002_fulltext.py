"""The full-text part of the index, which the ORM does not model: an FTS5 table on SQLite, a
tsvector column with a GIN index on PostgreSQL. See govshare/search/backends.py."""

from django.db import migrations

SQLITE = [
    (
        # detail=column keeps which column holds a term but not its positions: the index is
        # about half the size, and no query here needs phrases or NEAR (terms are ANDed).
        "CREATE VIRTUAL TABLE search_fts USING fts5("
        "name, summary, data_items, provider,"
        " tokenize = 'unicode61 remove_diacritics 0', detail = column)",
        "DROP TABLE search_fts",
    ),
]

POSTGRESQL = [
    (
        "ALTER TABLE search_document ADD COLUMN search_vector tsvector NOT NULL DEFAULT ''",
        "ALTER TABLE search_document DROP COLUMN search_vector",
    ),
    (
        "CREATE INDEX search_doc_vector ON search_document USING gin (search_vector)",
        "DROP INDEX search_doc_vector",
    ),
]


def _run(reverse):
    def run(apps, schema_editor):
        steps = {"sqlite": SQLITE, "postgresql": POSTGRESQL}.get(schema_editor.connection.vendor, [])
        for forward, backward in reversed(steps) if reverse else steps:
            schema_editor.execute(backward if reverse else forward)

    return run


class Migration(migrations.Migration):

    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(_run(False), _run(True))]
