"""Running the site in other processes, as production runs it: a SQLite file
or PostgreSQL database, gunicorn workers, and the settings read from the
environment. Used by the multi-process tests and by the benchmarks in bench/."""

import contextlib
import http.client
import http.cookies
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import html5lib

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
    command = [
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
    ]
    with serving(command, port, env=env, log_path=log_path):
        yield port


@contextlib.contextmanager
def serving(command, port, env=None, log_path=None, cwd=BASE_DIR):
    """Run the server ``command`` listening on ``port`` until it answers a GET
    of /robots.txt (any status); stop it on leaving."""
    log = open(log_path or os.devnull, "w")  # noqa: SIM115 (closed in finally)
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{command[0]} exited with {process.returncode}; see {log_path}")
            try:
                get(port, "/robots.txt", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def browser_form_data(html):
    """The values a browser would submit from the admin's change form."""
    document = html5lib.parse(html, namespaceHTMLElements=False)
    form = next(f for f in document.iter("form") if f.get("id", "").endswith("_form"))
    data = {}
    for element in form.iter():
        name = element.get("name")
        if not name:
            continue
        if element.tag == "textarea":
            data[name] = element.text or ""
        elif element.tag == "select":
            chosen = [o.get("value") for o in element.iter("option") if o.get("selected") is not None]
            if chosen:
                data[name] = chosen if element.get("multiple") is not None else chosen[0]
        elif element.tag == "input" and element.get("type") not in {"submit", "button", "file"}:
            if element.get("type") in {"checkbox", "radio"} and element.get("checked") is None:
                continue
            data[name] = element.get("value", "")
    return data


class Browser:
    """Someone talking HTTP to one server, with the cookies it gave them. Every
    server is asked for the same host, as behind one proxy, so that servers
    sharing a cache share its pages."""

    host = "localhost"

    def __init__(self, port):
        self.port = port
        self.cookies = {}
        # Sent with every request (conditional requests' validators, say).
        self.headers = {}

    def request(self, method, url, form=None):
        """(status, headers, body text)."""
        headers = {"Host": self.host, **self.headers}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        server = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            server.request(method, url, body=body, headers=headers)
            response = server.getresponse()
            for header in response.msg.get_all("Set-Cookie") or []:
                for name, morsel in http.cookies.SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return response.status, dict(response.getheaders()), response.read().decode()
        finally:
            server.close()

    def log_in(self, username, password):
        _, _, page = self.request("GET", "/admin/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = {"username": username, "password": password, "csrfmiddlewaretoken": token, "next": "/admin/"}
        status, headers, page = self.request("POST", "/admin/login/", form)
        assert (status, headers.get("Location")) == (302, "/admin/"), page[:3000]

    def edit(self, change_url, **changes):
        status, _, page = self.request("GET", change_url)
        assert status == 200, page[:3000]
        status, _, page = self.request("POST", change_url, {**browser_form_data(page), **changes})
        assert status == 302, page[:3000]
