"""Settings read from the environment, and the headers every response carries.

Each settings case starts a fresh interpreter, because settings are read once
at import time.
"""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from heromask_wiki.settings import env_number

BASE_DIR = Path(__file__).resolve().parent.parent

PRINT_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "DATABASE": {k: settings.DATABASES["default"][k] for k in ("ENGINE", "NAME", "HOST", "PORT", "USER")},
    "DATABASE_OPTIONS": settings.DATABASES["default"].get("OPTIONS", {}),
    "CACHE": settings.CACHES["default"],
    "STATICFILES": settings.STORAGES["staticfiles"]["BACKEND"],
    "PAGE_CACHE_ENABLED": settings.PAGE_CACHE_ENABLED,
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
    "SECURE_PROXY_SSL_HEADER": settings.SECURE_PROXY_SSL_HEADER,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "SECURE_HSTS_SECONDS": settings.SECURE_HSTS_SECONDS,
}))
"""


def clean_environment(**overrides):
    """The current environment without any of the project's settings variables."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "DATABASE_", "CACHE_", "WIKI_"))
    }
    env["DJANGO_SETTINGS_MODULE"] = "heromask_wiki.settings"
    env.update(overrides)
    return env


def run_python(code, **env):
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=clean_environment(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def load_settings(**env):
    result = run_python(PRINT_SETTINGS, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_debug_is_off_unless_set():
    assert load_settings(DJANGO_SECRET_KEY="x" * 50)["DEBUG"] is False
    assert load_settings(DJANGO_DEBUG="1")["DEBUG"] is True


NUMBER_SETTINGS = [
    "DATABASE_CONN_MAX_AGE",
    "DJANGO_PAGE_CACHE_SECONDS",
    "DJANGO_PAGE_CACHE_TRUST_SECONDS",
    "DJANGO_SHARED_CACHE_SECONDS",
    "DJANGO_STALE_WHILE_REVALIDATE_SECONDS",
    "DJANGO_LOGIN_FAILURE_LIMIT",
    "DJANGO_LOGIN_COOLOFF_MINUTES",
    "DJANGO_HSTS_SECONDS",
]


@pytest.mark.parametrize("name", NUMBER_SETTINGS)
def test_a_number_setting_that_is_no_number_stops_the_site_with_an_error_naming_it(name):
    result = run_python(PRINT_SETTINGS, DJANGO_SECRET_KEY="x" * 50, **{name: "ten"})
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {name} must be a" in result.stderr


@given(
    value=st.text(max_size=12) | st.integers().map(str) | st.floats().map(str),
    kind=st.sampled_from([int, float]),
)
def test_a_number_setting_is_a_finite_number_of_0_or_more_or_an_error_naming_it(value, kind):
    if "\x00" in value:
        return  # The environment cannot hold it.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_TEST_SECONDS", value)
        try:
            number = env_number("DJANGO_TEST_SECONDS", "7", kind)
        except ImproperlyConfigured as error:
            assert "DJANGO_TEST_SECONDS must be a" in str(error)
        else:
            assert type(number) is kind and math.isfinite(number) and number >= 0
            assert number == (7 if not value.strip() else kind(value))


def test_secret_key_is_required_when_debug_is_off():
    result = run_python(PRINT_SETTINGS, DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "ImproperlyConfigured: DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off." in result.stderr


def test_production_defaults_are_secure_and_proxy_header_is_opt_in():
    production = load_settings(
        DJANGO_SECRET_KEY="x" * 50, DJANGO_ALLOWED_HOSTS="example.org, www.example.org"
    )
    assert production["ALLOWED_HOSTS"] == ["example.org", "www.example.org"]
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["SECURE_HSTS_SECONDS"] == 31536000
    assert production["SECURE_PROXY_SSL_HEADER"] is None
    behind_proxy = load_settings(DJANGO_SECRET_KEY="x" * 50, DJANGO_SECURE_PROXY_SSL_HEADER="1")
    assert behind_proxy["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_static_files_get_hashed_compressed_names_only_without_debug():
    assert (
        load_settings(DJANGO_SECRET_KEY="x" * 50)["STATICFILES"]
        == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )
    assert (
        load_settings(DJANGO_DEBUG="1")["STATICFILES"]
        == "django.contrib.staticfiles.storage.StaticFilesStorage"
    )


def test_database_is_sqlite_with_wal_and_immediate_transactions_by_default():
    loaded = load_settings(DJANGO_DEBUG="1")
    assert loaded["DATABASE"]["ENGINE"] == "django.db.backends.sqlite3"
    assert loaded["DATABASE"]["NAME"] == str(BASE_DIR / "db.sqlite3")
    assert loaded["DATABASE_OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in loaded["DATABASE_OPTIONS"]["init_command"]


def test_database_url_selects_postgresql():
    loaded = load_settings(DJANGO_DEBUG="1", DATABASE_URL="postgres://wiki@db.internal:5433/heromask")
    assert loaded["DATABASE"] == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "heromask",
        "HOST": "db.internal",
        "PORT": 5433,
        "USER": "wiki",
    }
    assert loaded["DATABASE_OPTIONS"] == {}


def test_cache_url_selects_redis_and_the_page_cache_is_on_with_either_cache_unless_turned_off():
    local = load_settings(DJANGO_DEBUG="1")
    assert local["CACHE"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    # Keyed by the generation kept in the database, the page cache is right with a per-process cache too.
    assert local["PAGE_CACHE_ENABLED"] is True
    shared = load_settings(DJANGO_DEBUG="1", CACHE_URL="redis://127.0.0.1:6379/3", CACHE_KEY_PREFIX="wiki")
    # Redis, through a backend that treats a Redis failure as a miss (heromask_wiki/redis_cache.py).
    assert shared["CACHE"]["BACKEND"] == "heromask_wiki.redis_cache.FailSoftRedisCache"
    assert shared["CACHE"]["LOCATION"] == "redis://127.0.0.1:6379/3"
    assert shared["CACHE"]["KEY_PREFIX"] == "wiki"
    assert shared["PAGE_CACHE_ENABLED"] is True
    assert load_settings(DJANGO_DEBUG="1", DJANGO_PAGE_CACHE="0")["PAGE_CACHE_ENABLED"] is False
    off = load_settings(DJANGO_DEBUG="1", DJANGO_PAGE_CACHE="0", CACHE_URL="redis://127.0.0.1:6379/3")
    assert off["PAGE_CACHE_ENABLED"] is False


def test_sqlite_connections_use_wal_a_busy_timeout_and_immediate_transactions(tmp_path):
    code = """
import django
django.setup()
from django.db import connection, transaction
with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    print(cursor.fetchone()[0])
    cursor.execute("PRAGMA busy_timeout")
    print(cursor.fetchone()[0])
queries = []
with connection.execute_wrapper(lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)):
    with transaction.atomic():
        pass
print(connection.transaction_mode)
"""
    result = run_python(code, DJANGO_DEBUG="1", DATABASE_URL=f"sqlite:///{tmp_path / 'wiki.sqlite3'}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["wal", "20000", "IMMEDIATE"]


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def assert_security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value, name
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response.headers["Content-Security-Policy"].split(";")
    )
    assert policy["script-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


@pytest.mark.django_db
def test_reader_page_carries_security_headers_and_a_policy_without_inline_script(client):
    from tests.factories import CharacterFactory

    character = CharacterFactory(title="James Blood")
    response = client.get(character.get_absolute_url())
    assert response.status_code == 200
    assert_security_headers(response)


@pytest.mark.django_db
def test_admin_and_missing_pages_carry_the_same_headers(client):
    assert_security_headers(client.get("/admin/login/"))
    assert_security_headers(client.get("/no-such-page/"))


@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=True, SECURE_HSTS_SECONDS=31536000)
def test_plain_http_is_redirected_and_https_gets_strict_transport_security(client):
    redirect = client.get("/admin/login/")
    assert redirect.status_code == 301
    assert redirect.headers["Location"] == "https://testserver/admin/login/"
    secure = client.get("/admin/login/", secure=True)
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
