"""The full-text search index (see wiki/search/): an FTS5 virtual table on
SQLite, a table with a weighted tsvector and a GIN index on PostgreSQL.

The index is filled by the write path as pages are saved, and by
`manage.py rebuild_search_index` for pages that already exist."""

from django.db import migrations

SQLITE_CREATE = """
CREATE VIRTUAL TABLE IF NOT EXISTS wiki_pagesearch USING fts5(
    title, aliases, lead, body,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
)
"""

POSTGRESQL_CREATE = [
    """
    CREATE TABLE IF NOT EXISTS wiki_pagesearch (
        page_id bigint PRIMARY KEY,
        title text NOT NULL DEFAULT '',
        aliases text NOT NULL DEFAULT '',
        lead text NOT NULL DEFAULT '',
        body text NOT NULL DEFAULT '',
        document tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('simple'::regconfig, title), 'A')
            || setweight(to_tsvector('simple'::regconfig, aliases), 'A')
            || setweight(to_tsvector('simple'::regconfig, lead), 'B')
            || setweight(to_tsvector('simple'::regconfig, body), 'C')
        ) STORED,
        names tsvector GENERATED ALWAYS AS (
            to_tsvector('simple'::regconfig, title || ' ' || aliases)
        ) STORED
    )
    """,
    "CREATE INDEX IF NOT EXISTS wiki_pagesearch_document ON wiki_pagesearch USING gin (document)",
    # Titles and aliases on their own, for suggestions by word prefix.
    "CREATE INDEX IF NOT EXISTS wiki_pagesearch_names ON wiki_pagesearch USING gin (names)",
]


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE)
    elif vendor == "postgresql":
        for statement in POSTGRESQL_CREATE:
            schema_editor.execute(statement)
    else:
        raise NotImplementedError(f"Search supports SQLite and PostgreSQL, not {vendor}.")


def drop_index(apps, schema_editor):
    schema_editor.execute("DROP TABLE IF EXISTS wiki_pagesearch")


class Migration(migrations.Migration):
    dependencies = [
        ("wiki", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index),
    ]
