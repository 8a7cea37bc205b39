"""The site behind a shared HTTP cache (Debian's Varnish with deploy/varnish.vcl),
and two servers sharing PostgreSQL and Redis: what one serves after an edit
made through the other.

Varnish and PostgreSQL are real processes here; .ci/run installs and starts
them. Without them these tests fail under CI and are skipped elsewhere."""

import contextlib
import os
import shutil
import uuid
from pathlib import Path

import psycopg
import pytest

from tests import serving
from tests.serving import Browser

VARNISHD = shutil.which("varnishd") or "/usr/sbin/varnishd"
VCL = Path(__file__).resolve().parent.parent / "deploy" / "varnish.vcl"


def require(available, message):
    if not available:
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def site_database(tmp_path_factory):
    database = tmp_path_factory.mktemp("front") / "wiki.sqlite3"
    serving.run_python(
        serving.site_environment(database),
        "from django.core.management import call_command\n"
        "call_command('migrate', interactive=False, verbosity=0)\n"
        "from tests.factories import CharacterFactory\n"
        "CharacterFactory(title='James Blood', slug='james-blood', lead='James Blood is a detective.')\n",
    )
    return database


@contextlib.contextmanager
def varnish(backend_port, tmp_path):
    """Varnish on a free port in front of ``backend_port``, with the project's VCL."""
    vcl = tmp_path / "site.vcl"
    vcl.write_text(VCL.read_text().replace('.port = "8000";', f'.port = "{backend_port}";'))
    port = serving.free_port()
    command = [VARNISHD, "-F", "-j", "none", "-n", str(tmp_path / "varnish"), "-a", f"127.0.0.1:{port}",
               "-f", str(vcl), "-s", "malloc,32m", "-T", "none"]  # fmt: skip
    with serving.serving(command, port, log_path=tmp_path / "varnish.log"):
        yield port


def from_varnish(headers):
    """Whether Varnish answered from its cache: a hit names two transactions."""
    return len(headers.get("X-Varnish", "").split()) == 2


def test_pages_are_served_from_the_front_cache_until_an_edit_bans_them(tmp_path, site_database):
    require(os.access(VARNISHD, os.X_OK), f"This test needs Varnish ({VARNISHD}); .ci/run installs it.")
    database = tmp_path / "wiki.sqlite3"
    shutil.copyfile(site_database, database)
    with contextlib.ExitStack() as stack:
        env = serving.site_environment(database)
        site = stack.enter_context(serving.gunicorn(env, workers=1, log_path=tmp_path / "gunicorn.log"))
        front = stack.enter_context(varnish(site, tmp_path))
        env["DJANGO_FRONT_CACHE_URLS"] = f"http://127.0.0.1:{front}/"
        url = "/characters/james-blood/"

        status, headers, page = serving.get(front, url)
        assert status == 200 and "James Blood is a detective." in page
        assert "public" in headers["Cache-Control"] and "s-maxage=" in headers["Cache-Control"]
        assert "stale-while-revalidate=" in headers["Cache-Control"]
        status, headers, again = serving.get(front, url)
        assert from_varnish(headers) and again == page

        # An editor's requests carry cookies: Varnish passes them to the site.
        editor = Browser(front)
        editor.cookies["sessionid"] = "not-a-session"
        _, headers, _ = editor.request("GET", url)
        assert not from_varnish(headers)

        serving.run_python(
            env,
            "from characters.models import Character\n"
            "james = Character.objects.get(slug='james-blood')\n"
            "james.lead = 'James Blood is a chief inspector.'\n"
            "james.save(summary='Promotion')",
        )

        status, headers, page = serving.get(front, url)
        assert "James Blood is a chief inspector." in page, (
            "the front cache served the page from before the edit"
        )
        assert not from_varnish(headers)
        _, headers, _ = serving.get(front, url)
        assert from_varnish(headers)


def test_the_site_answers_conditional_requests_with_304(tmp_path, site_database):
    database = tmp_path / "wiki.sqlite3"
    shutil.copyfile(site_database, database)
    with serving.gunicorn(serving.site_environment(database), workers=1) as site:
        browser = Browser(site)
        status, headers, page = browser.request("GET", "/characters/james-blood/")
        assert status == 200 and headers["ETag"] and headers["Last-Modified"]

        browser.headers = {"If-None-Match": headers["ETag"]}
        status, not_modified, body = browser.request("GET", "/characters/james-blood/")
        assert (status, body) == (304, "")
        assert not_modified["ETag"] == headers["ETag"]

        browser.headers = {"If-Modified-Since": headers["Last-Modified"]}
        status, _, body = browser.request("GET", "/characters/james-blood/")
        assert (status, body) == (304, "")

        browser.headers = {"If-None-Match": '"something-else"'}
        status, _, body = browser.request("GET", "/characters/james-blood/")
        assert status == 200 and body == page


def postgres_url():
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else ""


def test_two_servers_on_postgresql_and_redis_serve_an_edit_made_through_either_at_once(tmp_path):
    """What CI's second run (DATABASE_URL on PostgreSQL, CACHE_URL on Redis) sets up;
    the run on SQLite has the same test on one SQLite file (tests/test_caching.py)."""
    base_url, cache_url = postgres_url(), os.environ.get("CACHE_URL", "")
    if not base_url:
        pytest.skip("Runs with DATABASE_URL on PostgreSQL, as .ci/run's second run sets.")
    require(
        cache_url.startswith("redis://"), "This test needs CACHE_URL on Redis, as .ci/run's second run sets."
    )
    name = f"heromask_two_servers_{uuid.uuid4().hex[:12]}"
    admin_url = base_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        env = serving.site_environment(
            tmp_path / "unused.sqlite3",
            DATABASE_URL=base_url.rsplit("/", 1)[0] + f"/{name}",
            CACHE_URL=cache_url,
            CACHE_KEY_PREFIX=f"heromask-test-{name}",
        )
        serving.run_python(
            env,
            "from django.core.management import call_command\n"
            "call_command('migrate', interactive=False, verbosity=0)\n"
            "from tests.factories import CharacterFactory, StaffUserFactory\n"
            "StaffUserFactory(username='editor', password='correct horse battery staple')\n"
            "CharacterFactory(title='James Blood', slug='james-blood', lead='James Blood is a detective.')\n",
        )
        with contextlib.ExitStack() as stack:
            first = stack.enter_context(serving.gunicorn(env, workers=1, log_path=tmp_path / "first.log"))
            second = stack.enter_context(serving.gunicorn(env, workers=1, log_path=tmp_path / "second.log"))
            url = "/characters/james-blood/"
            for port in (first, second):
                status, _, page = Browser(port).request("GET", url)
                assert status == 200 and "James Blood is a detective." in page
            # Shared through Redis: the second server's visit was a hit on the first one's page.
            assert Browser(second).request("GET", url)[1]["X-Page-Cache"] == "hit"

            editor = Browser(first)
            editor.log_in("editor", "correct horse battery staple")
            pk = serving.run_python(
                env, "from wiki.models import Page; print(Page.objects.get(slug='james-blood').pk)"
            ).strip()
            editor.edit(f"/admin/characters/character/{pk}/change/", lead="James Blood is a chief inspector.")

            _, headers, page = Browser(second).request("GET", url)
            assert "James Blood is a chief inspector." in page, "the other server served the page from before"
            assert headers["X-Page-Cache"] == "miss"
            assert Browser(first).request("GET", url)[1]["X-Page-Cache"] == "hit"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
