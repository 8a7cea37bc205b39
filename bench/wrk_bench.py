"""Side-by-side serving benchmark with wrk: our site with the page cache on
(warm) and off, a floor serving the same bytes, a peer (django-wiki), and
two servers of our site sharing PostgreSQL and Redis, all started here,
measured interleaved in one run. Figures, not pass/fail.

    .venv/bin/python -m bench.wrk_bench [--seconds 5] [--rounds 3] [--scale 1]
        [--postgres-url postgres://postgres@127.0.0.1:5432/postgres]
        [--redis-url redis://127.0.0.1:6379/14] [--no-shared]

1. bench/generate.py builds the data (the fixtures, times ``--scale``) in
   bench/out/wrk-wiki-<scale>x.sqlite3.
2. Our site is served by gunicorn (2 sync workers, debug off, SQLite, a
   local-memory cache) twice: with the page cache at its default (on) and
   with DJANGO_PAGE_CACHE=0 (every request rendered; the rendered Markdown
   is still cached).
3. Each page is fetched once from our site, and its bytes are served by the
   floor, bench/floor.py (Django, no database, no middleware), under the
   same gunicorn settings.
4. The peer is django-wiki (PyPI ``wiki``, bench/peer_site.py) in its own
   virtualenv, bench/out/peer-venv, serving one article (no page cache)
   whose Markdown is our first episode's lead and body. If it cannot be
   installed or started, the run goes on without it.
5. The shared mode, unless ``--no-shared``: a database created on the
   PostgreSQL server of ``--postgres-url`` gets the same data (the same
   migrations and fixtures, and at Nx the same copies as bench/generate.py
   makes), and two servers of our site (page cache on, the same gunicorn
   settings) run on it with the Redis of ``--redis-url`` as their cache,
   under a key prefix of this run's own. Both are asked for the same host
   (``localhost``), as behind one proxy, so that they share stored pages.
   Each page is fetched from the first, then from the second, which should
   answer it from Redis (``X-Page-Cache: hit``). If PostgreSQL or Redis
   cannot be reached, the run goes on without the mode. At the end the
   database is dropped and the run's keys are deleted from Redis.
6. For each round and page, wrk (-t2 -c8 --latency) runs against the floor,
   the cached site, the uncached site and the second shared server, one
   after another for ``--seconds`` each, and against the peer once a round
   (after the episode); the figures are the medians over the rounds.
7. In-process (Django's test Client, page cache off), once the servers have
   stopped and the machine is quiet again, the first view of an episode, a
   character and the home page right after an edit of that page is timed,
   15 times each (median).

The report is printed and written at the top of bench/RESULTS.md.
"""

import argparse
import base64
import contextlib
import datetime
import html
import http.client
import importlib.metadata
import json
import os
import re
import resource
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import redis

from bench.generate import COPY, FIXTURES, generate
from bench.soak import postgres_database
from tests.serving import BASE_DIR, free_port, gunicorn, manage, run_python, serving, site_environment

OUT = BASE_DIR / "bench" / "out"
LOGS = OUT / "wrk-logs"
PEER_VENV = OUT / "peer-venv"
PEER_DIR = OUT / "peer"
RESULTS = BASE_DIR / "bench" / "RESULTS.md"
WORKERS = 2
THREADS = 2
CONNECTIONS = 8
WRK_TIMEOUT = "10s"
EDIT_REPEATS = 15
SEARCH_PATH = "/search/?q=mask&fulltext=1"
# The Host both shared servers are asked for, as behind one proxy: stored pages are keyed by it.
SHARED_HOST = "localhost"
MARK_START = "<!-- bench/wrk_bench.py: start of its latest run; rewritten by each run -->"
MARK_END = "<!-- bench/wrk_bench.py: end -->"

# Run in a subprocess with our settings: the pages measured, and the Markdown
# of the first episode (the peer's article). One failure leaves out one page.
PAGES = r"""
import json
from django.apps import apps
from django.urls import reverse

def first(label, *order):
    return apps.get_model(label).objects.order_by(*order, "pk").first()

pages, errors = {}, {}

def add(name, make):
    try:
        pages[name] = make()
    except Exception as exc:
        errors[name] = f"{type(exc).__name__}: {exc}"

add("home", lambda: "/")
add("season", lambda: first("episodes.Season").get_absolute_url())
add("episode", lambda: first("episodes.Episode", "number_overall").get_absolute_url())
add("character", lambda: first("characters.Character").get_absolute_url())
add("person", lambda: first("characters.Person").get_absolute_url())
add("organization", lambda: first("articles.Organization").get_absolute_url())
add("search", lambda: SEARCH_PATH)
add("history", lambda: reverse("wiki:history", args=[first("characters.Character").pk]))
text = ""
try:
    episode = first("episodes.Episode", "number_overall")
    text = "\n\n".join(part for part in (episode.lead, episode.body) if part)
except Exception as exc:
    errors["episode text"] = f"{type(exc).__name__}: {exc}"
print(json.dumps({"pages": pages, "errors": errors, "episode_text": text}))
"""

