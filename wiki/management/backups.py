"""Copies of the whole database, made while the wiki serves, and putting one
back: ``manage.py backup`` and ``manage.py restore``.

SQLite copies with its online backup API: one step, under one read
transaction, so the copy is the database as one commit left it while writers
carry on (WAL). PostgreSQL copies with ``pg_dump`` (one snapshot) in its
custom format, and restores with ``pg_restore`` in one transaction. A copy is
written beside its destination and renamed into place, so a failed backup
never leaves half a file where the last good one was.
"""

import glob
import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import quote

from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import CommandError
from django.db.backends.postgresql.client import DatabaseClient

from wiki.models import Generation, Page

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
ENGINE_NAMES = {SQLITE: "SQLite", POSTGRESQL: "PostgreSQL"}
# The first bytes of each kind of file.
SIGNATURES = {SQLITE: b"SQLite format 3\x00", POSTGRESQL: b"PGDMP"}
# Rows that `migrate` itself writes: a database holding only these is empty.
FILLED_BY_MIGRATE = (ContentType, Permission, Generation)


def engine_of(connection):
    if connection.vendor not in ENGINE_NAMES:
        raise CommandError(f"Backups support SQLite and PostgreSQL, not {connection.vendor}.")
    return connection.vendor


def format_of(path):
    """The engine that wrote the backup at ``path``, or a CommandError saying what is wrong with it."""
    if not path.exists():
        raise CommandError(f"There is no backup at {path}.")
    if not path.is_file():
        raise CommandError(f"{path} is not a file.")
    with path.open("rb") as file:
        start = file.read(16)
    for engine, signature in SIGNATURES.items():
        if start.startswith(signature):
            return engine
    raise CommandError(
        f"{path} is not a backup made by manage.py backup: it is neither a SQLite database "
        "nor a pg_dump archive."
    )


def temporary_beside(path):
    return path.with_name(f".{path.name}.partial")


def check_destination(path, connection):
    if not path.parent.is_dir():
        raise CommandError(f"The folder {path.parent} does not exist.")
    if path.is_dir():
        raise CommandError(f"{path} is a folder; name the file to write.")
    refuse_the_database_itself(path, connection)


def refuse_the_database_itself(path, connection):
    if connection.vendor != SQLITE or not path.exists():
        return
    try:
        same = path.samefile(connection.settings_dict["NAME"])
    except OSError:  # an in-memory database, or one not created yet
        same = False
    if same:
        raise CommandError(f"{path} is the wiki's database itself; name another file.")


def has_wiki_tables(connection):
    return Page._meta.db_table in connection.introspection.table_names()


def rows_held(connection):
    """The kinds of rows the database holds besides those `migrate` writes
    (verbose plural names), empty for an empty database."""
    tables = set(connection.introspection.table_names())
    skipped = {model._meta.db_table for model in FILLED_BY_MIGRATE}
    held = []
    for model in apps.get_models(include_auto_created=True):
        table = model._meta.db_table
        if table in tables and table not in skipped and model._base_manager.using(connection.alias).exists():
            held.append(str(model._meta.verbose_name_plural))
    return held


# SQLite ---------------------------------------------------------------------------------------------


def backup_sqlite(connection, path):
    if connection.in_atomic_block:
        # SQLite would wait forever for the transaction's own lock.
        raise CommandError("A backup cannot be made inside a transaction.")
    connection.ensure_connection()
    partial = temporary_beside(path)
    partial.unlink(missing_ok=True)
    try:
        target = sqlite3.connect(partial)
        try:
            # pages=-1: the whole database in one step, so no commit lands half-way through it.
            connection.connection.backup(target, pages=-1)
            # One self-contained file, however the live database journals.
            target.execute("PRAGMA journal_mode=DELETE")
            problem = target.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            target.close()
    except sqlite3.Error as error:
        partial.unlink(missing_ok=True)
        raise CommandError(f"Could not copy the database: {error}.") from error
    if problem != "ok":
        partial.unlink(missing_ok=True)
        raise CommandError(f"The copy failed its integrity check ({problem}); the database may be damaged.")
    os.replace(partial, path)


