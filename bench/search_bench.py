"""Search latency at scale: fill a throwaway database with synthetic pages of
every kind and time ``wiki.search.queries.search`` and ``suggest`` over a varied
set of queries.

    .venv/bin/python bench/search_bench.py --pages 100000 [--backend sqlite|postgres|both]

SQLite uses a fresh file under /tmp; PostgreSQL drops and recreates the
database ``heromask_bench`` (``--postgres-url`` to point elsewhere). Pages are
built with the factory-boy factories (``build()``, nothing saved), then written
with ``bulk_create`` for the page rows and a batched ``executemany`` insert
per child table, which multi-table inheritance does not let ``bulk_create``
do; the search index is then built with ``rebuild_index()``, as
``manage.py rebuild_search_index`` does. ``--reuse`` times the searches again
on the database a previous run filled.

Each query is timed once cold and then as the median of three runs, by the
wall clock and by this process's CPU time (which on a busy shared machine is
the search's own cost; with PostgreSQL it leaves out the server's share).
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQLITE_PATH = Path("/tmp/heromask-search-bench.sqlite3")
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/heromask_bench"


def words(text):
    return text.split()


FIRST_NAMES = words(
    """
James Sarah Harold Kenji Aiko Ravi Mei Oliver Amelia Noah Isla Liam Freya Hugo Ines Marco Yuki Hana
Tomas Elena Victor Clara Felix Nora Ivan Leila Omar Zara Eliot Maya Rafael Sofia Dmitri Anya Lucas
Chloe Arjun Priya Mateo Lucia Henrik Astrid Kofi Ama Tariq Noor Bruno Greta Santiago Valentina
Akira Sakura Jonah Esther Caspar Mila Idris Selin Otto Lena Pablo Rosa Emil Alma Finn Ivy Theo Iris
Milo Ada Jasper Ruby Silas Vera Ezra Lydia Rowan Wren Elias Hazel Callum Isobel Declan Maeve Tobias
Edith
"""
)
LAST_NAMES = words(
    """
Blood Sinclair Chandler Okafor Tanaka Kowalski Moreau Lindqvist Haddad Novak Fitzgerald Nakamura
Petrov Alvarez Brennan Castellano Dubois Eriksen Fujimoto Gallagher Hoffmann Ibrahim Jensen
Kaminski Larsen Marchetti Nguyen Oyelaran Pereira Quinlan Rossi Schneider Takahashi Ulrich Varga
Whitfield Yamamoto Zielinski Abernathy Blackwood Carrington Delacroix Everhart Fairbanks Greenaway
Holloway Ingram Jamieson Kingsley Lockhart Merriweather Northcott Ostrander Pemberton Radcliffe
Stanhope Thorne Underwood Vance Wexford Ashdown Bellamy Crowley Drummond Ellison Frost Granger
"""
)
ORG_SUFFIXES = ["Agency", "Department", "Studio", "Division", "Company", "Bureau", "Unit", "Group", "Society"]
ARTICLE_NOUNS = ["history", "case", "incident", "mask", "affair", "theory", "network", "legacy", "trial"]
COMMON_WORDS = words(
    """
the of and to in a is that was he for it with as his on be at by had are but from or she an which
they her one all were we there been has would their more if will when who so no out up into can
said only them some could time these two may then do first any new like other about than
"""
)
SYLLABLES = words(
    """
