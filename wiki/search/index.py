"""Writing the search index. It knows no model: the write path
(``wiki.models.Page.save`` and friends) hands it rows of
``(id, title, aliases, lead, body)`` with the Markdown already reduced to
words by ``index_row``."""

from django.db import DEFAULT_DB_ALIAS, connection, connections

from wiki.search.backends import INDEX_TABLE, PAGE_TABLE, current_index
from wiki.search.text import plain_text


def index_row(page_id, title, aliases, lead, body):
    """The index entry of a page from its stored fields (``aliases``: a list of names)."""
    return (
        page_id,
        title,
        "\n".join(aliases),
        plain_text(lead, keep_link_targets=True),
        plain_text(body, keep_link_targets=True),
    )


def write(rows):
    """Add or replace the entries of these rows."""
    if rows:
        with connection.cursor() as cursor:
            current_index().write(cursor, rows)


def clear():
    with connection.cursor() as cursor:
        current_index().clear(cursor)


def optimize():
    with connection.cursor() as cursor:
        current_index().optimize(cursor)


def prune(using=DEFAULT_DB_ALIAS):
    """Drop the entries of pages that no longer exist (deleted, or cascaded
    away with a page they belonged to); returns how many."""
    database = connections[using]
    id_column = "page_id" if database.vendor == "postgresql" else "rowid"
    with database.cursor() as cursor:
        cursor.execute(f"DELETE FROM {INDEX_TABLE} WHERE {id_column} NOT IN (SELECT id FROM {PAGE_TABLE})")
        return cursor.rowcount


def prune_after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    """After ``migrate`` and ``flush`` (which empties the page tables but not
    the index), as between transactional tests."""
    if INDEX_TABLE in connections[using].introspection.table_names():
        prune(using)
