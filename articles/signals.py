"""Keeps links current when pages and aliases change.

Saving a page re-reads its own links into ``PageLink``. Creating, renaming or
deleting a page or an alias moves the link generation on (so cached
renderings with red or stale links are not served again) and re-reads the
links of every page whose text mentions the old or new name.

Fixture loading (``raw`` saves) only moves the generation on: the other rows
may not be loaded yet, so the project's ``loaddata`` command rebuilds the link
table once every object is in.
"""

from django.db.models.signals import post_delete, post_save, pre_save

from articles import links
from articles.models import Alias, Page, PageLink


def _is_page_model(sender):
    return isinstance(sender, type) and issubclass(sender, Page)


def remember_page_names(sender, instance, raw=False, **kwargs):
    if raw or not _is_page_model(sender):
        return
    instance._names_before_save = (
        Page.objects.filter(pk=instance.pk).values_list("title", "slug").first() if instance.pk else None
    )


def page_saved(sender, instance, created=False, raw=False, **kwargs):
    if not _is_page_model(sender):
        return
    if raw:
        links.bump_link_generation()
        return
    before = getattr(instance, "_names_before_save", None)
    after = (instance.title, instance.slug)
    if before != after:
        links.bump_link_generation()
        links.sync_pages_mentioning({*(before or ()), *after}, exclude=instance.pk)
    links.sync_page_links(instance)


def page_deleted(sender, instance, **kwargs):
    # Links to the page became red links when their target was set to null.
    if _is_page_model(sender):
        links.bump_link_generation()


def remember_alias(sender, instance, raw=False, **kwargs):
    if raw:
        return
    instance._alias_before_save = (
        Alias.objects.filter(pk=instance.pk).values_list("title", "page_id").first() if instance.pk else None
    )


def alias_saved(sender, instance, raw=False, **kwargs):
    links.bump_link_generation()
    if raw:
        return
    before = getattr(instance, "_alias_before_save", None)
    if before != (instance.title, instance.page_id):
        links.sync_pages_mentioning({before[0] if before else "", instance.title})


def alias_deleted(sender, instance, **kwargs):
    links.bump_link_generation()
    # Row by row, not update(), so that whatever listens to PageLink saves
    # (the page cache) hears of it.
    for link in PageLink.objects.filter(target_id=instance.page_id, target_title__iexact=instance.title):
        link.target = None
        link.save(update_fields=["target"])


def connect_signals():
    pre_save.connect(remember_page_names, dispatch_uid="articles.links.remember_page_names")
    post_save.connect(page_saved, dispatch_uid="articles.links.page_saved")
    post_delete.connect(page_deleted, dispatch_uid="articles.links.page_deleted")
    pre_save.connect(remember_alias, sender=Alias, dispatch_uid="articles.links.remember_alias")
    post_save.connect(alias_saved, sender=Alias, dispatch_uid="articles.links.alias_saved")
    post_delete.connect(alias_deleted, sender=Alias, dispatch_uid="articles.links.alias_deleted")