# Run in a subprocess with our settings and the page cache off: edit a page
# through Page.save() (its lead gains or loses a marker, so its size stays
# put), then time one GET with the test Client, then a second one.
EDITS = r"""
import json
import statistics
import sys
import time

from django.apps import apps
from django.conf import settings
from django.test import Client
from wiki.models import Page

repeats = int(sys.argv[1])
MARK = " (edited)"


def home():
    kind, slug = settings.WIKI_HOME_PAGE
    return Page.kinds()[kind].objects.get(slug=slug), "/"


def first(label, *order):
    def find():
        page = apps.get_model(label).objects.order_by(*order, "pk").first()
        return page, page.get_absolute_url()
    return find


client = Client(HTTP_HOST="127.0.0.1")
figures = {}
targets = {
    "episode": first("episodes.Episode", "number_overall"),
    "character": first("characters.Character"),
    "home": home,
}
for name, find in targets.items():
    try:
        page, url = find()
        response = client.get(url)
        assert response.status_code == 200, f"GET {url}: {response.status_code}"
        saves, firsts, seconds = [], [], []
        for number in range(1, repeats + 1):
            page = type(page).objects.get(pk=page.pk)
            page.lead = page.lead[: -len(MARK)] if page.lead.endswith(MARK) else page.lead + MARK
            started = time.perf_counter()
            page.save(summary=f"bench/wrk_bench.py edit {number}")
            saves.append(time.perf_counter() - started)
            for times in (firsts, seconds):
                started = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - started)
                assert response.status_code == 200, f"GET {url}: {response.status_code}"
        figures[name] = {
            "url": url,
            "save_ms": statistics.median(saves) * 1000,
            "first_ms": statistics.median(firsts) * 1000,
            "second_ms": statistics.median(seconds) * 1000,
        }
    except Exception as exc:
        figures[name] = {"error": f"{type(exc).__name__}: {exc}"}
print(json.dumps(figures))
"""


def cpu_seconds():
    """(CPU seconds the machine spent busy, CPU seconds of this process and
    its waited-for descendants: servers, wrk, subprocesses), from the boot."""
    try:
        with open("/proc/stat") as file:
            values = [int(value) for value in file.readline().split()[1:9]]
        busy = (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):
        busy = None
    ours = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        ours += usage.ru_utime + usage.ru_stime
    return busy, ours, time.monotonic()


def wait_until_quiet(busy_share=0.1, seconds=60):
    """Wait (at most ``seconds``) until the machine has been busy less than
    ``busy_share`` of its cores for a second: the servers just stopped, and
    the in-process timing that follows is of one process alone."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        busy_before, _, started = cpu_seconds()
        time.sleep(1)
        busy_after, _, ended = cpu_seconds()
        if busy_before is None:
            return
        if (busy_after - busy_before) / (ended - started) < busy_share * os.cpu_count():
            return


def other_load(report):
    """A sentence on the CPU that other processes took during the run."""
    (busy_start, ours_start, start), (busy_end, ours_end, end) = report["cpu_start"], report["cpu_end"]
    samples = report["load_samples"] or [report["load_end"][0]]
    sentence = (
        f"1-minute load average sampled after each wrk run: {min(samples):.1f}–{max(samples):.1f} "
        f"(the benchmark's own servers and wrk account for about 2–3)."
    )
    if busy_start is None or busy_end is None:
        return sentence
    others = max(0.0, (busy_end - busy_start) - (ours_end - ours_start)) / (end - start)
    return (
        f"{sentence} Other processes on the machine used {others:.2f} of its {os.cpu_count()} cores on "
        "average during the run (busy CPU time from /proc/stat, less this run's own processes); "
        "figures from a run with other work on the machine are lower than on an idle one."
    )


def say(message):
    """Progress, on stderr; the report goes to stdout."""
    print(message, file=sys.stderr, flush=True)


def log_tail(path, lines=15):
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def fetch_response(port, path, host=None, timeout=60):
    """GET ``path``, asking for ``host`` if given (else 127.0.0.1:``port``);
    return (status, headers, body bytes)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Host": host} if host else {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def fetch(port, path, host=None, timeout=60):
    """GET ``path``; return (status, body bytes)."""
    status, _, body = fetch_response(port, path, host, timeout)
    return status, body


def warm(port, path, host=None, requests=16, parallel=4):
    """Concurrent GETs, so that both workers have the page in their caches."""

    def one(_):
        with contextlib.suppress(OSError):
            fetch(port, path, host)

    with ThreadPoolExecutor(parallel) as pool:
        list(pool.map(one, range(requests)))


# wrk --------------------------------------------------------------------------------

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}


def parse_wrk(output):
    """Requests/sec, p50 and p99 in ms, request count, error counts."""

    def number(pattern):
        match = re.search(pattern, output, re.MULTILINE)
        return float(match.group(1)) if match else None

    figures = {
        "rps": number(r"^Requests/sec:\s+([\d.]+)"),
        "requests": int(number(r"(\d+) requests in") or 0),
        "non_2xx_3xx": int(number(r"Non-2xx or 3xx responses:\s+(\d+)") or 0),
        "socket_errors": {},
    }
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if sockets:
        figures["socket_errors"] = {
            kind: int(count)
            for kind, count in zip(("connect", "read", "write", "timeout"), sockets.groups(), strict=True)
            if int(count)
        }
    for percent in (50, 99):
        match = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s|m|h)\s*$", output, re.MULTILINE)
        figures[f"p{percent}"] = float(match.group(1)) * UNITS_MS[match.group(2)] if match else None
    return figures


