"""Faults of the production set-up, made for real: a Redis server and a
PostgreSQL cluster of this module's own, on free ports, are stopped, started
and restarted around requests to gunicorn (two sync workers, debug off,
persistent database connections) serving the site on them.

- Redis stopped: every page is served, from a worker's own memory or built
  from the database (``heromask_wiki.redis_cache``), and an edit shows at
  once; each worker logs one warning, not one per request; Redis back: pages
  are cached again.
- PostgreSQL restarted: no request fails (Django's connection health checks).
- PostgreSQL stopped: a page stored in Redis is still served, marked
  ``X-Page-Cache: stale-db-down``, at the reader's limit too; any other page
  is the 503 page with ``Retry-After`` (``wiki.unavailable``); PostgreSQL back: pages as usual.

The shared PostgreSQL and Redis of CI are never touched. The module starts
its own servers, so it runs once per CI run, in the SQLite run.
"""

import concurrent.futures
import contextlib
import logging
import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
import redis
from django.db import OperationalError, ProgrammingError

from heromask_wiki.redis_cache import FailSoftRedisCache
from tests import serving
from tests.serving import Browser
from wiki import unavailable

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
POSTGRESQL_BINARIES = sorted(
    Path("/usr/lib/postgresql").glob("*/bin"), key=lambda path: int(path.parent.name.split(".")[0])
)
CACHED = "/characters/james-blood/"
NOT_CACHED = "/characters/sarah-sinclair/"
LOST_WARNING = "cannot be reached"
BACK_WARNING = "answers again: pages are cached again"
# How long a worker keeps the content generation it read while Redis tells it of every change.
TRUST_SECONDS = 0.5

# It brings its own servers, so once per CI run is enough: in the PostgreSQL
# run, the shorter of the two (the SQLite run also drives the browser tests).
pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
    reason="Starts its own PostgreSQL and Redis: runs once per CI run, in the PostgreSQL run.",
)


def as_postgres_user(command):
    """initdb and pg_ctl refuse to run as root."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class RedisServer:
    def __init__(self, directory):
        if not os.access(REDIS_SERVER, os.X_OK):
            pytest.fail(f"These tests need redis-server ({REDIS_SERVER}): apt-get install redis-server.")
        self.directory = directory
        self.port = serving.free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        command = [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
                   "--appendonly", "no", "--dir", str(self.directory)]  # fmt: skip
        log = open(self.directory / "redis.log", "a")  # noqa: SIM115 (the server writes to it)
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise
                time.sleep(0.05)

    def stop(self):
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def hang(self):
        """Keep connections open but answer nothing, as a stuck server does."""
        self.process.send_signal(signal.SIGSTOP)


class PostgresCluster:
    """A throwaway cluster (fsync off) in ``directory``, owned by the postgres user."""

    def __init__(self, directory):
        if not POSTGRESQL_BINARIES:
            pytest.fail("These tests need PostgreSQL's server binaries (/usr/lib/postgresql/*/bin).")
        self.bin = POSTGRESQL_BINARIES[-1]
        self.directory = directory
        self.data = directory / "data"
        self.port = serving.free_port()
        directory.mkdir()
        if os.geteuid() == 0:
            shutil.chown(directory, "postgres", "postgres")
            directory.parent.chmod(0o711)
        self.pg_ctl("initdb", "-o", "--auth=trust --username=postgres --encoding=UTF8 --locale=C --no-sync")

    def pg_ctl(self, *args):
        command = as_postgres_user([str(self.bin / "pg_ctl"), "-D", str(self.data), "--silent", *args])
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            log = self.directory / "postgresql.log"
            raise RuntimeError(
                f"pg_ctl {args[0]} failed:\n{result.stdout}{result.stderr}"
                + (log.read_text()[-3000:] if log.exists() else "")
            )

    def start(self):
        options = (f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c full_page_writes=off -c synchronous_commit=off")  # fmt: skip
        self.pg_ctl("start", "-w", "-t", "30", "-l", str(self.directory / "postgresql.log"), "-o", options)

    def stop(self):
        self.pg_ctl("stop", "-w", "-m", "fast")

    def restart(self):
        self.pg_ctl("restart", "-w", "-m", "fast", "-l", str(self.directory / "postgresql.log"))

    def stop_if_running(self):
        if (self.data / "postmaster.pid").exists():
            self.pg_ctl("stop", "-w", "-m", "immediate")

    def url(self, database):
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def connections_to(self, database):
        """Client connections open to ``database`` (this query's own is to another)."""
        with psycopg.connect(self.url("postgres"), autocommit=True) as admin:
            return admin.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = %s AND backend_type = 'client backend'",
                [database],
            ).fetchone()[0]


