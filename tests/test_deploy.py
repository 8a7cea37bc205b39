"""The production configuration passes Django's deployment checklist, and its
static files are served hashed and compressed by WhiteNoise."""

import secrets
import string
import subprocess
import sys

from tests.test_settings import BASE_DIR, clean_environment


def production_environment(tmp_path, **overrides):
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    settings = {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "".join(secrets.choice(alphabet) for _ in range(64)),
        "DJANGO_ALLOWED_HOSTS": "example.org",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'wiki.sqlite3'}",
    }
    return clean_environment(**{**settings, **overrides})


def manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_no_issues(tmp_path):
    result = manage(production_environment(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_flags_a_short_secret_key(tmp_path):
    env = production_environment(tmp_path, DJANGO_SECRET_KEY="too-short")
    result = manage(env, "check", "--deploy")
    assert "security.W009" in result.stderr + result.stdout


def test_collected_static_files_are_hashed_compressed_and_served_with_long_cache_lifetime(tmp_path):
    env = production_environment(tmp_path)
    collected = manage(env, "collectstatic", "--noinput")
    assert collected.returncode == 0, collected.stderr
    code = """
from django.test import Client
from django.templatetags.static import static
url = static("admin/css/base.css")
response = Client(HTTP_HOST="example.org").get(url, secure=True, HTTP_ACCEPT_ENCODING="gzip")
print(url, response.status_code, response.headers.get("Content-Encoding"), response.headers["Cache-Control"])
"""
    served = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup()\n{code}"],
        cwd=BASE_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "heromask_wiki.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert served.returncode == 0, served.stderr
    url, status, encoding, cache_control = served.stdout.split(" ", 3)
    assert url.startswith("/static/admin/css/base.") and url != "/static/admin/css/base.css"
    assert (status, encoding) == ("200", "gzip")
    assert "max-age=315360000" in cache_control and "immutable" in cache_control
