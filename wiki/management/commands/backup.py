"""`manage.py backup PATH`: a consistent copy of the whole database, made
while the wiki serves (see ``wiki.management.backups``)."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection

from wiki.management import backups


class Command(BaseCommand):
    # Data is saved or put back whatever a system check would say of the code.
    requires_system_checks = []
    help = (
        "Write a consistent copy of the whole database to PATH while the wiki serves: SQLite's online "
        "backup, or pg_dump's custom format for PostgreSQL. Put it back with manage.py restore PATH."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The file to write (replaced if it exists).")

    def handle(self, *args, path, **options):
        engine = backups.engine_of(connection)
        backups.check_destination(path, connection)
        started = time.perf_counter()
        try:
            if not backups.has_wiki_tables(connection):
                raise CommandError(
                    "The database holds no wiki yet (run manage.py migrate): nothing to back up."
                )
            backups.BACKUP[engine](connection, path)
        except DatabaseError as error:
            raise CommandError(f"Could not read the database: {error}") from error
        except OSError as error:
            raise CommandError(f"Could not write {path}: {error}") from error
        self.stdout.write(
            f"Backed up the {backups.ENGINE_NAMES[engine]} database to {path} "
            f"({backups.size_label(path)}) in {time.perf_counter() - started:.1f} s."
        )