class Site:
    def __init__(self, port, log_path, redis_server, postgres, env):
        self.port, self.log_path, self.redis, self.postgres = port, log_path, redis_server, postgres
        self.env = env

    def edit_lead(self, title, lead):
        """An edit through the write path, committed by a process of its own."""
        serving.run_python(
            self.env,
            "from characters.models import Character\n"
            f"character = Character.objects.get(title={title!r})\n"
            f"character.lead = {lead!r}\n"
            "character.save()",
        )

    def get(self, url, cookies=None):
        browser = Browser(self.port)
        browser.cookies.update(cookies or {})
        return browser.request("GET", url)

    def get_at_once(self, url, count):
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            return list(pool.map(lambda _: self.get(url)[0], range(count)))

    def get_until_cached(self, url, cookies=None, seconds=15):
        deadline = time.monotonic() + seconds
        while True:
            status, headers, page = self.get(url, cookies)
            if status == 200 and headers.get("X-Page-Cache") == "hit":
                return page
            assert time.monotonic() < deadline, f"{url} was not served from the cache: {status}, {headers}"
            time.sleep(0.2)

    def log_count(self, text):
        return self.log_path.read_text().count(text)


@pytest.fixture(scope="module")
def site():
    with contextlib.ExitStack() as stack:
        # Not under pytest's temporary directory, which the postgres user cannot enter.
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="heromask-faults-")))
        redis_server = RedisServer(directory)
        redis_server.start()
        stack.callback(redis_server.stop)
        postgres = PostgresCluster(directory / "postgresql")
        postgres.start()
        stack.callback(postgres.stop_if_running)
        with psycopg.connect(postgres.url("postgres"), autocommit=True) as admin:
            admin.execute("CREATE DATABASE heromask")
        env = serving.site_environment(
            directory / "unused.sqlite3",
            DATABASE_URL=postgres.url("heromask"),
            DATABASE_CONN_MAX_AGE="600",
            CACHE_URL=redis_server.url,
            DJANGO_PAGE_CACHE_TRUST_SECONDS=str(TRUST_SECONDS),
        )
        serving.run_python(
            env,
            "from django.core.management import call_command\n"
            "call_command('migrate', interactive=False, verbosity=0)\n"
            "from tests.factories import CharacterFactory\n"
            "CharacterFactory(title='James Blood', lead='James Blood is a detective.')\n"
            "CharacterFactory(title='Sarah Sinclair', lead='Sarah Sinclair is an agent.')\n",
        )
        log_path = directory / "gunicorn.log"
        port = stack.enter_context(serving.gunicorn(env, workers=2, log_path=log_path))
        yield Site(port, log_path, redis_server, postgres, env)


def test_while_redis_is_stopped_pages_are_served_edits_show_at_once_and_each_worker_warns_once(site):
    site.get_until_cached(CACHED)
    lost_before, back_before = site.log_count(LOST_WARNING), site.log_count(BACK_WARNING)
    site.redis.stop()
    try:
        for _ in range(20):
            status, headers, page = site.get(CACHED)
            assert status == 200 and "James Blood is a detective." in page
        status, _, page = site.get(NOT_CACHED)
        assert status == 200 and "Sarah Sinclair is an agent." in page
        # No worker hears of changes now, so each reads the generation for every request.
        site.edit_lead("James Blood", "James Blood is a chief inspector.")
        try:
            for _ in range(8):
                status, _, page = site.get(CACHED)
                assert status == 200, status
                assert "James Blood is a chief inspector." in page, "a stale page was served"
        finally:
            site.edit_lead("James Blood", "James Blood is a detective.")
        status, _, page = site.get(CACHED)
        assert status == 200 and "James Blood is a detective." in page, "a stale page was served"
        # One warning per worker that served a request (two workers), not one per request.
        assert 1 <= site.log_count(LOST_WARNING) - lost_before <= 2
    finally:
        site.redis.start()
    # Each worker tries Redis again a few seconds after its last failure, and
    # says so once: wait for every one that lost it, as later tests need.
    site.get_until_cached(CACHED)
    deadline = time.monotonic() + 15
    while site.log_count(BACK_WARNING) - back_before < site.log_count(LOST_WARNING) - lost_before:
        assert time.monotonic() < deadline, "a worker did not find Redis again"
        site.get_at_once(CACHED, 8)
        time.sleep(0.2)


