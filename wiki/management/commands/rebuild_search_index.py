"""`manage.py rebuild_search_index`: index every page afresh (the write path
keeps the index current; this is for a database written by other means)."""

import time

from django.core.management.base import BaseCommand
from django.db import transaction

from wiki.models import Generation, Page


class Command(BaseCommand):
    help = "Rebuild the full-text search index from every page and alias."

    def handle(self, *args, **options):
        started = time.perf_counter()
        with transaction.atomic():
            total = Page.objects.rebuild_search_index()
            Generation.objects.advance()
        elapsed = time.perf_counter() - started
        self.stdout.write(f"Indexed {total} pages in {elapsed:.1f} s.")