def run_wrk(port, path, seconds, host=None):
    url = f"http://127.0.0.1:{port}{path}"
    command = [
        "wrk",
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--timeout",
        WRK_TIMEOUT,
        "--latency",
        *(["-H", f"Host: {host}"] if host else []),
        url,
    ]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    except subprocess.TimeoutExpired:
        return {"error": f"wrk did not finish within {seconds + 60} s"}
    figures = parse_wrk(result.stdout)
    if result.returncode != 0 or figures["rps"] is None:
        output = (result.stderr or result.stdout).strip()[-300:]
        figures["error"] = f"wrk exited with {result.returncode}: {output}"
    return figures


def run_problems(figures):
    """What went wrong in one wrk run, or ''."""
    problems = []
    if figures.get("error"):
        problems.append(figures["error"])
    if figures.get("non_2xx_3xx"):
        problems.append(f"{figures['non_2xx_3xx']} non-2xx/3xx responses of {figures['requests']}")
    if figures.get("socket_errors"):
        counts = ", ".join(f"{kind} {count}" for kind, count in figures["socket_errors"].items())
        problems.append(f"socket errors: {counts}")
    return "; ".join(problems)


# The peer ----------------------------------------------------------------------------


class PeerUnavailable(Exception):
    pass


def peer_environment(database):
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "DATABASE_", "CACHE_", "WIKI_", "PYTHON", "VIRTUAL_ENV"))
    }
    env.update(PEER_DATABASE=str(database), PEER_SECRET_KEY=base64.b64encode(os.urandom(30)).decode())
    return env


def peer_run(command, what, timeout, **kwargs):
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, **kwargs)
    except subprocess.TimeoutExpired as exc:
        raise PeerUnavailable(f"{what} did not finish within {timeout} s") from exc
    except OSError as exc:
        raise PeerUnavailable(f"{what}: {exc}") from exc
    if result.returncode != 0:
        output = "\n".join((result.stdout + result.stderr).strip().splitlines()[-12:])
        raise PeerUnavailable(f"{what} failed (exit {result.returncode}):\n{output}")
    return result.stdout


def install_peer():
    """Make the peer's virtualenv, unless an earlier run did; return the versions in it."""
    python = PEER_VENV / "bin" / "python"
    check = [str(python), "-c", "import wiki, django, gunicorn"]
    if not python.exists() or subprocess.run(check, capture_output=True, cwd=OUT).returncode != 0:
        say(f"peer: creating {PEER_VENV.relative_to(BASE_DIR)} and installing django-wiki (PyPI: wiki)")
        shutil.rmtree(PEER_VENV, ignore_errors=True)
        base_python = shutil.which("python3") or sys._base_executable
        peer_run([base_python, "-m", "venv", str(PEER_VENV)], "python3 -m venv", 120)
        pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        ours = [f"{name}=={importlib.metadata.version(name)}" for name in ("django", "gunicorn")]
        try:
            # Our Django and gunicorn, if django-wiki accepts them, so that only the apps differ.
            peer_run([*pip, "wiki", *ours], "pip install", 420)
        except PeerUnavailable as exc:
            say(f"peer: with our Django version: {exc}\npeer: trying the Django version django-wiki asks for")
            peer_run([*pip, "wiki", "gunicorn"], "pip install wiki gunicorn", 420)
    code = (
        "import importlib.metadata as m; print(m.version('wiki'), m.version('django'), m.version('gunicorn'))"
    )
    output = peer_run([str(python), "-c", code], "reading the peer's versions", 60, cwd=OUT)
    return dict(zip(("wiki", "django", "gunicorn"), output.split(), strict=True))


def make_peer_article(text):
    """A fresh SQLite file for the peer, with a root article and one child
    article holding ``text`` (Markdown); return the child's path."""
    PEER_DIR.mkdir(parents=True, exist_ok=True)
    shutil.copy(BASE_DIR / "bench" / "peer_site.py", PEER_DIR / "peer_site.py")
    database = PEER_DIR / "peer.sqlite3"
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    (PEER_DIR / "episode.md").write_text(text, encoding="utf-8")
    code = "import peer_site; peer_site.create_articles('episode.md')"
    env = peer_environment(database)
    output = peer_run(
        [str(PEER_VENV / "bin" / "python"), "-c", code],
        "creating the peer's articles",
        180,
        cwd=PEER_DIR,
        env=env,
    )
    return output.strip().splitlines()[-1]


BLOCK_END = re.compile(r"</(p|li|h[1-6]|dt|dd|tr|th|td|div|section|figcaption|blockquote)>|<br\s*/?>", re.I)


