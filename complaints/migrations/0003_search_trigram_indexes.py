"""Trigram indexes for the staff list's text search (PostgreSQL only).

The search is ``UPPER(column) LIKE UPPER('%term%')`` (Django's ``icontains``) over reference,
complainant name, description and the normalised phone. A plain B-tree cannot serve a
substring; a GIN trigram index on exactly that expression can, Chinese text included
(pg_trgm extracts trigrams from CJK characters under a UTF-8 locale). SQLite, the demo
database, scans instead: at demo size that is instant.
"""

from django.db import migrations

INDEXES = {
    "cmp_search_reference_trgm": 'UPPER("reference"::text) gin_trgm_ops',
    "cmp_search_name_trgm": 'UPPER("complainant_name"::text) gin_trgm_ops',
    "cmp_search_description_trgm": 'UPPER("description") gin_trgm_ops',
    "cmp_search_phone_trgm": '"complainant_phone_norm" gin_trgm_ops',
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" '
            f'ON "complaints_complaint" USING gin ({expression})'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("complaints", "0002_tier_groups")]

    operations = [migrations.RunPython(create, drop)]
