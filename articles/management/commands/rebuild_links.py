"""`manage.py rebuild_links`: read every page's wiki links and automatic links
into the link table afresh, e.g. after pages were written without signals
(bulk_create, queryset.update())."""

import time

from django.core.management.base import BaseCommand
from django.db import transaction

from articles.links import rebuild_all_links
from heromask_wiki import pagecache


class Command(BaseCommand):
    help = "Rebuild the table of links between pages (What links here) from every page's text."

    def handle(self, *args, **options):
        started = time.perf_counter()
        with transaction.atomic():
            total = rebuild_all_links()
            # Written in bulk, without signals: no cached page may outlive it.
            pagecache.invalidate_everything()
        elapsed = time.perf_counter() - started
        self.stdout.write(f"Read the links of {total} pages in {elapsed:.1f} s.")