def page_text(body):
    """The visible text of a page's <main> (or of the whole page), one
    paragraph per block, as Markdown paragraphs."""
    page = body.decode("utf-8", "replace")
    match = re.search(r"<main\b.*?</main>", page, re.S | re.I)
    page = match.group(0) if match else page
    page = re.sub(r"<(script|style|template)\b.*?</\1>", "", page, flags=re.S | re.I)
    page = re.sub(r"<[^>]+>", " ", BLOCK_END.sub("\n", page))
    lines = (" ".join(html.unescape(line).split()) for line in page.splitlines())
    return "\n\n".join(line for line in lines if line) + "\n"


@contextlib.contextmanager
def peer_gunicorn(log_path):
    """django-wiki under the peer venv's gunicorn, from PEER_DIR; yield the port."""
    port = free_port()
    env = peer_environment(PEER_DIR / "peer.sqlite3")
    command = [
        str(PEER_VENV / "bin" / "gunicorn"),
        "peer_site:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(WORKERS),
        "--timeout",
        "30",
        "--error-logfile",
        "-",
    ]
    with serving(command, port, env=env, log_path=log_path, cwd=PEER_DIR):
        yield port


# The shared mode: PostgreSQL + Redis -------------------------------------------------


class SharedUnavailable(Exception):
    pass


def shared_failed(report, reason):
    message = f"shared mode (PostgreSQL + Redis) left out: {reason}"
    say(f"ERROR: {message}")
    report["errors"].append(message)


def with_password(url, password):
    parts = urllib.parse.urlsplit(url)
    userinfo, _, host = parts.netloc.rpartition("@")
    return parts._replace(netloc=f"{userinfo.partition(':')[0]}:{password}@{host}").geturl()


def postgres_server(url):
    """``url``, or else ``url`` with the password 'postgres' (which .ci/run
    may give as PGPASSWORD), whichever the server lets in; and its version."""
    candidates = [url] if urllib.parse.urlsplit(url).password else [url, with_password(url, "postgres")]
    failures = []
    for candidate in candidates:
        try:
            with psycopg.connect(candidate, connect_timeout=10) as connection:
                version = connection.execute("SHOW server_version").fetchone()[0]
            return candidate, version.split()[0]
        except psycopg.Error as exc:
            failures.append(" ".join(str(exc).split()))
    raise SharedUnavailable("PostgreSQL could not be reached: " + " / ".join(dict.fromkeys(failures)))


def redis_client(url):
    return redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=10)


def redis_server(url):
    """The version of the Redis at ``url``."""
    try:
        with redis_client(url) as client:
            return client.info("server")["redis_version"]
    except redis.RedisError as exc:
        raise SharedUnavailable(f"Redis could not be reached: {exc}") from exc


def delete_keys(url, prefix):
    """Delete the keys stored under ``prefix`` (Django's keys are ``<prefix>:<version>:<key>``)."""
    with redis_client(url) as client:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)


def load_data(env, scale):
    """What bench/generate.py writes to its SQLite file, by the same steps, in the database of ``env``."""
    manage(env, "migrate", "--noinput", timeout=600)
    manage(env, "loaddata", *FIXTURES, timeout=600)
    if scale > 1:
        run_python(env, f"import sys; sys.argv[1:] = ['{scale}']\n{COPY}", timeout=3600)
        manage(env, "rebuild_search_index", timeout=3600)


def clean_up(report, what, action, *args):
    """Run ``action``, reporting rather than raising a failure: the servers are already stopped."""
    try:
        action(*args)
    except Exception as exc:
        message = f"{what} failed: {exc}"
        say(f"ERROR: {message}")
        report["errors"].append(message)


def shared_environment(args, stack, report):
    """A new database on the PostgreSQL server, loaded with the data, and a key
    prefix of this run's own on the Redis: the environment of our site on them,
    or None if they cannot be had. Dropping the database and deleting the keys
    go on ``stack``, so that they happen however the run ends."""
    try:
        admin_url, postgres_version = postgres_server(args.postgres_url)
        redis_version = redis_server(args.redis_url)
        try:
            url, drop = postgres_database(admin_url)
        except psycopg.Error as exc:
            raise SharedUnavailable(f"the database could not be created: {exc}") from exc
        stack.callback(clean_up, report, "dropping the shared mode's PostgreSQL database", drop)
        prefix = f"wrk-bench-{uuid.uuid4().hex[:12]}"
        stack.callback(
            clean_up, report, "deleting the shared mode's Redis keys", delete_keys, args.redis_url, prefix
        )
        say(f"shared mode: loading the data into {url.rsplit('/', 1)[1]} on PostgreSQL {postgres_version}")
        env = site_environment(
            OUT / "wrk-shared-unused.sqlite3",
            DATABASE_URL=url,
            CACHE_URL=args.redis_url,
            CACHE_KEY_PREFIX=prefix,
        )
        load_data(env, args.scale)
    except Exception as exc:
        shared_failed(report, "\n".join(str(exc).strip().splitlines()[-12:]))
        return None
    report["shared"] = {"postgres": postgres_version, "redis": redis_version, "hits": {}, "differs": {}}
    return env