def open_sqlite_backup(path):
    """The backup at ``path``, read-only, checked whole and known to hold the wiki."""
    try:
        backup = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro&immutable=1", uri=True)
    except sqlite3.DatabaseError as error:
        raise CommandError(f"{path} cannot be opened: {error}.") from error
    try:
        problem = backup.execute("PRAGMA quick_check").fetchone()[0]
        if problem != "ok":
            raise CommandError(f"{path} is damaged and cannot be restored: {problem}.")
        (found,) = backup.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", [Page._meta.db_table]
        ).fetchone()
        if not found:
            raise CommandError(
                f"{path} is a SQLite database but not a backup of this wiki (it has no pages table)."
            )
    except sqlite3.DatabaseError as error:
        backup.close()
        raise CommandError(f"{path} is damaged and cannot be restored: {error}.") from error
    except CommandError:
        backup.close()
        raise
    return backup


def check_sqlite_backup(path):
    open_sqlite_backup(path).close()


def restore_sqlite(connection, path):
    backup = open_sqlite_backup(path)
    try:
        connection.ensure_connection()
        backup.backup(connection.connection, pages=-1)
    except sqlite3.DatabaseError as error:
        raise CommandError(f"Could not restore {path}: {error}.") from error
    finally:
        backup.close()
    # Connect again, so the connection's own settings (WAL) apply to the restored file.
    connection.close()


# PostgreSQL ------------------------------------------------------------------------------------------


def postgresql_tool(name):
    """The path of ``pg_dump`` or ``pg_restore``: on the PATH, else the newest
    in Debian's /usr/lib/postgresql/<version>/bin."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda candidate: int(re.search(r"/postgresql/(\d+)/", candidate).group(1)),
    )
    if candidates:
        return candidates[-1]
    raise CommandError(
        f"{name} was not found. Install PostgreSQL's client programs (Debian: apt-get install "
        f"postgresql-client) or put {name} on the PATH."
    )


def run_postgresql_tool(name, connection, *arguments):
    """Run ``name`` with ``arguments`` against the configured database; its output."""
    settings_dict = connection.settings_dict
    # Django's own translation of the settings into libpq's command-line options and variables.
    command, variables = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])
    database = command.pop() if settings_dict.get("NAME") else None
    connection_options = command[1:]
    database_options = ["--dbname", database] if database else []
    result = subprocess.run(
        [postgresql_tool(name), *connection_options, *database_options, *arguments],
        env={**os.environ, **(variables or {})},
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise CommandError(f"{name} failed: {result.stderr.strip() or result.stdout.strip()}")
    return result.stdout


def backup_postgresql(connection, path):
    partial = temporary_beside(path)
    partial.unlink(missing_ok=True)
    try:
        run_postgresql_tool("pg_dump", connection, "--format=custom", "--file", str(partial))
    except CommandError:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, path)


def check_postgresql_backup(path):
    result = subprocess.run(
        [postgresql_tool("pg_restore"), "--list", str(path)], capture_output=True, text=True
    )
    if result.returncode != 0:
        raise CommandError(f"{path} is damaged and cannot be restored: {result.stderr.strip()}")
    if not re.search(rf"\bTABLE \S+ {re.escape(Page._meta.db_table)}\b", result.stdout):
        raise CommandError(
            f"{path} is a pg_dump archive but not a backup of this wiki (it has no pages table)."
        )


def restore_postgresql(connection, path):
    connection.close()
    run_postgresql_tool(
        "pg_restore",
        connection,
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        str(path),
    )


BACKUP = {SQLITE: backup_sqlite, POSTGRESQL: backup_postgresql}
CHECK = {SQLITE: check_sqlite_backup, POSTGRESQL: check_postgresql_backup}
RESTORE = {SQLITE: restore_sqlite, POSTGRESQL: restore_postgresql}


def size_label(path):
    return f"{Path(path).stat().st_size / 1_000_000:.1f} MB"
