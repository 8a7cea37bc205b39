"""`manage.py backup` and `manage.py restore`, on whichever database the run
uses (SQLite, or PostgreSQL when DATABASE_URL names one): a backup of the
real wiki after edits, restored into an empty database, holds every row of
every table as it was; a backup made while another process keeps editing is
one consistent state; and every bad file or database is refused with a
message, never a traceback."""

import contextlib
import os
import secrets
import sqlite3
import subprocess
import sys
import urllib.parse

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from characters.models import Character
from tests.factories import ArticleFactory
from tests.serving import BASE_DIR
from wiki.management import backups
from wiki.models import Generation, Page, PageLink, Revision

GENERATION_TABLE = Generation._meta.db_table
# The writer in another process: edits one page through the write path,
# printing the number of each edit once it is committed, then waits to be told
# to go on or stop.
WRITER = """
import sys
from characters.models import Character
for number in range(1, 10_000):
    page = Character.objects.get(slug="james-blood")
    page.lead = f"James Blood, edit {number}."
    page.save(summary=f"edit {number}")
    print(number, flush=True)
    if sys.stdin.readline().strip() != "go":
        break
"""


def environment(database_url):
    """The test run's environment and settings, on another database."""
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "DATABASE_URL": database_url}


def manage(database_url, *args):
    """``manage.py`` in a process of its own on ``database_url``: (exit code, output)."""
    result = subprocess.run(
        [sys.executable, "manage.py", *map(str, args)],
        cwd=BASE_DIR,
        env=environment(database_url),
        capture_output=True,
        text=True,
        timeout=300,
    )
    return result.returncode, result.stdout + result.stderr


# Databases of the same engine as the test run's ----------------------------------------------------


class SQLiteDatabases:
    def __init__(self, directory):
        self.directory = directory

    def empty(self, name):
        """(DATABASE_URL, a function opening a DB-API connection) of a new empty database."""
        path = self.directory / f"{name}.sqlite3"
        return f"sqlite:///{path}", lambda: contextlib.closing(sqlite3.connect(path))

    def close(self):
        pass


class PostgreSQLDatabases:
    """New databases on the test run's server, dropped at the end."""

    def __init__(self, settings_dict):
        import psycopg

        self.psycopg = psycopg
        self.settings = settings_dict
        self.created = []

    def connect(self, name):
        return self.psycopg.connect(
            dbname=name,
            host=self.settings["HOST"] or None,
            port=self.settings["PORT"] or None,
            user=self.settings["USER"] or None,
            password=self.settings["PASSWORD"] or None,
            autocommit=True,
        )

    def empty(self, name):
        name = f"{self.settings['NAME']}_{name}_{secrets.token_hex(3)}"[:63]
        with self.connect("postgres") as server:
            server.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        credentials = urllib.parse.quote(self.settings["USER"] or "", safe="")
        if self.settings["PASSWORD"]:
            credentials += ":" + urllib.parse.quote(self.settings["PASSWORD"], safe="")
        address = f"{self.settings['HOST'] or '127.0.0.1'}:{self.settings['PORT'] or 5432}"
        return f"postgres://{credentials}@{address}/{name}", lambda: self.connect(name)

    def close(self):
        with self.connect("postgres") as server:
            for name in self.created:
                server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def databases(tmp_path):
    made = (
        PostgreSQLDatabases(connection.settings_dict)
        if connection.vendor == "postgresql"
        else SQLiteDatabases(tmp_path)
    )
    yield made
    made.close()


def every_row(cursor, vendor):
    """``{table: sorted rows}`` of every table (and, on PostgreSQL, every
    sequence's position), each row as the database writes it out as text, so
    that two databases are compared without any conversion on the way."""
    if vendor == "sqlite":
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        tables = [name for (name,) in cursor.fetchall()]
        rows = {}
        for table in tables:
            cursor.execute(f'PRAGMA table_info("{table}")')
            columns = " || '|' || ".join(f'quote("{column[1]}")' for column in cursor.fetchall())
            cursor.execute(f'SELECT {columns} FROM "{table}"')
            rows[table] = sorted(row for (row,) in cursor.fetchall())
        return rows
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    tables = [name for (name,) in cursor.fetchall()]
    rows = {}
    for table in tables:
        cursor.execute(f'SELECT row_to_json(t)::text FROM "{table}" AS t')
        rows[table] = sorted(row for (row,) in cursor.fetchall())
    cursor.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'")
    rows["sequences"] = sorted(cursor.fetchall())
    return rows


def rows_of(open_database):
    with open_database() as database:
        cursor = database.cursor()
        return every_row(cursor, connection.vendor)


def make_edits():
    """Edits through the write path: a new link, a new page, a rename."""
    james = Character.objects.get(slug="james-blood")
    james.lead += " He trusts [[Sarah Sinclair]] and [[The Backup Page]]."
    james.save(summary="Two more links")
    ArticleFactory(title="The Backup Page", lead="A page made for the backup test; it links [[James Blood]].")
    sarah = Character.objects.get(slug="sarah-sinclair")
    sarah.title = "Sarah Sinclair (agent)"
    sarah.save(summary="Renamed")


def restore(url, backup):
    status, output = manage(url, "restore", backup)
    assert status == 0, output
    return output


def assert_holds_the_same_rows(after, before):
    # A restore moves the content generation on, so no cache serves a page of the data it replaced.
    after, before = dict(after), dict(before)
    assert after.pop(GENERATION_TABLE) != before.pop(GENERATION_TABLE)
    assert after.keys() == before.keys()
    for table, rows in before.items():
        assert after[table] == rows, f"{table} differs after restoring"


