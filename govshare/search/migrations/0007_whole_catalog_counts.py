"""Whole-catalog rows (region_path '') in the facet and pair counters, summed from the regions'
rows, so a search without a region reads a few hundred rows instead of every region's."""

from django.db import migrations

TABLES = {
    "search_facet_count": "facet, value",
    "search_pair_count": "facet, value, other, other_value",
}


def add_sums(apps, schema_editor):
    for table, names in TABLES.items():
        schema_editor.execute(f"DELETE FROM {table} WHERE region_path = ''")
        schema_editor.execute(f"INSERT INTO {table} (region_path, {names}, count) "
                              f"SELECT '', {names}, SUM(count) FROM {table} GROUP BY {names}")


def remove_sums(apps, schema_editor):
    for table in TABLES:
        schema_editor.execute(f"DELETE FROM {table} WHERE region_path = ''")


class Migration(migrations.Migration):

    dependencies = [("search", "0006_pair_counts")]

    operations = [migrations.RunPython(add_sums, remove_sums)]
