"""Keeping the search index current: signal handlers for pages and
aliases, and a full rebuild."""

from django.db import DEFAULT_DB_ALIAS, connection, connections

from articles.models import Alias, Page
from articles.search.backends import INDEX_TABLE, current_index
from articles.search.spelling import vocabulary_changed
from articles.search.text import plain_text


def _index_rows(pages):
    """Index rows (id, title, aliases, lead, body) for ``(id, title, lead, body)`` tuples."""
    pages = list(pages)
    aliases = {}
    for page_id, title in (
        Alias.objects.filter(page_id__in=[page[0] for page in pages])
        .order_by("page_id", "title")
        .values_list("page_id", "title")
    ):
        aliases.setdefault(page_id, []).append(title)
    return [
        (
            page_id,
            title,
            "\n".join(aliases.get(page_id, [])),
            plain_text(lead, keep_link_targets=True),
            plain_text(body, keep_link_targets=True),
        )
        for page_id, title, lead, body in pages
    ]


def index_pages(page_ids):
    """Bring the index entries of these pages up to date with the database
    (a page that no longer exists leaves the index)."""
    page_ids = set(page_ids)
    if not page_ids:
        return
    index = current_index()
    rows = _index_rows(Page.objects.filter(pk__in=page_ids).values_list("pk", "title", "lead", "body"))
    with connection.cursor() as cursor:
        names_changed = any(index.indexed_names(cursor, row[0]) != (row[1], row[2]) for row in rows)
        index.write(cursor, rows)
        gone = page_ids - {row[0] for row in rows}
        if gone:
            index.delete(cursor, gone)
    if names_changed or gone:
        vocabulary_changed()


def remove_pages(page_ids):
    with connection.cursor() as cursor:
        current_index().delete(cursor, list(page_ids))
    vocabulary_changed()


def rebuild_index(batch_size=2000):
    """Index every page afresh; returns the number of pages indexed."""
    index = current_index()
    total = 0
    with connection.cursor() as cursor:
        index.clear(cursor)
        last_pk = 0
        while True:
            batch = list(
                Page.objects.filter(pk__gt=last_pk)
                .order_by("pk")
                .values_list("pk", "title", "lead", "body")[:batch_size]
            )
            if not batch:
                break
            index.write(cursor, _index_rows(batch))
            total += len(batch)
            last_pk = batch[-1][0]
        index.optimize(cursor)
    vocabulary_changed()
    return total


def page_saved(sender, instance, raw=False, **kwargs):
    # Fixtures save raw: a child row (a Character) arrives without its Page
    # fields, so the entry is always read back from the database.
    if isinstance(instance, Page) and instance.pk is not None:
        index_pages([instance.pk])


def page_deleted(sender, instance, **kwargs):
    if isinstance(instance, Page):
        remove_pages([instance.pk])


def alias_about_to_be_saved(sender, instance, raw=False, **kwargs):
    # An alias moved to another page must leave the old page's entry.
    instance._search_previous_page_id = (
        Alias.objects.filter(pk=instance.pk).values_list("page_id", flat=True).first()
        if instance.pk is not None and not raw
        else None
    )


def alias_saved(sender, instance, **kwargs):
    index_pages({instance.page_id, getattr(instance, "_search_previous_page_id", None)} - {None})


def alias_deleted(sender, instance, **kwargs):
    index_pages([instance.page_id])


def prune_index(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    """Drop the entries of pages that no longer exist. Runs after ``migrate``
    and after ``flush`` (which empties the page tables but not the index),
    as between transactional tests."""
    database = connections[using]
    if INDEX_TABLE not in database.introspection.table_names():
        return
    id_column = "page_id" if database.vendor == "postgresql" else "rowid"
    with database.cursor() as cursor:
        cursor.execute(f"DELETE FROM {INDEX_TABLE} WHERE {id_column} NOT IN (SELECT id FROM articles_page)")
        pruned = cursor.rowcount
    if pruned:
        vocabulary_changed()


def connect_signals():
    from django.apps import apps
    from django.db.models.signals import post_delete, post_migrate, post_save, pre_save

    post_save.connect(page_saved, dispatch_uid="articles.search.page_saved")
    post_delete.connect(page_deleted, dispatch_uid="articles.search.page_deleted")
    pre_save.connect(alias_about_to_be_saved, sender=Alias, dispatch_uid="articles.search.alias_pre")
    post_save.connect(alias_saved, sender=Alias, dispatch_uid="articles.search.alias_saved")
    post_delete.connect(alias_deleted, sender=Alias, dispatch_uid="articles.search.alias_deleted")
    post_migrate.connect(
        prune_index, sender=apps.get_app_config("articles"), dispatch_uid="articles.search.prune_index"
    )