def back_up_while_a_writer_edits(url, backup):
    """Run ``manage.py backup`` on ``url`` while another process keeps editing
    James Blood's page there; the number of edits committed when it ended."""
    writer = subprocess.Popen(
        [sys.executable, "-c", f"import django\ndjango.setup()\n{WRITER}"],
        cwd=BASE_DIR,
        env=environment(url),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first_edit = writer.stdout.readline()
        assert first_edit == "1\n", writer.stderr.read()
        backing_up = subprocess.Popen(
            [sys.executable, "manage.py", "backup", str(backup)],
            cwd=BASE_DIR,
            env=environment(url),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        committed = 1
        while backing_up.poll() is None:
            writer.stdin.write("go\n")
            writer.stdin.flush()
            committed = int(writer.stdout.readline())
        writer.stdin.write("stop\n")
        writer.stdin.flush()
        assert writer.wait(timeout=60) == 0, writer.stderr.read()
    finally:
        writer.kill()
    assert backing_up.returncode == 0, backing_up.stdout.read()
    assert committed > 2, "the writer made no edit while the backup ran"
    return committed


@pytest.mark.django_db(transaction=True)
def test_backups_restore_every_row_of_the_edited_wiki_and_one_consistent_state_while_it_is_edited(
    content, databases, tmp_path
):
    make_edits()
    call_command("backup", tmp_path / "wiki.backup", verbosity=0)
    with connection.cursor() as cursor:
        before = every_row(cursor, connection.vendor)
    for model in (Page, Revision, PageLink):
        assert len(before[model._meta.db_table]) == model.objects.count() > 0

    # Into an empty database: every row of every table as it was.
    live_url, open_live = databases.empty("live")
    output = restore(live_url, tmp_path / "wiki.backup")
    assert f"Restored {Page.objects.count()} pages and {Revision.objects.count()} revisions" in output
    assert_holds_the_same_rows(rows_of(open_live), before)

    # Made while another process edits the restored wiki: one committed state.
    edits = back_up_while_a_writer_edits(live_url, tmp_path / "live.backup")
    copy_url, open_copy = databases.empty("copy")
    restore(copy_url, tmp_path / "live.backup")
    with open_copy() as copy:
        cursor = copy.cursor()
        cursor.execute("SELECT id, lead, version FROM wiki_page WHERE slug = 'james-blood'")
        page_id, lead, version = cursor.fetchone()
        cursor.execute(
            f"SELECT number, summary, lead FROM wiki_revision WHERE page_id = {page_id} ORDER BY number"
        )
        revisions = cursor.fetchall()
    edit = int(lead.removeprefix("James Blood, edit ").removesuffix("."))
    assert 1 <= edit <= edits
    assert [summary for _, summary, _ in revisions if summary.startswith("edit ")] == [
        f"edit {number}" for number in range(1, edit + 1)
    ]
    assert (revisions[-1][0], revisions[-1][2]) == (version, lead)

    # Over a database that holds data only with --force, which puts back the backup's rows.
    james = Character.objects.get(slug="james-blood")
    james.lead = "Edited after the backup."
    james.save(summary="After the backup")
    with pytest.raises(CommandError, match=r"The database is not empty \(it holds .*revisions"):
        call_command("restore", tmp_path / "wiki.backup")
    call_command("restore", tmp_path / "wiki.backup", "--force", verbosity=0)
    with connection.cursor() as cursor:
        assert_holds_the_same_rows(every_row(cursor, connection.vendor), before)


@pytest.mark.django_db
def test_restore_refuses_a_missing_a_damaged_and_a_foreign_file_with_a_message(tmp_path):
    with pytest.raises(CommandError, match="There is no backup at"):
        call_command("restore", tmp_path / "missing.backup")
    text = tmp_path / "notes.txt"
    text.write_text("not a backup")
    with pytest.raises(CommandError, match="is not a backup made by manage.py backup"):
        call_command("restore", text)
    other_engine = tmp_path / "other.backup"
    if connection.vendor == "sqlite":
        other_engine.write_bytes(b"PGDMP" + bytes(100))
        message = "is a PostgreSQL backup, but the configured database is SQLite"
    else:
        other_engine.write_bytes(b"SQLite format 3\x00" + bytes(100))
        message = "is a SQLite backup, but the configured database is PostgreSQL"
    with pytest.raises(CommandError, match=message):
        call_command("restore", other_engine)


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_truncated_backup_and_one_of_another_database(databases, tmp_path):
    backup = tmp_path / "wiki.backup"
    call_command("backup", backup, verbosity=0)
    truncated = tmp_path / "truncated.backup"
    truncated.write_bytes(backup.read_bytes()[:5000])
    with pytest.raises(CommandError, match="is damaged and cannot be restored"):
        call_command("restore", truncated)

    stranger = tmp_path / "stranger.backup"
    if connection.vendor == "sqlite":
        with contextlib.closing(sqlite3.connect(stranger)) as database:
            database.execute("CREATE TABLE notes (text)")
            database.commit()
    else:
        url, _ = databases.empty("stranger")
        subprocess.run(
            [backups.postgresql_tool("pg_dump"), "--format=custom", "--file", str(stranger), url],
            check=True,
            capture_output=True,
        )
    engine = "a SQLite database" if connection.vendor == "sqlite" else "a pg_dump archive"
    with pytest.raises(CommandError, match=f"is {engine} but not a backup of this wiki"):
        call_command("restore", stranger)


@pytest.mark.django_db
def test_backup_refuses_a_destination_it_cannot_write_with_a_message(tmp_path):
    with pytest.raises(CommandError, match="The folder .* does not exist"):
        call_command("backup", tmp_path / "no-such-folder" / "wiki.backup")
    with pytest.raises(CommandError, match="is a folder; name the file to write"):
        call_command("backup", tmp_path)
