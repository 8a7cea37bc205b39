"""`manage.py rebuild_links`: read every page's wiki links and automatic links
into the link table afresh (the write path keeps it current; this is for a
database written by other means)."""

import time

from django.core.management.base import BaseCommand
from django.db import transaction

from wiki.models import Generation, Page


class Command(BaseCommand):
    help = "Rebuild the table of links between pages (What links here) from every page's text."

    def handle(self, *args, **options):
        started = time.perf_counter()
        with transaction.atomic():
            Generation.objects.advance(links=True)
            total = Page.objects.rebuild_links()
        elapsed = time.perf_counter() - started
        self.stdout.write(f"Read the links of {total} pages in {elapsed:.1f} s.")
