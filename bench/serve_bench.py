"""Serving benchmark: gunicorn (debug off) on a database made by
bench/generate.py, driven by a small load generator of concurrent
connections for a fixed time per page, with and without the page cache
(warm, on Redis), next to a Django hello-world (bench/hello.py) served the
same way. Query counts are measured in-process with CaptureQueriesContext.

    .venv/bin/python -m bench.generate --scale 100
    .venv/bin/python -m bench.serve_bench bench/out/wiki-100x.sqlite3 --seconds 5
"""

import argparse
import json
import os
import statistics
import threading
import time
import uuid
from pathlib import Path

import redis

from tests.serving import get, gunicorn, run_python, site_environment

REDIS_URL = "redis://127.0.0.1:6379/0"
# Long enough for the largest uncached page of the 1000x data.
REQUEST_TIMEOUT = 600

PAGES = """
import json
import sys
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from characters.models import Character
from episodes.models import Episode

skip = set(sys.argv[1:])
pages = {
    "home": "/",
    "episode": Episode.objects.order_by("number_overall", "pk").first().get_absolute_url(),
    "character": Character.objects.order_by("pk").first().get_absolute_url(),
    "episode list": "/episodes/",
    "search": "/search/?q=mask",
}
pages = {name: url for name, url in pages.items() if name.replace(" ", "-") not in skip}
client = Client(HTTP_HOST="127.0.0.1")
figures = {}
for name, url in pages.items():
    counts = []
    # Cold, then with the rendered Markdown cached (the page cache is off here).
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        counts.append(len(queries))
    figures[name] = {"url": url, "queries": counts, "kilobytes": len(response.content) // 1024}
print(json.dumps(figures))
"""


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def load(port, path, seconds, concurrency):
    """Fetch ``path`` from ``concurrency`` threads for ``seconds``; figures in ms."""
    latencies, errors = [], []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker():
        mine, failed = [], 0
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                status, _, _ = get(port, path, timeout=REQUEST_TIMEOUT)
            except OSError:
                status = None
            if status == 200:
                mine.append((time.perf_counter() - started) * 1000)
            else:
                failed += 1
        with lock:
            latencies.extend(mine)
            errors.append(failed)

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return {
        "requests_per_second": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) if latencies else None,
        "p99_ms": percentile(latencies, 0.99) if latencies else None,
        "errors": sum(errors),
    }


def run(database, seconds, concurrency, workers, skip=()):
    database = Path(database).resolve()
    prefix = f"bench-{uuid.uuid4().hex}"
    uncached = site_environment(database, CACHE_URL="locmem://", DJANGO_PAGE_CACHE="0")
    cached = site_environment(database, CACHE_URL=REDIS_URL, CACHE_KEY_PREFIX=prefix, DJANGO_PAGE_CACHE="1")
    code = f"import sys; sys.argv[1:] = {list(skip)!r}\n{PAGES}"
    pages = json.loads(run_python(uncached, code, timeout=3600).strip().splitlines()[-1])
    results = {"pages": pages, "hello": None, "uncached": {}, "cached": {}}
    try:
        with gunicorn(uncached, workers=workers, app="bench.hello:application") as port:
            results["hello"] = load(port, "/", seconds, concurrency)
        for mode, env in (("uncached", uncached), ("cached", cached)):
            with gunicorn(env, workers=workers, timeout=REQUEST_TIMEOUT) as port:
                for name, page in pages.items():
                    for _ in range(workers * 2):
                        get(port, page["url"], timeout=REQUEST_TIMEOUT)
                    results[mode][name] = load(port, page["url"], seconds, concurrency)
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(match=f"{prefix}:*"):
            client.delete(key)
    return results


def report(database, results, seconds, concurrency, workers):
    lines = [
        f"{Path(database).name}: gunicorn --workers {workers}, {concurrency} concurrent connections, "
        f"{seconds:g} s per row",
        "",
        "| page | queries cold / warm | KiB | uncached req/s | p50 ms | p99 ms "
        "| cached req/s | p50 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    hello = results["hello"]
    lines.append(
        f"| Django hello world | 0 / 0 | 0 | {hello['requests_per_second']:.0f} | {hello['p50_ms']:.1f} | "
        f"{hello['p99_ms']:.1f} | | | |"
    )
    for name, page in results["pages"].items():
        row = [name, " / ".join(map(str, page["queries"])), str(page["kilobytes"])]
        for mode in ("uncached", "cached"):
            figures = results[mode][name]
            row += [
                f"{figures['requests_per_second']:.0f}",
                f"{figures['p50_ms']:.1f}" if figures["p50_ms"] is not None else "-",
                f"{figures['p99_ms']:.1f}" if figures["p99_ms"] is not None else "-",
            ]
            if figures["errors"]:
                row[-1] += f" ({figures['errors']} errors)"
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("database", help="a SQLite file made by bench/generate.py")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        help="a page to leave out: home, episode, character, episode-list, search",
    )
    args = parser.parse_args()
    results = run(args.database, args.seconds, args.concurrency, args.workers, args.skip)
    print(report(args.database, results, args.seconds, args.concurrency, args.workers))


if __name__ == "__main__":
    main()
