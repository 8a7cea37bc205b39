"""`manage.py restore PATH`: put back a copy made by `manage.py backup`, into
an empty database (or, with --force, over the one there), then move the
content generation on so that no cache serves a page of the replaced data."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from wiki.management import backups
from wiki.models import Generation, Page, Revision


class Command(BaseCommand):
    # Data is saved or put back whatever a system check would say of the code.
    requires_system_checks = []
    help = (
        "Restore a backup made by manage.py backup into the configured database. Refuses a database "
        "that already holds data unless --force is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="A file written by manage.py backup.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace the data the database holds now with the backup's.",
        )

    def handle(self, *args, path, force, **options):
        engine = backups.engine_of(connection)
        made_by = backups.format_of(path)
        if made_by != engine:
            raise CommandError(
                f"{path} is a {backups.ENGINE_NAMES[made_by]} backup, but the configured database is "
                f"{backups.ENGINE_NAMES[engine]}: restore it into a {backups.ENGINE_NAMES[made_by]} database "
                "(DATABASE_URL). To move the wiki to another engine, use dumpdata and loaddata."
            )
        backups.refuse_the_database_itself(path, connection)
        backups.CHECK[engine](path)
        started = time.perf_counter()
        try:
            held = backups.rows_held(connection)
            if held and not force:
                raise CommandError(
                    f"The database is not empty (it holds {', '.join(held[:4])}"
                    f"{' and more' if len(held) > 4 else ''}); restoring would replace all of it. "
                    "Restore into an empty database, or run again with --force to replace it."
                )
            backups.RESTORE[engine](connection, path)
            # New values, never used before: every process and cache stops
            # using what it rendered from the data this replaced.
            with transaction.atomic():
                Generation.objects.advance(links=True)
            executor = MigrationExecutor(connection)
            pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
            pages, revisions = Page.objects.count(), Revision.objects.count()
        except DatabaseError as error:
            raise CommandError(f"Could not restore into the database: {error}") from error
        if pending:
            self.stdout.write(
                f"The backup predates {len(pending)} migration(s) of this code: run manage.py migrate."
            )
        self.stdout.write(
            f"Restored {pages} pages and {revisions} revisions from {path} "
            f"in {time.perf_counter() - started:.1f} s."
        )
