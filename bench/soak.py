"""Soak: readers and editors at once, for minutes, on SQLite and on PostgreSQL.

For each database it loads the real fixtures into a database of its own (a
SQLite file, or a PostgreSQL database it creates on ``--postgres-url`` and
drops at the end), serves the site with gunicorn (debug off, production
settings) and runs, for ``--seconds``:

- reader threads, each fetching the main pages and the edited ones in turn;
- editor threads, each signed in to the admin as an editor of its own,
  opening a character's change form and saving it with a unique marker
  added to the lead and given as the edit summary. Every editor edits the
  same few pages, so edits collide: a save of a page someone changed after
  it was opened is refused with the edit conflict, which is no error.

At the end it reads every edited page and its revision history and counts
errors (an answer other than 2xx/3xx, an exception), lost edits (a save the
admin accepted whose marker is not in the page once, or has no revision),
duplicated edits (a marker in the text twice, or in two revisions) and
phantom edits (a refused save whose marker got in anyway). All should be 0.

    .venv/bin/python -m bench.soak                           # 120 s each on SQLite and PostgreSQL
    .venv/bin/python -m bench.soak --seconds 20 --databases sqlite
    .venv/bin/python -m bench.soak --postgres-url postgres://postgres@127.0.0.1:5432/postgres \\
        --cache-url redis://127.0.0.1:6379/0 --readers 8 --editors 3 --workers 2
"""

import argparse
import dataclasses
import itertools
import json
import random
import re
import tempfile
import threading
import time
import uuid
from pathlib import Path

import psycopg

from tests.serving import BASE_DIR, Browser, browser_form_data, gunicorn, run_python, site_environment

PASSWORD = "correct horse battery staple"
EDITED_SLUGS = ["james-blood", "sarah-sinclair", "monica-campbell"]
READ_URLS = ["/", "/episodes/", "/characters/", "/search/?q=mask", "/episodes/timeline/", "/recent-changes/"]
CONFLICT = "after you opened it"

SETUP = """
import json, sys
from django.core.management import call_command
from django.urls import reverse
from characters.models import Character
from tests.factories import StaffUserFactory
call_command("migrate", interactive=False, verbosity=0)
call_command("loaddata", *sys.argv[3:], verbosity=0)
for n in range(int(sys.argv[1])):
    StaffUserFactory(username=f"soak-editor-{n}", password=sys.argv[2])
pages = Character.objects.filter(slug__in=%(slugs)r)
print(json.dumps({
    page.get_absolute_url(): reverse("admin:characters_character_change", args=[page.pk]) for page in pages
}))
"""

FINAL = """
import json
from characters.models import Character
from wiki.models import Revision
pages = Character.objects.filter(slug__in=%(slugs)r)
print(json.dumps({
    "leads": [page.lead for page in pages],
    "summaries": list(Revision.objects.filter(page__in=pages).values_list("summary", flat=True)),
}))
"""


@dataclasses.dataclass
class Tally:
    database: str
    seconds: float
    reads: int = 0
    read_errors: list = dataclasses.field(default_factory=list)
    saved: list = dataclasses.field(default_factory=list)
    refused: list = dataclasses.field(default_factory=list)
    edit_errors: list = dataclasses.field(default_factory=list)
    lost: list = dataclasses.field(default_factory=list)
    duplicated: list = dataclasses.field(default_factory=list)
    phantom: list = dataclasses.field(default_factory=list)

    def row(self):
        return [
            self.database,
            f"{self.seconds:.0f}",
            str(self.reads),
            f"{self.reads / self.seconds:.1f}",
            str(len(self.read_errors)),
            str(len(self.saved)),
            str(len(self.refused)),
            str(len(self.edit_errors)),
            str(len(self.lost)),
            str(len(self.duplicated)),
            str(len(self.phantom)),
        ]


COLUMNS = ["database", "s", "reads", "reads/s", "read errors", "edits saved", "refused (conflict)",
           "edit errors", "lost", "duplicated", "phantom"]  # fmt: skip


def table(rows):
    widths = [max(len(row[i]) for row in [COLUMNS, *rows]) for i in range(len(COLUMNS))]
    lines = [
        " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in [COLUMNS, *rows]
    ]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    return "\n".join(lines)


def prepare(env, editors):
    fixtures = sorted(str(path) for path in (BASE_DIR / "fixtures").glob("*.json"))
    code = "import sys; sys.argv[1:] = %r\n" % [str(editors), PASSWORD, *fixtures]
    output = run_python(env, code + SETUP % {"slugs": EDITED_SLUGS}, timeout=900)
    return json.loads(output.strip().splitlines()[-1])


