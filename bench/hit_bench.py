"""What one page-cache hit costs in-process: the site's WSGI application
(``heromask_wiki.wsgi:application``, as gunicorn serves it) called directly,
without a server or a network, for a stored page, with and without
``Accept-Encoding: gzip``; and, for comparison, the same hit through Django's
middleware (a request with a cookie, which ``PageCacheApplication`` leaves to
the site). Figures, not pass/fail.

    .venv/bin/python -m bench.hit_bench [--hits 3000] [--shared]

By default on SQLite (bench/generate.py's data at 1x) with the per-process
cache; with ``--shared``, on a database created on the PostgreSQL server of
``--postgres-url`` (dropped at the end) with the Redis of ``--redis-url``.
"""

import argparse
import contextlib
import json
import uuid

from bench.generate import generate
from bench.soak import postgres_database
from bench.wrk_bench import OUT, delete_keys, load_data, postgres_server
from tests.serving import run_python, site_environment

PAGES = ["/", "/episodes/season-1-episode-1/", "/characters/james-blood/"]

TIMING = r"""
import io, json, sys, time
from heromask_wiki.wsgi import application

hits, pages = int(sys.argv[1]), sys.argv[2:]


def call(path, headers):
    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr, **headers,
    }
    sent = []
    body = application(environ, lambda status, response_headers, exc_info=None: sent.append(response_headers))
    content = b"".join(body)
    if hasattr(body, "close"):
        body.close()
    return dict(sent[0]).get("X-Page-Cache"), len(content)


ways = {
    "plain": {},
    "gzip": {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"},
    "through the middleware": {"HTTP_COOKIE": "theme=dark"},
}
figures = {}
for path in pages:
    for way, headers in ways.items():
        for _ in range(3):
            state, size = call(path, headers)
        assert state == "hit", f"{path} ({way}) was not served from the cache: {state}"
        started = time.perf_counter()
        for _ in range(hits):
            call(path, headers)
        figures[f"{path} {way}"] = {"us": (time.perf_counter() - started) / hits * 1e6, "bytes": size}
print(json.dumps(figures))
"""


def measure(env, hits):
    output = run_python(env, f"import sys; sys.argv[1:] = {[str(hits), *PAGES]!r}\n{TIMING}", timeout=600)
    return json.loads(output.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--hits", type=int, default=3000, help="hits timed per page and way (default 3000)")
    parser.add_argument("--shared", action="store_true", help="on PostgreSQL and Redis rather than SQLite")
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()

    with contextlib.ExitStack() as stack:
        if args.shared:
            admin_url, version = postgres_server(args.postgres_url)
            url, drop = postgres_database(admin_url)
            stack.callback(drop)
            prefix = f"hit-bench-{uuid.uuid4().hex[:12]}"
            stack.callback(delete_keys, args.redis_url, prefix)
            env = site_environment(
                OUT / "hit-unused.sqlite3",
                DATABASE_URL=url,
                CACHE_URL=args.redis_url,
                CACHE_KEY_PREFIX=prefix,
            )
            load_data(env, 1)
            where = f"PostgreSQL {version} and Redis ({args.redis_url})"
        else:
            env = site_environment(generate(1, OUT / "hit-wiki-1x.sqlite3").resolve(), CACHE_URL="locmem://")
            where = "SQLite with the per-process cache"
        figures = measure(env, args.hits)

    print(f"One page-cache hit, in-process, on {where}: microseconds, mean of {args.hits}")
    print()
    print("| page and request | bytes | us per hit |")
    print("|---|---:|---:|")
    for name, figure in figures.items():
        print(f"| {name} | {figure['bytes']} | {figure['us']:.0f} |")


if __name__ == "__main__":
    main()
