"""Hot terms get postings (and the per-term counters go): the hot terms are forgotten here, so
their searches are counted until `refresh_hot_terms` runs (the rebuild command, or the
periodic task) and writes their postings. The tier terms stay (the refresh reads each
document's scores from them) but are no longer looked up, so PostgreSQL drops their GIN index;
postings are stored uncompressed there (they do not compress, and are read whole)."""

from django.db import migrations, models


def _postgresql(forward, backward):
    def run(reverse):
        def step(apps, schema_editor):
            if schema_editor.connection.vendor == "postgresql":
                schema_editor.execute(backward if reverse else forward)

        return step

    return migrations.RunPython(run(False), run(True))


class Migration(migrations.Migration):

    dependencies = [
        ('search', '0007_whole_catalog_counts'),
    ]

    operations = [
        migrations.RunSQL("DELETE FROM search_hot_term", migrations.RunSQL.noop),
        _postgresql("DROP INDEX IF EXISTS search_doc_tier_vector",
                    "CREATE INDEX search_doc_tier_vector ON search_document "
                    "USING gin (tier_vector)"),
        migrations.CreateModel(
            name='PostingChange',
            fields=[
                ('seq', models.BigAutoField(primary_key=True, serialize=False)),
                ('term', models.CharField(max_length=200)),
                ('resource_id', models.BigIntegerField()),
                ('score', models.SmallIntegerField()),
                ('published_at', models.BigIntegerField()),
                ('provider_id', models.BigIntegerField()),
                ('region_code', models.CharField(max_length=6)),
                ('region_path', models.CharField(max_length=200)),
                ('classification', models.CharField(max_length=100)),
                ('share_type', models.CharField(max_length=40)),
                ('open_type', models.CharField(max_length=40)),
                ('format', models.CharField(max_length=40)),
                ('update_cycle', models.CharField(max_length=40)),
            ],
            options={
                'db_table': 'search_posting_change',
            },
        ),
        migrations.DeleteModel(
            name='TermFacetCount',
        ),
        migrations.AddField(
            model_name='hotterm',
            name='dictionary',
            field=models.TextField(default='{}'),
        ),
        migrations.AddField(
            model_name='hotterm',
            name='postings',
            field=models.BinaryField(default=b''),
        ),
        migrations.AddField(
            model_name='hotterm',
            name='seq',
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddIndex(
            model_name='postingchange',
            index=models.Index(fields=['term', 'seq'], name='search_posting_change_term'),
        ),
        _postgresql("ALTER TABLE search_hot_term ALTER COLUMN postings SET STORAGE EXTERNAL",
                    "SELECT 1"),
    ]
