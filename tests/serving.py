"""Running the site in other processes, as production runs it: a SQLite file
or PostgreSQL database, gunicorn workers, and the settings read from the
environment. Used by the multi-process tests and by the benchmarks in bench/."""

import contextlib
import http.client
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def site_environment(database_path, **overrides):
    """Production settings (debug off) for a site on ``database_path``."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "DATABASE_", "CACHE_", "WIKI_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="heromask_wiki.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_STATIC_MANIFEST="0",
        DATABASE_URL=f"sqlite:///{database_path}",
        CACHE_URL="locmem://",
    )
    env.update(overrides)
    return env


def _run(env, command, what, timeout):
    result = subprocess.run(command, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"{what} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def manage(env, *args, timeout=300):
    return _run(env, [sys.executable, "manage.py", *args], f"manage.py {' '.join(args)}", timeout)


def run_python(env, code, timeout=300):
    """Run ``code`` with Django set up in a new process; return its stdout."""
    command = [sys.executable, "-c", f"import django\ndjango.setup()\n{code}"]
    return _run(env, command, "Python in a subprocess", timeout)


def get(port, path, timeout=30):
    """GET ``path``; return (status, headers, body text)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        connection.close()


@contextlib.contextmanager
def gunicorn(env, workers=2, threads=1, log_path=None, app="heromask_wiki.wsgi", timeout=30):
    """Serve ``app`` (the site by default) with gunicorn on a free port; yield the port."""
    port = free_port()
    log = open(log_path or os.devnull, "w")  # noqa: SIM115 (closed in finally)
    process = subprocess.Popen(
        [
            str(GUNICORN),
            app,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--timeout",
            str(timeout),
            "--error-logfile",
            "-",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}; see {log_path}")
            try:
                get(port, "/robots.txt", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