ka ren mi to shi ja mes bl ood sar ah har ol ven ta ri lo na ke su mo ra ni vo de la gri fen dor
tal ber wen cal mar ost iv ul ex zan thu pel qui rok sen tar vel yor bra cre dri fli
"""
)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON too.")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="Time the searches on the database a previous run filled (same --seed) instead of refilling it.",
    )
    return parser.parse_args()


def main():
    args = parse_args()
    if args.backend == "both":
        for backend in ("sqlite", "postgres"):
            command = [sys.executable, __file__, *sys.argv[1:]]
            command[command.index("--backend") + 1] = backend
            subprocess.run(command, check=True)
        return
    if args.backend == "sqlite":
        if not args.reuse:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE_PATH}"
    else:
        if not args.reuse:
            recreate_postgres_database(args.postgres_url)
        os.environ["DATABASE_URL"] = args.postgres_url
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-secret-key")
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ["DJANGO_SECURE_SSL_REDIRECT"] = "0"
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heromask_wiki.settings")
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.conf import settings

    # The search page is rendered too, and static files are not collected here.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    settings.STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    run(args)


def recreate_postgres_database(url):
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


class Text:
    """Synthetic English-like text: a Zipf-distributed vocabulary of common
    words and made-up words, with wiki links, citations and emphasis."""

    def __init__(self, rng, size=30_000):
        self.rng = rng
        made_up = set()
        while len(made_up) < size - len(COMMON_WORDS):
            made_up.add("".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))))
        self.words = COMMON_WORDS + sorted(made_up)
        rng.shuffle(self.words[len(COMMON_WORDS) :])
        weights = [1 / (rank + 1) for rank in range(len(self.words))]
        total = 0.0
        self.cumulative = []
        for weight in weights:
            total += weight
            self.cumulative.append(total)

    def word_at_rank(self, rank):
        return self.words[rank]

    def words_sample(self, count):
        return self.rng.choices(self.words, cum_weights=self.cumulative, k=count)

    def paragraph(self, count, titles):
        words = self.words_sample(count)
        for position in range(0, count, 25):
            spot = self.rng.randrange(position, min(count, position + 25))
            roll = self.rng.random()
            if roll < 0.4 and titles:
                words[spot] = f"[[{self.rng.choice(titles)}]]"
            elif roll < 0.6 and titles:
                words[spot] = f"[[{self.rng.choice(titles)}|{words[spot]}]]"
            elif roll < 0.8:
                words[spot] = f"**{words[spot]}**"
            else:
                words[spot] += f"[^{self.rng.randint(1, 40)}]"
        return " ".join(words).capitalize() + "."


class Titles:
    """Unique titles (case-insensitively), as the schema requires."""

    def __init__(self, rng, text):
        self.rng = rng
        self.text = text
        self.used = set()

    def unique(self, title):
        candidate, number = title, 1
        while candidate.lower() in self.used:
            number += 1
            candidate = f"{title} {number}"
        self.used.add(candidate.lower())
        return candidate

    def person(self):
        return self.unique(f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}")

    def made_up(self, count):
        return " ".join(word.capitalize() for word in self.rng.sample(self.text.words[200:8000], count))

    def article(self):
        return self.unique(f"The {self.rng.choice(ARTICLE_NOUNS)} of {self.made_up(1)}")

    def organization(self):
        return self.unique(f"{self.made_up(self.rng.randint(1, 2))} {self.rng.choice(ORG_SUFFIXES)}")

    def work(self):
        return self.unique(self.made_up(2))


def build_pages(count, rng):
    """Unsaved pages of every kind, in the proportions of a real wiki."""
    from django.utils.text import slugify

    from articles.models import Organization
    from characters.models import Role
    from tests import factories

    text = Text(rng)
    titles = Titles(rng, text)
    known_titles = []
    slugs = {}

    def page_fields(title, kind):
        slug = slugify(title)[:190] or "page"
        number = slugs.get((kind, slug), 0) + 1
        slugs[(kind, slug)] = number
        if number > 1:
            slug = f"{slug}-{number}"
        known_titles.append(title)
        sample = known_titles[-500:]
        return {
            "title": title,
            "slug": slug,
            "lead": f"**{title}** is a {kind} page. " + text.paragraph(rng.randint(15, 35), sample),
            "body": "\n\n".join(
                text.paragraph(rng.randint(40, 90), sample) for _ in range(rng.randint(1, 3))
            ),
        }

    built = {"work": [], "season": [], "episode": [], "character": [], "person": [], "article": []}
    built["organization"] = []
    works = max(1, count // 50)
    for _ in range(works):
        built["work"].append(factories.WorkFactory.build(**page_fields(titles.work(), "work")))
    seasons = max(1, count // 30)
    for number in range(seasons):
        work = built["work"][number % works]
        title = titles.unique(f"{work.title} season {number // works + 1}")
        built["season"].append(
            factories.SeasonFactory.build(
                work=work, number=number // works + 1, **page_fields(title, "season")
            )
        )
    rest = count - works - seasons
    shares = [
        ("episode", 0.3),
        ("character", 0.3),
        ("person", 0.15),
        ("article", 0.15),
        ("organization", 0.1),
    ]
    episode_numbers = {}
    for kind, share in shares:
        for _ in range(int(rest * share)):
            if kind == "episode":
                season = rng.choice(built["season"])
                number = episode_numbers[season.title] = episode_numbers.get(season.title, 0) + 1
                title = titles.unique(f"{season.title}, episode {number}")
                page = factories.EpisodeFactory.build(
                    season=season, number=number, number_overall=number, **page_fields(title, kind)
                )
            elif kind == "character":
                page = factories.CharacterFactory.build(
                    role=rng.choice(Role.values), **page_fields(titles.person(), kind)
                )
            elif kind == "person":
                page = factories.PersonFactory.build(**page_fields(titles.person(), kind))
            elif kind == "article":
                page = factories.ArticleFactory.build(**page_fields(titles.article(), kind))
            else:
                page = factories.OrganizationFactory.build(
                    sphere=rng.choice(Organization.Sphere.values), **page_fields(titles.organization(), kind)
                )
            built[kind].append(page)
    return built, titles, text


def save_pages(built, titles, rng):
    """Page rows with bulk_create, then each kind's own rows in one insert."""
    from django.db import connection, transaction

    from tests.factories import AliasFactory
    from wiki.models import Alias, Page

    page_fields = [field for field in Page._meta.concrete_fields if not field.primary_key]
    with transaction.atomic():
        for kind in ("work", "season", "episode", "character", "person", "article", "organization"):
            objects = built[kind]
            for obj in objects:
                obj.kind = obj.page_kind()
                # Foreign keys to pages saved earlier in this loop.
                for name in ("work", "season"):
                    if hasattr(obj, f"{name}_id") and getattr(obj, name, None) is not None:
                        setattr(obj, f"{name}_id", getattr(obj, name).pk)
            rows = Page.objects.bulk_create(
                [
                    Page(**{field.attname: getattr(obj, field.attname) for field in page_fields})
                    for obj in objects
                ],
                batch_size=2000,
            )
            for obj, row in zip(objects, rows, strict=True):
                obj.pk = obj.page_ptr_id = row.pk
            model = type(objects[0])
            fields = model._meta.local_concrete_fields
            sql = "INSERT INTO {} ({}) VALUES ({})".format(
                connection.ops.quote_name(model._meta.db_table),
                ", ".join(connection.ops.quote_name(field.column) for field in fields),
                ", ".join(["%s"] * len(fields)),
            )
            values = [
                [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in fields]
                for obj in objects
            ]
            with connection.cursor() as cursor:
                for start in range(0, len(values), 5000):
                    cursor.executemany(sql, values[start : start + 5000])
        aliases = []
        for obj in built["character"] + built["person"]:
            if rng.random() < 0.2:
                first, last = obj.title.split(" ", 1)
                aliases.append(AliasFactory.build(title=titles.unique(f"{first[0]}. {last}"), page_id=obj.pk))
        Alias.objects.bulk_create(aliases, batch_size=2000)
    return len(aliases)