def start_shared(stack, env, pages, bodies, sqlite_host, report):
    """Start the two shared servers and check each page: 200 on both, the
    second answering it from Redis once the first has stored it, and the same
    page as the SQLite site's. Return the second server's port, or None."""
    ports = []
    for letter in ("A", "B"):
        log_path = LOGS / f"shared-{letter.lower()}.log"
        server = gunicorn(env, workers=WORKERS, log_path=log_path)
        port = start(stack, f"our site on PostgreSQL + Redis, server {letter}", server, log_path)
        if port is None:
            shared_failed(report, f"server {letter} did not start; see {log_path}")
            return None
        ports.append(port)
    for name, path in pages.items():
        answers = []
        for port in ports:
            try:
                answers.append(fetch_response(port, path, SHARED_HOST))
            except OSError as exc:
                answers.append((str(exc), {}, b""))
        (status_a, _, _), (status_b, headers_b, body_b) = answers
        if (status_a, status_b) != (200, 200):
            message = f"page {name} ({path}) on the shared servers: {status_a} (A), {status_b} (B)"
            say(f"ERROR: {message}\n{log_tail(LOGS / 'shared-b.log')}")
            report["errors"].append(message)
            continue
        report["shared"]["hits"][name] = headers_b.get("X-Page-Cache") or "no X-Page-Cache"
        if not same_page(bodies[name], sqlite_host, body_b, SHARED_HOST):
            lengths = f"{len(bodies[name])} bytes on SQLite, {len(body_b)} on PostgreSQL"
            say(f"note: {name}: the shared server's page is not the SQLite site's ({lengths})")
            report["shared"]["differs"][name] = lengths
    return ports[1] if report["shared"]["hits"] else None


# The run -----------------------------------------------------------------------------


def find_pages(env):
    try:
        output = run_python(env, f"SEARCH_PATH = {SEARCH_PATH!r}\n{PAGES}")
        found = json.loads(output.strip().splitlines()[-1])
    except Exception as exc:
        say(f"ERROR: could not list our pages (home and search only):\n{exc}")
        return {"home": "/", "search": SEARCH_PATH}, {"pages": str(exc)[:500]}, ""
    for name, error in found["errors"].items():
        say(f"ERROR: page {name}: {error}")
    return found["pages"], found["errors"], found["episode_text"]


def same_page(body, host, other, other_host):
    """Whether two servers' bytes of a page match, but for the host (and port) in its own URLs."""
    return body.replace(host.encode(), b"HOST") == other.replace(other_host.encode(), b"HOST")


def address(port):
    """The host and port our SQLite sites are asked for (http.client's Host header)."""
    return f"127.0.0.1:{port}"


def start(stack, name, manager, log_path):
    """Enter ``manager`` (a server) on ``stack``; its port, or None if it failed."""
    try:
        port = stack.enter_context(manager)
    except Exception as exc:
        say(f"ERROR: {name} did not start: {exc}\n{log_tail(log_path)}")
        return None
    say(f"{name}: 127.0.0.1:{port}")
    return port


def time_edits(env):
    try:
        output = run_python(env, f"import sys; sys.argv[1:] = ['{EDIT_REPEATS}']\n{EDITS}", timeout=600)
        return json.loads(output.strip().splitlines()[-1])
    except Exception as exc:
        say(f"ERROR: the in-process edit timing failed:\n{exc}")
        return {"all": {"error": str(exc)[:500]}}


