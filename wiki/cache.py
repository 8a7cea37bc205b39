"""Whole pages for anonymous readers, from the cache, keyed by the content generation.

Every change to anything a page shows moves the content generation on, in
the transaction that makes the change (``wiki.models.Generation``). The
middleware reads the generation once per request (with Redis, only after a
change is announced) and keys stored pages by it, so a stored page is never
served after a change: with a per-process cache (the default), every worker
stops using its copies the moment the change commits; with a shared cache
(Redis), every server shares them, and keeps those it sent in its own memory too.
Nothing is ever deleted: pages of old generations are simply not asked for
again and age out of the cache. The most common request, an anonymous GET
with no cookie, is answered before Django handles it, with what the site
sent for it under the same generation (``PageCacheApplication``, the WSGI
application gunicorn serves). Shared HTTP caches in front of the site
(Varnish) are banned after each change by ``wiki.frontcache``.

While the database cannot be reached, the generation is the one pages were
last stored under (kept in the cache beside them): a page stored then is
still served, marked ``X-Page-Cache: stale-db-down``, and any other request
gets the 503 page (``wiki.unavailable``).
"""

import hashlib
import sys
from functools import cache as memoize
from importlib import import_module
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.cache import cache, caches
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest
from django.db import DatabaseError
from django.http import HttpResponseBase
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.text import compress_string

from wiki import reading
from wiki.models import Generation
from wiki.models.generation import LAST_STORED_KEY
from wiki.params import admin_prefix

STORABLE_VARY = {"cookie", "accept-encoding"}
UNSTORABLE_CACHE_CONTROL = ("private", "no-cache", "no-store")


