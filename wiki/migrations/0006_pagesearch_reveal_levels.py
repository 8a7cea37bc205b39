"""The search index keeps one row per page and reveal level (see
wiki/search/index.py): each row holds the page's text as a reader at the
levels [visible_from, visible_until) may read it. Adds the two level
columns and a key of page and level.

The table is recreated empty; the indexing that fills it runs after
``migrate`` (``wiki.search.index.prune_after_migrate``: an empty index while
pages exist is rebuilt), when every app's tables are as the models that
indexing reads expect, whatever other migrations run in the same
``migrate``. ``manage.py rebuild_search_index`` does the same at any time."""

from django.db import migrations

SQLITE_CREATE = """
CREATE VIRTUAL TABLE wiki_pagesearch USING fts5(
    title, aliases, lead, body,
    visible_from UNINDEXED, visible_until UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
)
"""

POSTGRESQL_CREATE = [
    """
    CREATE TABLE wiki_pagesearch (
        page_id bigint NOT NULL,
        visible_from smallint NOT NULL,
        visible_until smallint NOT NULL,
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
        ) STORED,
        PRIMARY KEY (page_id, visible_from),
        CHECK (visible_from < visible_until)
    )
    """,
    "CREATE INDEX wiki_pagesearch_document ON wiki_pagesearch USING gin (document)",
    # Titles and aliases on their own, for suggestions by word prefix.
    "CREATE INDEX wiki_pagesearch_names ON wiki_pagesearch USING gin (names)",
]

# The table as 0002_search_index made it, for going back.
SQLITE_CREATE_BEFORE = """
CREATE VIRTUAL TABLE wiki_pagesearch USING fts5(
    title, aliases, lead, body,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
)
"""

POSTGRESQL_CREATE_BEFORE = [
    """
    CREATE TABLE wiki_pagesearch (
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
    "CREATE INDEX wiki_pagesearch_document ON wiki_pagesearch USING gin (document)",
    "CREATE INDEX wiki_pagesearch_names ON wiki_pagesearch USING gin (names)",
]


def _recreate(schema_editor, sqlite, postgresql):
    vendor = schema_editor.connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise NotImplementedError(f"Search supports SQLite and PostgreSQL, not {vendor}.")
    schema_editor.execute("DROP TABLE IF EXISTS wiki_pagesearch")
    for statement in [sqlite] if vendor == "sqlite" else postgresql:
        schema_editor.execute(statement)


def by_level(apps, schema_editor):
    _recreate(schema_editor, SQLITE_CREATE, POSTGRESQL_CREATE)


def by_page(apps, schema_editor):
    # Filled again by ``manage.py rebuild_search_index`` run with the code of that version.
    _recreate(schema_editor, SQLITE_CREATE_BEFORE, POSTGRESQL_CREATE_BEFORE)


class Migration(migrations.Migration):
    dependencies = [
        ("wiki", "0005_page_revealed_at_pagelink_revealed_at"),
    ]

    operations = [
        migrations.RunPython(by_level, by_page),
    ]
