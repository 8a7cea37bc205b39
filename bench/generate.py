"""Benchmark data: the real fixtures (1x), or the fixtures and N-1 copies of
everything they hold (Nx), in a SQLite file.

    .venv/bin/python -m bench.generate --scale 100 --output bench/out/wiki-100x.sqlite3

Copy k of a page is titled "<title> (k)", with slug "<slug>-k"; its
categories, cast, credits, releases, aliases, links, revisions and search
entry are copied with it and point to copy k of whatever they pointed to.
Categories, references and users are shared by all copies. The rows are
written with one multi-row insert per table and copy (multi-table
inheritance rules out ``bulk_create`` for the page kinds), inside one
transaction, then the search index is rebuilt.
"""

import argparse
import time
from pathlib import Path

from tests.serving import BASE_DIR, manage, run_python, site_environment

FIXTURES = sorted(str(path) for path in (BASE_DIR / "fixtures").glob("*.json"))

COPY = r"""
import sys
from django.apps import apps
from django.db import connection, models, transaction

scale = int(sys.argv[1])
SHARED = {"wiki.category", "wiki.reference", "wiki.generation"}
APPS = ("wiki", "articles", "characters", "episodes")


def root(model):
    parents = model._meta.concrete_model._meta.get_parent_list()
    return parents[-1] if parents else model._meta.concrete_model


tables = [
    model
    for app in APPS
    for model in apps.get_app_config(app).get_models(include_auto_created=True)
    if model._meta.label_lower not in SHARED and not model._meta.proxy
]
# Any table order will do: SQLite checks Django's foreign keys at commit.
strides = {}
for model in tables:
    top = root(model)
    if top not in strides:
        strides[top] = (top._base_manager.aggregate(models.Max("pk"))["pk__max"] or 0) + 1

def field_names(expression):
    if isinstance(expression, models.F):
        yield expression.name
    for source in getattr(expression, "get_source_expressions", list)():
        yield from field_names(source)


unique_text = {}
for model in tables:
    names = set()
    for meta in (m._meta for m in (model, *model._meta.get_parent_list())):
        names.update(f.name for f in meta.local_fields if f.unique and not f.primary_key)
        for constraint in meta.constraints:
            if isinstance(constraint, models.UniqueConstraint):
                names.update(constraint.fields)
                for expression in constraint.expressions:
                    names.update(field_names(expression))
    # Not a field the code sets (editable=False), such as a page's kind: it
    # names the page's model, and "episode (2)" is none.
    unique_text[model] = {
        f.attname for f in model._meta.local_concrete_fields
        if f.name in names and isinstance(f, models.CharField) and not f.choices and f.editable
    }

rows_written = 0
with transaction.atomic(), connection.cursor() as cursor:
    for model in tables:
        fields = model._meta.local_concrete_fields
        original = list(model._base_manager.order_by().values_list(*(f.attname for f in fields)))
        if not original:
            continue
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        table = connection.ops.quote_name(model._meta.db_table)
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"
        for k in range(1, scale):
            rows = []
            for values in original:
                row = []
                for field, value in zip(fields, values):
                    if value is not None and field.primary_key and not field.is_relation:
                        value = value + k * strides[root(model)]
                    elif value is not None and field.is_relation:
                        target = root(field.related_model)
                        if target in strides and target._meta.label_lower not in SHARED:
                            value = value + k * strides[target]
                    elif value is not None and field.attname in unique_text[model]:
                        value = f"{value}-{k}" if isinstance(field, models.SlugField) else f"{value} ({k})"
                    row.append(field.get_db_prep_save(value, connection))
                rows.append(row)
            cursor.executemany(sql, rows)
            rows_written += len(rows)
print(rows_written)
"""

COUNT = """
from wiki.models import Page
from episodes.models import Episode
print(Page.objects.count(), Episode.objects.count())
"""


def generate(scale, output):
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{output}{suffix}").unlink(missing_ok=True)
    env = site_environment(output)
    started = time.perf_counter()
    manage(env, "migrate", "--noinput")
    manage(env, "loaddata", *FIXTURES)
    copied = 0
    if scale > 1:
        copied = int(run_python(env, f"import sys; sys.argv[1:] = ['{scale}']\n{COPY}", timeout=3600))
        manage(env, "rebuild_search_index", timeout=3600)
    pages, episodes = map(int, run_python(env, COUNT).split())
    seconds = time.perf_counter() - started
    print(f"{scale}x: {pages} pages ({episodes} episodes), {copied} rows copied, {seconds:.0f} s -> {output}")
    return output


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=int, default=1, help="1 for the fixtures alone, N for N copies")
    parser.add_argument("--output", help="SQLite file (default bench/out/wiki-<scale>x.sqlite3)")
    args = parser.parse_args()
    generate(args.scale, args.output or BASE_DIR / "bench" / "out" / f"wiki-{args.scale}x.sqlite3")


if __name__ == "__main__":
    main()