@memoize
def code_fingerprint():
    """A hash of the project's code, templates and static files, so that a
    deploy does not serve pages rendered by the previous release."""
    base, installed = Path(settings.BASE_DIR), Path(sys.prefix)
    roots = [
        Path(config.path)
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(base) and not Path(config.path).is_relative_to(installed)
    ]
    # The project package (settings, root URLs) is no app of its own.
    roots.append(Path(import_module(settings.ROOT_URLCONF).__file__).parent)
    roots += [Path(directory) for engine in settings.TEMPLATES for directory in engine.get("DIRS", [])]
    roots += [Path(directory) for directory in settings.STATICFILES_DIRS]
    digest = hashlib.sha256()
    for root in sorted(set(roots)):
        for path in sorted(root.rglob("*")):
            if path.suffix in {".py", ".html", ".css", ".js", ".txt", ".xml"} and path.is_file():
                digest.update(str(path.relative_to(base)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def address(request):
    """What a stored page is told apart by first: scheme, host (one the site
    serves, else ``DisallowedHost``) and path with its query string."""
    return f"{request.scheme}://{request.get_host()}{request.get_full_path()}"


def page_key(request, generation):
    """Pages differ by address and by the reader's limit (``wiki.reading``)."""
    limit = reading.current().cache_key
    digest = hashlib.sha256(address(request).encode()).hexdigest()
    return f"page:{code_fingerprint()}:{generation}:{limit}:{digest}"


class PageCacheMiddleware:
    """Serves and stores whole pages for anonymous GET and HEAD requests, and
    gives them what a shared HTTP cache in front of the site needs:
    ``Cache-Control`` (``public``, ``s-maxage``, ``stale-while-revalidate``),
    an ``ETag`` and a ``Last-Modified``, and 304 answers to conditional
    requests. It sits outside the session, CSRF and auth middleware, so a
    stored page is served without them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with Generation.objects.remember_during():
            if not self.is_anonymous_read(request) or reading.current().note:
                return self.get_response(request)
            generations = Generation.objects.current()
            key = page_key(request, generations.content)
            entry = cache.get(key) if settings.PAGE_CACHE_ENABLED else None
            if entry is not None:
                response = self.from_entry(entry)
                if generations.last_stored:
                    response.headers["X-Page-Cache"] = "stale-db-down"
            elif generations.last_stored:
                return self.get_response(request)
            else:
                response = self.get_response(request)
                view_name = getattr(request.resolver_match, "view_name", None)
                # A page during whose rendering content changed (in this request) is not stored.
                if not self.may_store(view_name, response) or Generation.objects.current() != generations:
                    return response
                self.add_validators(response, generations)
                if settings.PAGE_CACHE_ENABLED:
                    cache.set_many(
                        {key: self.entry(response), LAST_STORED_KEY: generations}, settings.PAGE_CACHE_SECONDS
                    )
                    response.headers["X-Page-Cache"] = "miss"
            return get_conditional_response(
                request,
                etag=response.headers["ETag"],
                last_modified=generations.changed or None,
                response=response,
            )

    @staticmethod
    def is_anonymous_read(request):
        return (
            request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and "messages" not in request.COOKIES
            and "HTTP_AUTHORIZATION" not in request.META
            and not request.path.startswith(admin_prefix())
        )

    @staticmethod
    def may_store(view_name, response):
        if view_name is None or view_name in settings.PAGE_CACHE_EXCLUDED_VIEWS:
            return False
        if response.status_code != 200 or response.streaming or response.cookies:
            return False
        cache_control = response.headers.get("Cache-Control", "").lower()
        if any(directive in cache_control for directive in UNSTORABLE_CACHE_CONTROL):
            return False
        vary = {
            value.strip().lower() for value in response.headers.get("Vary", "").split(",") if value.strip()
        }
        return vary <= STORABLE_VARY

    @staticmethod
    def add_validators(response, generations):
        """Browsers revalidate every time (a 304 costs one query); shared caches
        keep the page for ``WIKI_SHARED_CACHE_SECONDS`` unless banned sooner."""
        response.headers["Cache-Control"] = (
            f"public, max-age=0, s-maxage={settings.WIKI_SHARED_CACHE_SECONDS}, "
            f"stale-while-revalidate={settings.WIKI_STALE_WHILE_REVALIDATE_SECONDS}"
        )
        response.headers["ETag"] = f'"{hashlib.blake2b(response.content, digest_size=16).hexdigest()}"'
        if generations.changed:
            response.headers["Last-Modified"] = http_date(generations.changed)

    @staticmethod
    def entry(response):
        """What is stored: the response itself (stored pages set no cookies),
        with its body gzipped once (``gzipped_content``), which the gzip
        middleware serves to every reader who takes gzip rather than
        compressing it again: that cost a hit of a 94 KiB page 1.6 ms."""
        response.gzipped_content = compress_string(response.content)
        return response

    @staticmethod
    def from_entry(entry):
        entry.headers["X-Page-Cache"] = "hit"
        return entry


class PageCacheApplication:
    """Wraps the site's WSGI application to answer the most common request,
    an anonymous ``GET`` with no cookie and no validator, before Django
    handles it: with the page as the site last sent it for the same address
    and ``Accept-Encoding`` (status, headers and body, gzipped or not), under
    the same content generation. That costs one read of the generation (with
    Redis, none until a change is announced) and one cache read (with Redis,
    of this process's memory first), where going through Django's middleware to
    ``PageCacheMiddleware`` cost a hit more than the plain view it stands
    for. It stores only what ``PageCacheMiddleware`` stored itself and the
    outer middleware passed on without a cookie; every other request, and
    every one it cannot answer, goes to the site as it came."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        if not settings.PAGE_CACHE_ENABLED or not self.is_plain_anonymous_get(environ):
            return self.application(environ, start_response)
        # Nothing of Django's request cycle runs for a stored page, not even its
        # signals: the generation's read is its one query (a connection health
        # check would double it), and if that fails, the request goes to Django,
        # whose request cycle closes the broken connection and opens another.
        with Generation.objects.remember_during():
            key = self.key(environ)
            if key is not None:
                return self.answer(key, environ, start_response)
        # The database cannot be reached, or the host is refused: the site says what follows.
        return self.application(environ, start_response)

    @staticmethod
    def stores():
        """Where pages as sent are kept, nearest first: with a shared cache,
        this process's memory ("local") before it."""
        return [caches[alias] for alias in ("local", "default") if alias in settings.CACHES]

    def stored(self, key):
        stores = self.stores()
        for position, store in enumerate(stores):
            entry = store.get(key)
            if entry is not None:
                for nearer in stores[:position]:
                    nearer.set(key, entry, settings.PAGE_CACHE_SECONDS)
                return entry
        return None

    def answer(self, key, environ, start_response):
        entry = self.stored(key)
        if entry is not None:
            status, headers, body = entry
            start_response(status, headers)
            return [body]
        sent = []

        def remember_start(status, headers, exc_info=None):
            sent[:] = [status, headers]
            return start_response(status, headers, exc_info)

        # Inside the request's generation (remember_during), which the page cache keys the page by too.
        response = self.application(environ, remember_start)
        if self.may_store(sent, response):
            status, headers = sent
            headers = [(name, "hit" if name == "X-Page-Cache" else value) for name, value in headers]
            for store in self.stores():
                store.set(key, (status, headers, response.content), settings.PAGE_CACHE_SECONDS)
        return response

    @staticmethod
    def is_plain_anonymous_get(environ):
        """No cookie (no editor, no reading limit kept), no credentials, and no
        conditional header: Django answers those (and ``HEAD``) itself."""
        return environ.get("REQUEST_METHOD") == "GET" and not any(
            name in ("HTTP_COOKIE", "HTTP_AUTHORIZATION") or name.startswith("HTTP_IF_")
            for name in environ
            if name.startswith("HTTP_")
        )

    @staticmethod
    def key(environ):
        """The ``address`` (a host the site does not serve is no key) and
        Accept-Encoding, under the current generation;
        None while the database cannot be reached or the host is refused."""
        try:
            generations = Generation.objects.current()
            # A copy: a request writes the address it decoded into what it is given.
            url = address(WSGIRequest(environ.copy()))
        except (DatabaseError, DisallowedHost):
            return None
        if generations.last_stored:
            return None
        digest = hashlib.sha256(f"{url} {environ.get('HTTP_ACCEPT_ENCODING', '')}".encode()).hexdigest()
        return f"sent:{code_fingerprint()}:{generations.content}:{digest}"

    @staticmethod
    def may_store(sent, response):
        """What ``PageCacheMiddleware`` stored or served under this request's
        generation, sent on with no cookie."""
        return (
            bool(sent)
            and sent[0].startswith("200 ")
            and isinstance(response, HttpResponseBase)
            and not response.streaming
            and response.headers.get("X-Page-Cache") in ("miss", "hit")
            and not any(name.lower() == "set-cookie" for name, _ in sent[1])
        )