def typo(word, rng):
    position = rng.randrange(1, len(word))
    if rng.random() < 0.5:
        return word[:position] + word[position + 1 :]
    return word[:position] + rng.choice("aeiou") + word[position + 1 :]


def make_queries(count, people, other, text, rng):
    """A varied mix: common words, rare words, names, prefixes, typos, several
    words. ``people`` and ``other`` are titles of pages about people and of
    other pages."""
    mix = {
        "common word": lambda: text.word_at_rank(rng.randrange(0, 60)),
        "rare word": lambda: text.word_at_rank(rng.randrange(5_000, len(text.words))),
        "name": lambda: rng.choice(people + other),
        "last name": lambda: rng.choice(LAST_NAMES),
        "prefix": lambda: rng.choice(people + other)[: rng.randint(2, 5)],
        "typo": lambda: " ".join(
            typo(word, rng) if len(word) > 3 else word for word in rng.choice(people).split()
        ),
        "several words": lambda: " ".join(text.words_sample(rng.randint(2, 4))),
    }
    kinds = list(mix)
    return [(kinds[i % len(kinds)], mix[kinds[i % len(kinds)]]()) for i in range(count)]


def percentile(values, fraction):
    """The nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * len(ordered)) - 1)]


def timed(function, *args, repeat=1):
    """Median wall-clock and CPU times of ``repeat`` calls, in milliseconds,
    and the last result.

    The median of a few runs keeps another process's burst on a shared
    machine from being counted as the search's own time; the CPU time of
    this process is what the search itself cost when the machine is busy
    (with PostgreSQL it leaves out the server's share)."""
    wall, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = function(*args)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu), result