def test_a_postgresql_restart_costs_no_request(site):
    deadline = time.monotonic() + 20
    while site.postgres.connections_to("heromask") < 2:
        assert all(status == 200 for status in site.get_at_once(CACHED, 8))
        assert time.monotonic() < deadline, "the two workers did not both keep a database connection"
    site.postgres.restart()
    assert site.postgres.connections_to("heromask") == 0
    statuses = []
    # Until both workers have reconnected, so each has served its first request after the restart.
    while site.postgres.connections_to("heromask") < 2:
        statuses += site.get_at_once(CACHED, 8)
        assert time.monotonic() < deadline + 20, "the two workers did not both reconnect"
    assert statuses and set(statuses) == {200}, statuses


def test_while_postgresql_is_stopped_stored_pages_are_served_and_others_answer_503(site):
    site.get_until_cached(CACHED)
    at_start = {"upto": "start"}
    site.get_until_cached(CACHED, cookies=at_start)
    site.postgres.stop()
    # Until then a worker may serve by the generation it read, without asking the database.
    time.sleep(TRUST_SECONDS)
    try:
        for _ in range(6):
            status, headers, page = site.get(CACHED)
            assert (status, headers["X-Page-Cache"]) == (200, "stale-db-down")
            assert "James Blood is a detective." in page
        # A reader's limit is read from the database too; the page stored at it is served.
        status, headers, page = site.get(CACHED, cookies=at_start)
        assert (status, headers["X-Page-Cache"]) == (200, "stale-db-down")
        assert "Reading up to: <strong>Not started" in page

        for url in (NOT_CACHED, "/characters/"):
            status, headers, page = site.get(url)
            assert status == 503, (url, status, page[:2000])
            assert headers["Retry-After"] == str(unavailable.RETRY_AFTER_SECONDS)
            assert "The wiki is briefly unavailable" in page and "Error 503" in page
            assert "no-store" in headers["Cache-Control"]
    finally:
        site.postgres.start()
    status, _, page = site.get(NOT_CACHED)
    assert status == 200 and "Sarah Sinclair is an agent." in page
    status, headers, _ = site.get(CACHED)
    assert (status, headers["X-Page-Cache"]) == (200, "hit")


def test_the_cache_answers_as_empty_without_waiting_when_redis_cannot_be_reached(caplog):
    nobody = f"redis://127.0.0.1:{serving.free_port()}/0"
    cache = FailSoftRedisCache(nobody, {})
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="heromask_wiki.redis_cache"):
        for _ in range(200):
            assert cache.get("page", "missing") == "missing"
            cache.set("page", "text")
            assert cache.add("page", "text") is False
            assert cache.get_many(["page", "other"]) == {}
            assert cache.set_many({"page": "text"}) == ["page"]
            assert cache.delete("page") is False
            with pytest.raises(ValueError):
                cache.incr("counter")
    assert time.monotonic() - started < 2
    warnings = [record.getMessage() for record in caplog.records]
    assert len(warnings) == 1 and warnings[0].startswith(f"The cache at {nobody} cannot be reached"), warnings


def test_a_hung_redis_costs_one_short_timeout_then_nothing_until_it_is_tried_again(tmp_path, caplog):
    server = RedisServer(tmp_path)
    server.start()
    try:
        cache = FailSoftRedisCache(server.url, {})
        cache.set("page", "text")
        assert cache.get("page") == "text"
        server.hang()
        started = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="heromask_wiki.redis_cache"):
            assert cache.get("page", "missing") == "missing"
            first = time.monotonic() - started
            for _ in range(100):
                assert cache.get("page", "missing") == "missing"
        assert first < 1.5
        assert time.monotonic() - started - first < 0.5
        assert ["TimeoutError" in record.getMessage() for record in caplog.records] == [True]
    finally:
        server.stop()


def test_only_errors_that_say_the_database_cannot_be_reached_answer_503():
    def django_error(error, kind=OperationalError):
        wrapped = kind(*error.args)
        wrapped.__cause__ = error
        return wrapped

    with pytest.raises(sqlite3.OperationalError) as missing_table:
        sqlite3.connect(":memory:").execute("SELECT * FROM nowhere")
    with pytest.raises(sqlite3.OperationalError) as missing_file:
        sqlite3.connect("file:/nonexistent/wiki.sqlite3?mode=ro", uri=True).execute("SELECT 1")
    with pytest.raises(psycopg.OperationalError) as refused:
        psycopg.connect(f"postgres://postgres@127.0.0.1:{serving.free_port()}/wiki", connect_timeout=2)

    assert not unavailable.database_unavailable(django_error(missing_table.value))
    assert unavailable.database_unavailable(django_error(missing_file.value))
    assert unavailable.database_unavailable(django_error(refused.value))
    assert not unavailable.database_unavailable(django_error(missing_table.value, ProgrammingError))
    assert not unavailable.database_unavailable(ValueError("not a database error"))
