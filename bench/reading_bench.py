"""Render time of reader pages at a reading limit against the same pages at
"everything", in-process, page cache off, warm (each page fetched once
first), interleaved in one run. Figures, not pass/fail; issue 11 asks that a
limit cost no more than 20 % more.

    .venv/bin/python -m bench.reading_bench [--rounds 30] [--limits s1e8,start]

Builds its own SQLite database from the fixtures in bench/out/reading.sqlite3.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
URLS = [
    "/",
    "/seasons/season-2/",
    "/episodes/season-1-episode-8/",
    "/characters/james-blood/",
    "/characters/harry-creighton/",
    "/people/koki-uchiyama/",
    "/organizations/special-services-command/",
    "/characters/",
]


def setup(database):
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-not-secret")
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ["DJANGO_PAGE_CACHE"] = "0"
    os.environ["DJANGO_ALLOWED_HOSTS"] = "127.0.0.1"
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.pop("CACHE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heromask_wiki.settings")
    import django

    django.setup()
    from django.core.management import call_command

    if database.exists():
        database.unlink()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    fixtures = sorted(str(path) for path in (Path(__file__).resolve().parents[1] / "fixtures").glob("*.json"))
    call_command("loaddata", *fixtures, verbosity=0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--limits", default="s1e8,start")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    setup(OUT / "reading.sqlite3")
    from django.test import Client

    limits = ["all", *args.limits.split(",")]
    clients = {}
    for code in limits:
        client = Client(HTTP_HOST="127.0.0.1")
        client.cookies["upto"] = code
        clients[code] = client
    times = {(url, code): [] for url in URLS for code in limits}
    for url in URLS:
        for code in limits:
            response = clients[code].get(url, secure=True)
            assert response.status_code == 200, (url, code, response.status_code)
    for _ in range(args.rounds):
        for url in URLS:
            for code in limits:
                started = time.perf_counter()
                clients[code].get(url, secure=True)
                times[(url, code)].append(time.perf_counter() - started)
    print(f"Warm render time, page cache off, median of {args.rounds} interleaved rounds (ms); ratio to all")
    header = f"{'page':45}" + "".join(f"{code:>16}" for code in limits)
    print(header)
    ratios = {code: [] for code in limits[1:]}
    for url in URLS:
        base = statistics.median(times[(url, "all")]) * 1000
        cells = [f"{base:16.2f}"]
        for code in limits[1:]:
            value = statistics.median(times[(url, code)]) * 1000
            ratios[code].append(value / base)
            cells.append(f"{value:9.2f} ({value / base:4.2f})")
        print(f"{url:45}" + "".join(cells))
    for code, values in ratios.items():
        print(f"limit {code}: median ratio {statistics.median(values):.2f}, worst {max(values):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