def run(args):
    report = {
        "started": datetime.datetime.now(datetime.UTC),
        "load_start": os.getloadavg(),
        "load_samples": [],
        "cpu_start": cpu_seconds(),
        "errors": [],
        "problems": [],
        "peer": None,
        "shared": None,
    }
    started = time.monotonic()
    LOGS.mkdir(parents=True, exist_ok=True)
    database = generate(args.scale, OUT / f"wrk-wiki-{args.scale}x.sqlite3").resolve()
    cached_env = site_environment(database, CACHE_URL="locmem://")
    uncached_env = site_environment(database, CACHE_URL="locmem://", DJANGO_PAGE_CACHE="0")
    pages, page_errors, episode_markdown = find_pages(uncached_env)
    report["errors"] += [f"page {name}: {error}" for name, error in page_errors.items()]

    def peer_failed(exc):
        message = f"django-wiki (the peer) left out: {exc}"
        say(f"ERROR: {message}")
        report["errors"].append(message)

    try:
        report["peer_versions"] = install_peer()
    except Exception as exc:
        peer_failed(exc)

    servers = {}
    results = {}
    sizes = {}
    with contextlib.ExitStack() as stack:
        shared_env = None if args.no_shared else shared_environment(args, stack, report)
        for name, env in (("cached", cached_env), ("uncached", uncached_env)):
            log_path = LOGS / f"{name}.log"
            servers[name] = start(
                stack, f"our site, {name}", gunicorn(env, workers=WORKERS, log_path=log_path), log_path
            )
            if servers[name] is None:
                report["errors"].append(f"our site ({name}) did not start; see {log_path}")

        # The bytes of each page, from the cached site (this first fetch renders and stores it).
        bodies = {}
        for name, path in pages.items():
            for mode in ("cached", "uncached"):
                if servers[mode] is None:
                    continue
                try:
                    status, body = fetch(servers[mode], path)
                except OSError as exc:
                    status, body = None, str(exc).encode()
                if status != 200:
                    message = f"page {name} ({path}) on our site ({mode}): {status}"
                    say(f"ERROR: {message}\n{body[:300]!r}\n{log_tail(LOGS / f'{mode}.log')}")
                    report["errors"].append(message)
                elif name not in bodies:
                    bodies[name] = body
                elif not same_page(bodies[name], address(servers["cached"]), body, address(servers[mode])):
                    lengths = f"{len(bodies[name])} and {len(body)} bytes"
                    say(f"note: {name}: the cached and uncached pages differ ({lengths})")
        sizes = {name: len(body) for name, body in bodies.items()}
        pages = {name: path for name, path in pages.items() if name in bodies}

        floor_pages = OUT / "wrk-floor-pages.json"
        floor_pages.write_text(
            json.dumps({pages[name]: base64.b64encode(body).decode() for name, body in bodies.items()})
        )
        floor_env = {name: value for name, value in os.environ.items() if not name.startswith("DJANGO_")}
        floor_env["FLOOR_PAGES"] = str(floor_pages)
        log_path = LOGS / "floor.log"
        servers["floor"] = start(
            stack,
            "floor",
            gunicorn(floor_env, workers=WORKERS, app="bench.floor:application", log_path=log_path),
            log_path,
        )
        if servers["floor"] is not None:
            for name, path in pages.items():
                try:
                    status, body = fetch(servers["floor"], path)
                except OSError as exc:
                    status, body = str(exc), b""
                if status != 200 or body != bodies[name]:
                    message = f"the floor's {name} is not our bytes ({status}, {len(body)} bytes)"
                    report["errors"].append(message)

        servers["shared"] = None
        if shared_env is not None:
            sqlite_host = address(servers["cached"] or servers["uncached"])
            servers["shared"] = start_shared(stack, shared_env, pages, bodies, sqlite_host, report)
        shared_pages = report["shared"]["hits"] if report["shared"] else {}

        # The peer's article: as much text as our episode page shows.
        servers["peer"] = peer_path = None
        if "peer_versions" in report:
            if "episode" in bodies:
                text, source = page_text(bodies["episode"]), "the visible text of our episode page's <main>"
            else:
                text, source = episode_markdown or "An episode.", "our first episode's lead and body"
            report["peer_text"] = {"source": source, "characters": len(text)}
            try:
                peer_path = make_peer_article(text)
            except Exception as exc:
                peer_failed(exc)
        if peer_path:
            log_path = LOGS / "peer.log"
            servers["peer"] = start(stack, "peer (django-wiki)", peer_gunicorn(log_path), log_path)
            if servers["peer"] is None:
                report["errors"].append(f"django-wiki (the peer) left out: it did not start; see {log_path}")
            else:
                try:
                    status, body = fetch(servers["peer"], peer_path)
                except OSError as exc:
                    status, body = str(exc), b""
                if status != 200:
                    message = f"django-wiki (the peer) left out: {peer_path} answered {status}"
                    say(f"ERROR: {message}\n{log_tail(log_path)}")
                    report["errors"].append(message)
                    servers["peer"] = None
                else:
                    report["peer"] = {"path": peer_path, "bytes": len(body)}

        for name, path in pages.items():
            for mode in ("floor", "cached", "uncached"):
                if servers[mode] is not None:
                    warm(servers[mode], path)
            if servers["shared"] is not None and name in shared_pages:
                warm(servers["shared"], path, SHARED_HOST)
        if servers["peer"] is not None:
            warm(servers["peer"], peer_path)

        peer_after = "episode" if "episode" in pages else (list(pages) or [None])[-1]
        for number in range(1, args.rounds + 1):
            for name, path in pages.items():
                runs = [(mode, name, path) for mode in ("floor", "cached", "uncached")]
                if name in shared_pages:
                    runs.append(("shared", name, path))
                if name == peer_after and servers["peer"] is not None:
                    runs.append(("peer", "peer", peer_path))
                for mode, key, target in runs:
                    if servers[mode] is None:
                        continue
                    host = SHARED_HOST if mode == "shared" else None
                    figures = run_wrk(servers[mode], target, args.seconds, host)
                    results.setdefault((mode, key), []).append(figures)
                    report["load_samples"].append(os.getloadavg()[0])
                    problems = run_problems(figures)
                    if problems:
                        report["problems"].append(f"round {number}, {name}, {mode}: {problems}")
                    rps = figures.get("rps")
                    say(
                        f"round {number}/{args.rounds} {key:<12} {mode:<8} "
                        + (f"{rps:8.1f} req/s" if rps is not None else "   -    ")
                        + (f"  ({problems})" if problems else "")
                    )

    say("servers stopped; timing the first view after an edit, in-process, once the machine is quiet")
    wait_until_quiet()
    report["edits"] = time_edits(uncached_env)
    report["pages"], report["sizes"], report["results"] = pages, sizes, results
    report["load_end"] = os.getloadavg()
    report["cpu_end"] = cpu_seconds()
    report["finished"] = datetime.datetime.now(datetime.UTC)
    report["seconds"] = time.monotonic() - started
    return report


# The report --------------------------------------------------------------------------


def median_of(runs, key):
    values = [figures[key] for figures in runs or () if figures.get(key) is not None]
    return statistics.median(values) if values else None