def soak(env, database, seconds, readers, editors, workers, log_path):
    change_urls = prepare(env, editors)
    tally = Tally(database, seconds)
    lock = threading.Lock()
    read_urls = [*READ_URLS, *change_urls]
    with gunicorn(env, workers=workers, log_path=log_path) as port:
        deadline = time.monotonic() + seconds

        def read(offset):
            browser = Browser(port)
            for url in itertools.islice(itertools.cycle(read_urls), offset, None):
                if time.monotonic() >= deadline:
                    return
                try:
                    status, _, _ = browser.request("GET", url)
                    error = None if status < 400 else f"GET {url}: {status}"
                except Exception as exc:  # noqa: BLE001 (every failure counts)
                    error = f"GET {url}: {exc!r}"
                with lock:
                    tally.reads += 1
                    if error:
                        tally.read_errors.append(error)

        def edit(editor):
            browser = Browser(port)
            try:
                browser.log_in(f"soak-editor-{editor}", PASSWORD)
            except Exception as exc:  # noqa: BLE001 (every failure counts)
                with lock:
                    tally.edit_errors.append(f"editor {editor} could not sign in: {exc!r}")
                return
            change_list = list(change_urls.values())
            # Each editor picks pages at random: editors meet on the same page, and conflicts happen.
            choose = random.Random(editor).choice
            for n in itertools.count():
                if time.monotonic() >= deadline:
                    return
                marker = f"soak-e{editor}-n{n}"
                change_url = choose(change_list)
                outcome, error = "error", None
                try:
                    status, _, page = browser.request("GET", change_url)
                    if status != 200:
                        raise RuntimeError(f"GET {change_url}: {status}")
                    form = browser_form_data(page)
                    form.update(lead=f"{form['lead']} {marker}.", edit_summary=marker)
                    status, _, page = browser.request("POST", change_url, form)
                    if status == 302:
                        outcome = "saved"
                    elif status == 200 and CONFLICT in page:
                        outcome = "refused"
                    else:
                        error = f"POST {change_url}: {status} {' '.join(page.split())[:300]}"
                except Exception as exc:  # noqa: BLE001 (every failure counts)
                    error = f"{change_url}: {exc!r}"
                with lock:
                    if outcome == "saved":
                        tally.saved.append(marker)
                    elif outcome == "refused":
                        tally.refused.append(marker)
                    else:
                        tally.edit_errors.append(error)

        threads = [threading.Thread(target=read, args=(n,)) for n in range(readers)]
        threads += [threading.Thread(target=edit, args=(n,)) for n in range(editors)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    final = json.loads(run_python(env, FINAL % {"slugs": EDITED_SLUGS}).strip().splitlines()[-1])
    text = " ".join(final["leads"])
    for marker in tally.saved:
        in_text = len(re.findall(rf"\b{re.escape(marker)}\.", text))
        revisions = final["summaries"].count(marker)
        if in_text == 0 or revisions == 0:
            tally.lost.append(f"{marker}: {in_text} in the text, {revisions} revisions")
        elif in_text > 1 or revisions > 1:
            tally.duplicated.append(f"{marker}: {in_text} in the text, {revisions} revisions")
    for marker in tally.refused:
        if re.search(rf"\b{re.escape(marker)}\.", text) or marker in final["summaries"]:
            tally.phantom.append(marker)
    return tally


def postgres_database(admin_url):
    """Create a database on the server of ``admin_url``; return its URL and a function dropping it."""
    name = f"heromask_soak_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return admin_url.rsplit("/", 1)[0] + f"/{name}", drop


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=120, help="how long each database is soaked")
    parser.add_argument("--readers", type=int, default=8)
    parser.add_argument("--editors", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--databases", default="sqlite,postgresql", help="sqlite, postgresql or both")
    parser.add_argument(
        "--postgres-url",
        default="postgres://postgres@127.0.0.1:5432/postgres",
        help="a PostgreSQL server's maintenance database; the soak creates and drops a database on it",
    )
    parser.add_argument("--cache-url", default="locmem://", help="CACHE_URL of the site (redis://… to share)")
    args = parser.parse_args()

    tallies = []
    with tempfile.TemporaryDirectory(prefix="heromask-soak-") as directory:
        directory = Path(directory)
        cache = {"CACHE_URL": args.cache_url, "CACHE_KEY_PREFIX": f"soak-{uuid.uuid4().hex[:8]}"}
        for database in args.databases.split(","):
            started = time.monotonic()
            drop = None
            if database == "sqlite":
                env = site_environment(directory / "wiki.sqlite3", **cache)
            elif database == "postgresql":
                url, drop = postgres_database(args.postgres_url)
                env = site_environment(directory / "unused.sqlite3", DATABASE_URL=url, **cache)
            else:
                parser.error(f"unknown database {database!r}: sqlite or postgresql")
            try:
                log = directory / f"gunicorn-{database}.log"
                tally = soak(env, database, args.seconds, args.readers, args.editors, args.workers, log)
            finally:
                if drop:
                    drop()
            tallies.append(tally)
            print(f"{database}: done in {time.monotonic() - started:.0f} s (setup included)", flush=True)
            for kind in ("read_errors", "edit_errors", "lost", "duplicated", "phantom"):
                for problem in getattr(tally, kind)[:5]:
                    print(f"  {kind.replace('_', ' ')}: {problem}")
    print()
    print(f"{args.readers} readers, {args.editors} editors, {args.workers} workers, cache {args.cache_url}")
    print(table([tally.row() for tally in tallies]))
    problems = sum(
        len(getattr(tally, kind))
        for tally in tallies
        for kind in ("read_errors", "edit_errors", "lost", "duplicated", "phantom")
    )
    raise SystemExit(1 if problems else 0)


if __name__ == "__main__":
    main()
