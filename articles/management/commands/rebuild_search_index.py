"""`manage.py rebuild_search_index`: index every page afresh, e.g. after
pages were written without signals (bulk_create, queryset.update())."""

import time

from django.core.management.base import BaseCommand
from django.db import transaction

from articles.search import rebuild_index
from heromask_wiki import pagecache


class Command(BaseCommand):
    help = "Rebuild the full-text search index from every page and alias."

    def handle(self, *args, **options):
        started = time.perf_counter()
        with transaction.atomic():
            total = rebuild_index()
            # Written in bulk, without signals: no cached page may outlive it.
            pagecache.invalidate_everything()
        elapsed = time.perf_counter() - started
        self.stdout.write(f"Indexed {total} pages in {elapsed:.1f} s.")