def fmt(value, digits=0):
    return "-" if value is None else f"{value:.{digits}f}"


def ratio(value, base, digits=2):
    return "-" if value is None or not base else f"{value / base:.{digits}f}"


def shared_line(report, args):
    """The shared mode's line in the list of what was measured."""
    shared = report["shared"]
    if args.no_shared:
        return "- shared: left out (`--no-shared`)."
    if not shared or not shared["hits"]:
        return "- shared: left out (see below)."
    hits = shared["hits"]
    misses = {name: state for name, state in hits.items() if state != "hit"}
    if misses:
        held = "for " + (", ".join(name for name in hits if name not in misses) or "no page") + "; not for "
        held += ", ".join(f"{name} ({state})" for name, state in misses.items())
    else:
        held = "for every page"
    if shared["differs"]:
        same = "The page differs from the SQLite site's for " + ", ".join(
            f"{name} ({lengths})" for name, lengths in shared["differs"].items()
        )
    else:
        same = "Each page is the SQLite site's, but for the host in its URLs"
    return (
        f"- shared (PG + Redis): two servers of our site ({WORKERS} sync workers each, page cache on) "
        f"sharing one PostgreSQL {shared['postgres']} database and one Redis {shared['redis']} (as its "
        f"cache, `CACHE_URL={args.redis_url}`), both asked for the host `{SHARED_HOST}` as behind one "
        "proxy; wrk drives the second, whose pages were stored by the first. After the first server's "
        f"fetch of a page, the second answered it with `X-Page-Cache: hit` {held}. {same}. "
        "Target: at least 0.7 of the floor's req/s."
    )


