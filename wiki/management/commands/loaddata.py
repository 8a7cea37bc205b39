"""`manage.py loaddata`, through the write path.

Fixtures are saved raw, in whatever order the files list them, so a page's
links cannot be read while the pages it links to may still be missing. Once
every object is in, in the same transaction (Django's ``handle()`` runs the
whole load in one), the loaded pages get their revision and the link table
and search index are read again: ``PageQuerySet.record_loaded``. A broken
fixture rolls all of it back.
"""

from django.core.management.commands import loaddata

from wiki.models import Page

LOADED_SUMMARY = "Initial text from the source article"


class Command(loaddata.Command):
    def loaddata(self, fixture_labels):
        self.loaded_page_ids = set()
        super().loaddata(fixture_labels)
        if self.loaded_object_count:
            Page.objects.filter(pk__in=self.loaded_page_ids).record_loaded(LOADED_SUMMARY)

    def save_obj(self, obj):
        saved = super().save_obj(obj)
        if saved and isinstance(obj.object, Page):
            self.loaded_page_ids.add(obj.object.pk)
        return saved