def summary(values):
    return {
        "p50": round(statistics.median(values), 2),
        "p95": round(percentile(values, 0.95), 2),
        "max": round(max(values), 2),
    }


def run(args):
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client

    from wiki.models import Page
    from wiki.search import queries as search
    from wiki.search.spelling import Vocabulary
    from wiki.search.text import Query

    rng = random.Random(args.seed)
    vendor = connection.vendor
    print(f"== {vendor}: {args.pages} pages; load average {os.getloadavg()[0]:.1f} ==", flush=True)
    call_command("migrate", verbosity=0)

    if args.reuse and Page.objects.exists():
        text = Text(rng)
        people = list(Page.objects.filter(kind__in=["character", "person"]).values_list("title", flat=True))
        other = list(
            Page.objects.filter(kind__in=["article", "organization", "work"]).values_list("title", flat=True)
        )
        print(f"reusing the {Page.objects.count()} pages already there", flush=True)
    else:
        started = time.perf_counter()
        built, titles, text = build_pages(args.pages, rng)
        build_seconds = time.perf_counter() - started
        started = time.perf_counter()
        alias_count = save_pages(built, titles, rng)
        save_seconds = time.perf_counter() - started
        started = time.perf_counter()
        with transaction.atomic():
            indexed = Page.objects.rebuild_search_index()
        index_seconds = time.perf_counter() - started
        print(
            f"built {args.pages} pages with factories in {build_seconds:.1f} s, saved them and "
            f"{alias_count} aliases in {save_seconds:.1f} s, indexed {indexed} in {index_seconds:.1f} s",
            flush=True,
        )
        people = [page.title for page in built["character"] + built["person"]]
        other = [page.title for kind in ("article", "organization", "work") for page in built[kind]]

    vocabulary_ms, _, _ = timed(Vocabulary.current)
    queries = make_queries(args.queries, people, other, text, rng)
    for _, query in queries[:20]:  # warm the caches
        search.search(query)

    client = Client()
    figures = {"backend": vendor, "pages": args.pages, "queries": len(queries)}
    times = {name: [] for name in ("search", "search_cpu", "search_first_run", "page", "suggest", "go")}
    by_kind = {}
    suggestions = 0
    for kind, query in queries:
        first, _, _ = timed(search.search, query)
        elapsed, cpu, results = timed(search.search, query, repeat=3)
        suggestions += bool(results.suggestion)
        times["search_first_run"].append(first)
        times["search"].append(elapsed)
        times["search_cpu"].append(cpu)
        by_kind.setdefault(kind, []).append(elapsed)
        times["page"].append(timed(client.get, "/search/", {"q": query, "fulltext": 1}, repeat=3)[0])
        times["go"].append(timed(search.find_exact_page, Query.parse(query), repeat=3)[0])
        times["suggest"].append(timed(search.suggest, query[:4], repeat=3)[0])
    labels = {
        "search": "search(), wall (median of 3)",
        "search_cpu": "search(), CPU of this process",
        "search_first_run": "search(), wall, first run",
        "page": "/search/ page, wall",
        "suggest": "suggest(4 characters), wall",
        "go": "exact title/alias, wall",
    }
    for name, label in labels.items():
        figures[f"{name}_ms"] = summary(times[name])
        values = figures[f"{name}_ms"]
        print(f"{label:<32} " + "   ".join(f"{key} {value:7.2f} ms" for key, value in values.items()))
    figures["by_kind"] = {kind: summary(values) for kind, values in by_kind.items()}
    for kind, values in figures["by_kind"].items():
        print(f"  {kind:<30} " + "   ".join(f"{key} {value:7.2f} ms" for key, value in values.items()))
    figures["vocabulary_build_ms"] = round(vocabulary_ms, 1)
    figures["spelling_suggestions"] = suggestions
    figures["load_average"] = round(os.getloadavg()[0], 1)
    print(
        f"spelling vocabulary built in {vocabulary_ms:.0f} ms; "
        f"{suggestions} of {len(queries)} searches offered a spelling suggestion; "
        f"load average now {figures['load_average']}"
    )
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