def render(report, args, command):
    results = report["results"]
    shared = report["shared"]
    peer_runs = results.get(("peer", "peer"))
    peer_rps = median_of(peer_runs, "rps")
    load = ", ".join(f"{value:.2f}" for value in report["load_start"])
    load_end = ", ".join(f"{value:.2f}" for value in report["load_end"])
    minutes, seconds = divmod(round(report["seconds"]), 60)
    lines = [
        f"Run {report['started']:%Y-%m-%d %H:%M}–{report['finished']:%H:%M} UTC ({minutes} min {seconds} s), "
        f"`nproc` {os.cpu_count()}, load average at start {load} (1, 5, 15 min; at the end {load_end}).",
        "",
        other_load(report),
        "",
        f"    {command}",
        "",
        f"Python {sys.version.split()[0]}, Django {importlib.metadata.version('django')}, "
        f"gunicorn {importlib.metadata.version('gunicorn')}, SQLite {sqlite3.sqlite_version}, "
        + (f"PostgreSQL {shared['postgres']}, Redis {shared['redis']}, " if shared else "")
        + f"{wrk_version()}. Data: bench/generate.py at {args.scale}x. Every server is gunicorn with "
        f"{WORKERS} sync workers on 127.0.0.1, debug off; our site on SQLite with a local-memory cache "
        "(but for the shared mode). "
        f"wrk -t{THREADS} -c{CONNECTIONS} -d{args.seconds}s --latency against the floor, the cached site, "
        f"the uncached site and the shared mode's second server, one after another for each page, "
        f"{args.rounds} rounds; figures are the medians over the rounds (latency: the median of each "
        "round's p50 and p99).",
        "",
        "- floor: bench/floor.py, a Django view (no database, no middleware) returning the page's bytes "
        "as our site served them;",
        "- cached: our site, page cache on (its default), warm; uncached: `DJANGO_PAGE_CACHE=0`, every "
        "request rendered (rendered Markdown still cached); (÷ floor): the share of the floor's req/s;",
        shared_line(report, args),
    ]
    if report["peer"]:
        versions = report["peer_versions"]
        lines.append(
            f"- peer: django-wiki {versions['wiki']} (Django {versions['django']}, gunicorn "
            f"{versions['gunicorn']}, its own virtualenv, bench/peer_site.py), no page cache, serving "
            f"`{report['peer']['path']}`, a child of the root article whose text is "
            f"{report['peer_text']['source']} ({report['peer_text']['characters']:,} characters); "
            f"{report['peer']['bytes'] / 1024:.0f} KiB of HTML. Measured once a round, after the episode; "
            "the same figure is on every row. Uncached ÷ peer above 1: our uncached page serves more."
        )
    else:
        lines.append("- peer: left out (see below).")
    lines += [
        "",
        "| page | KiB | floor req/s | cached req/s (÷ floor) | uncached req/s (÷ floor) "
        "| shared (PG + Redis) req/s (÷ floor) | peer req/s | uncached ÷ peer | floor p50 / p99 ms "
        "| cached p50 / p99 ms | uncached p50 / p99 ms | shared p50 / p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, path in report["pages"].items():
        modes = ("floor", "cached", "uncached", "shared")
        floor, cached, uncached, shared_runs = (results.get((mode, name)) for mode in modes)
        floor_rps, cached_rps, uncached_rps, shared_rps = (
            median_of(runs, "rps") for runs in (floor, cached, uncached, shared_runs)
        )

        def latency(runs):
            return f"{fmt(median_of(runs, 'p50'), 1)} / {fmt(median_of(runs, 'p99'), 1)}"

        lines.append(
            "| "
            + " | ".join(
                [
                    f"{name} `{path}`",
                    f"{report['sizes'][name] / 1024:.0f}",
                    fmt(floor_rps),
                    f"{fmt(cached_rps)} ({ratio(cached_rps, floor_rps)})",
                    f"{fmt(uncached_rps)} ({ratio(uncached_rps, floor_rps)})",
                    f"{fmt(shared_rps)} ({ratio(shared_rps, floor_rps)})",
                    fmt(peer_rps),
                    ratio(uncached_rps, peer_rps),
                    latency(floor),
                    latency(cached),
                    latency(uncached),
                    latency(shared_runs),
                ]
            )
            + " |"
        )
    if peer_runs:
        lines += [
            "",
            f"Peer: {fmt(peer_rps)} req/s, p50 {fmt(median_of(peer_runs, 'p50'), 1)} ms, "
            f"p99 {fmt(median_of(peer_runs, 'p99'), 1)} ms.",
        ]
    lines += [
        "",
        f"In-process, page cache off (Django's test Client, {args.scale}x), after the servers have "
        "stopped and the machine is quiet again: an edit through "
        f'`page.save(summary=...)`, then one GET timed ("first view"), then another; {EDIT_REPEATS} times '
        "each, medians:",
        "",
        "| page | save ms | first view after the edit ms | second view ms |",
        "|---|---:|---:|---:|",
    ]
    for name, figures in report["edits"].items():
        if "error" in figures:
            lines.append(f"| {name} | error: {figures['error'][:200]} | | |")
        else:
            lines.append(
                f"| {name} `{figures['url']}` | {figures['save_ms']:.1f} | {figures['first_ms']:.1f} "
                f"| {figures['second_ms']:.1f} |"
            )
    lines += ["", "wrk runs with errors (non-2xx/3xx responses, socket errors): "]
    lines[-1] += "none." if not report["problems"] else ""
    lines += [f"- {problem}" for problem in report["problems"]]
    if report["errors"]:
        lines += ["", "What did not work:", ""]
        for error in report["errors"]:
            lines.append("- " + " / ".join(line.strip() for line in error.splitlines() if line.strip()))
    return "\n".join(lines)


def wrk_version():
    try:
        output = subprocess.run(["wrk", "-v"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "wrk"
    match = re.search(r"wrk (\S+)", output)
    return f"wrk {match.group(1)}" if match else "wrk"


def write_results(section):
    """Put ``section`` at the top of bench/RESULTS.md, replacing the one an
    earlier run wrote; the first time, the older sections move under a
    heading of their own."""
    text = RESULTS.read_text(encoding="utf-8")
    block = f"{MARK_START}\n## wrk, side by side (`bench/wrk_bench.py`)\n\n{section}\n{MARK_END}"
    if MARK_START in text and MARK_END in text:
        before, rest = text.split(MARK_START, 1)
        after = rest.split(MARK_END, 1)[1]
        RESULTS.write_text(before + block + after, encoding="utf-8")
        return
    title, _, older = text.partition("\n")
    older = re.sub(r"^(#{2,5}) ", r"#\1 ", older.strip("\n"), flags=re.MULTILINE)
    older = older.replace("Figures, not pass/fail. Measured", "Measured", 1)
    RESULTS.write_text(
        f"{title}\n\nFigures, not pass/fail.\n\n{block}\n\n"
        "## Earlier figures, measured with the previous Python load generator\n\n"
        "The serving figures below were measured with bench/serve_bench.py's own load generator (Python "
        "threads, one request per connection), before the wrk benchmark above; they are not comparable "
        "with it figure for figure. The SQLite-concurrency and search figures come from their own "
        "scripts.\n\n"
        f"{older}\n",
        encoding="utf-8",
    )


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=5, help="length of each wrk run (default 5)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; figures are medians (default 3)")
    parser.add_argument("--scale", type=int, default=1, help="bench/generate.py scale (default 1)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/RESULTS.md be")
    parser.add_argument(
        "--postgres-url",
        default="postgres://postgres@127.0.0.1:5432/postgres",
        help="the shared mode's PostgreSQL server, as a URL of a database to connect to (a maintenance "
        "database); the run creates a database of its own on it and drops it at the end. If refused, "
        "the password 'postgres' is tried (default %(default)s)",
    )
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/14",
        help="the shared mode's Redis; the run's keys are deleted at the end (default %(default)s)",
    )
    parser.add_argument(
        "--no-shared", action="store_true", help="leave out the shared mode (PostgreSQL + Redis)"
    )
    args = parser.parse_args()
    if args.seconds < 1 or args.rounds < 1 or args.scale < 1:
        parser.error("--seconds, --rounds and --scale must be at least 1")
    if not shutil.which("wrk"):
        parser.error("wrk is not installed (apt-get install wrk)")
    command = shlex.join([".venv/bin/python", "-m", "bench.wrk_bench", *sys.argv[1:]])
    report = run(args)
    section = render(report, args, command)
    print(section)
    if not args.no_write:
        write_results(section)
        say(f"written to {RESULTS.relative_to(BASE_DIR)}")


if __name__ == "__main__":
    main()
