"""Whole-page cache for anonymous readers, invalidated by what each page showed.

While a page renders, ``PageCacheMiddleware`` collects its dependencies:

* every model instance it loaded (``post_init``), as ``<root model>:<pk>``;
  a page that loaded more than ``COLLAPSE_AFTER`` instances of one model (a
  long list) depends on "any instance of that model" instead;
* every table it queried, as ``rows:<table>``, so that a row which appears
  (created, or moved by a change to a field queries select or sort on) shows
  up on pages that did not show it before.

Each dependency has a version in the cache, taken from one cache-wide counter.
A stored page keeps the versions its dependencies had; a read compares them
with the current versions (one ``get_many``) and treats any difference as a
miss. Saving, deleting or relating an instance bumps the version of the
instance, of the instances its foreign keys point to (before and after the
change), and, when rows may have appeared or moved, of its tables. Versions
are bumped at once and again after the transaction commits, so a page
rendered from data read just before a commit is never stored as current.
Writes that send no signals (``queryset.update()``, ``bulk_create()``) call
``invalidate_everything()``. Only the Django cache API is used, so any shared
cache (Redis) works across processes.
"""

import contextlib
import contextvars
import hashlib
import re
import time
from collections import defaultdict
from functools import cache as memoize
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connections, transaction
from django.db.models import F, UniqueConstraint
from django.db.models.signals import m2m_changed, post_delete, post_init, post_save, pre_save
from django.http import HttpResponse
from django.urls import reverse

TRACKED_APPS = ("articles", "characters", "episodes")
PREFIX = "pagecache"
CLOCK_KEY = f"{PREFIX}:clock"
# Every page depends on it: for writes that send no signals (queryset.update(),
# bulk_create(), raw SQL), whose authors call invalidate_everything().
EVERYTHING_KEY = f"{PREFIX}:dep:everything"
COLLAPSE_AFTER = 50
STORABLE_VARY = {"cookie", "accept-encoding"}
UNSTORABLE_CACHE_CONTROL = ("private", "no-cache", "no-store")
TABLE_IN_SQL = re.compile(r'\b(?:FROM|JOIN)\s+"([^"]+)"', re.IGNORECASE)

_collector = contextvars.ContextVar("pagecache_collector", default=None)


# Models and keys -------------------------------------------------------------


def tracked_models():
    models = [model for app in TRACKED_APPS for model in apps.get_app_config(app).get_models()]
    return [*models, apps.get_model(settings.AUTH_USER_MODEL)]


@memoize
def root_label(model):
    """The label of the topmost concrete parent: an Episode and its Page are one row."""
    model = model._meta.concrete_model
    parents = model._meta.get_parent_list()
    return (parents[-1] if parents else model)._meta.label_lower


@memoize
def tables_of(model):
    model = model._meta.concrete_model
    return tuple(m._meta.db_table for m in (model, *model._meta.get_parent_list()))


@memoize
def root_labels_by_table():
    by_table = defaultdict(set)
    for model in tracked_models():
        for table in tables_of(model):
            by_table[table].add(root_label(model))
    return by_table


@memoize
def membership_fields(model):
    """Attnames of fields that decide which rows a query selects or how it
    orders them: unique, indexed, constrained and ordering fields."""
    names = set()
    for meta in (m._meta for m in (model, *model._meta.get_parent_list())):
        for field in meta.concrete_fields:
            if (field.unique or field.db_index) and not field.primary_key:
                names.add(field.attname)
        for constraint in meta.constraints:
            if isinstance(constraint, UniqueConstraint):
                names.update(constraint.fields)
                for expression in constraint.expressions:
                    names.update(_field_names(expression))
        names.update(name for fields in meta.unique_together for name in fields)
        names.update(item.lstrip("-") for item in meta.ordering if isinstance(item, str))
    concrete = {field.name: field.attname for field in model._meta.concrete_fields}
    concrete.update({attname: attname for attname in concrete.values()})
    return frozenset(concrete[name] for name in names if name in concrete)


def _field_names(expression):
    if isinstance(expression, F):
        yield expression.name
    for source in getattr(expression, "get_source_expressions", list)():
        if source is not None:
            yield from _field_names(source)


@memoize
def foreign_keys(model):
    return tuple(
        (field.attname, field.related_model)
        for field in model._meta.concrete_fields
        if field.is_relation and field.related_model is not None
    )


def instance_key(label, pk):
    return f"{PREFIX}:dep:{label}:{pk}"


def any_key(label):
    return f"{PREFIX}:dep:{label}:*"


def instance_keys(label, pk):
    """What a change to one instance bumps: its own key, and "any instance of its model"."""
    return (instance_key(label, pk), any_key(label))


def rows_key(table):
    return f"{PREFIX}:rows:{table}"


# Versions ----------------------------------------------------------------------


def current_clock():
    value = cache.get(CLOCK_KEY)
    if value is None:
        # Seeded from the wall clock so that a counter lost to eviction
        # starts again above every version it ever handed out.
        cache.add(CLOCK_KEY, time.time_ns() // 1000, timeout=None)
        value = cache.get(CLOCK_KEY)
    return value


def next_clock():
    try:
        return cache.incr(CLOCK_KEY)
    except ValueError:
        current_clock()
        return cache.incr(CLOCK_KEY)


def bump(keys):
    if keys:
        version = next_clock()
        cache.set_many(dict.fromkeys(keys, version), timeout=None)


def invalidate_everything():
    bump_now_and_on_commit([EVERYTHING_KEY])


def bump_now_and_on_commit(keys):
    keys = set(keys)
    bump(keys)
    transaction.on_commit(lambda: bump(keys))


# Collecting what a page showed --------------------------------------------------


class Dependencies:
    def __init__(self):
        self.instances = defaultdict(set)
        self.tables = set()

    def record_query(self, execute, sql, params, many, context):
        self.tables.update(TABLE_IN_SQL.findall(sql))
        return execute(sql, params, many, context)

    def keys(self, broad=False):
        keys = {EVERYTHING_KEY, *(rows_key(table) for table in self.tables)}
        labels = set()
        for label, pks in self.instances.items():
            if broad or len(pks) > COLLAPSE_AFTER:
                labels.add(label)
            else:
                keys.update(instance_key(label, pk) for pk in pks)
        if broad:
            by_table = root_labels_by_table()
            labels.update(label for table in self.tables for label in by_table.get(table, ()))
        keys.update(any_key(label) for label in labels)
        return keys


def record_instance(sender, instance, **kwargs):
    dependencies = _collector.get()
    if dependencies is not None and instance.pk is not None:
        dependencies.instances[root_label(sender)].add(instance.pk)


# Invalidation -------------------------------------------------------------------


def remember_previous_state(sender, instance, raw=False, **kwargs):
    instance._pagecache_previous = None
    if raw or instance._state.adding or instance.pk is None:
        return
    fields = {attname for attname, _ in foreign_keys(sender)} | membership_fields(sender)
    instance._pagecache_previous = (
        sender._base_manager.filter(pk=instance.pk).values(*fields).first() if fields else {}
    )


def keys_for(instance, previous=None):
    model = type(instance)
    keys = set(instance_keys(root_label(model), instance.pk))
    for attname, related_model in foreign_keys(model):
        for value in (getattr(instance, attname), (previous or {}).get(attname)):
            if value is not None:
                keys.update(instance_keys(root_label(related_model), value))
    return keys


def invalidate_saved(sender, instance, created=False, raw=False, **kwargs):
    previous = getattr(instance, "_pagecache_previous", None)
    keys = keys_for(instance, previous)
    rows_changed = created or raw or previous is None
    if not rows_changed:
        rows_changed = any(
            previous.get(name) != getattr(instance, name) for name in membership_fields(sender)
        )
    if rows_changed:
        keys.update(rows_key(table) for table in tables_of(sender))
    bump_now_and_on_commit(keys)


def invalidate_deleted(sender, instance, **kwargs):
    keys = keys_for(instance)
    keys.update(rows_key(table) for table in tables_of(sender))
    bump_now_and_on_commit(keys)


def invalidate_related(sender, instance, action, model, pk_set, **kwargs):
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    keys = set(instance_keys(root_label(type(instance)), instance.pk))
    for pk in pk_set or ():
        keys.update(instance_keys(root_label(model), pk))
    if action == "post_clear":
        keys.add(any_key(root_label(model)))
    keys.update(rows_key(table) for table in tables_of(sender))
    bump_now_and_on_commit(keys)


def connect_signals():
    for model in tracked_models():
        uid = f"pagecache:{model._meta.label_lower}"
        post_init.connect(record_instance, sender=model, dispatch_uid=uid)
        pre_save.connect(remember_previous_state, sender=model, dispatch_uid=uid)
        post_save.connect(invalidate_saved, sender=model, dispatch_uid=uid)
        post_delete.connect(invalidate_deleted, sender=model, dispatch_uid=uid)
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(invalidate_related, sender=field.remote_field.through, dispatch_uid=uid)


# Serving ------------------------------------------------------------------------


@memoize
def code_fingerprint():
    """A hash of the templates, code and static files, so that a deploy does not
    serve pages rendered by the previous release."""
    digest = hashlib.sha256()
    roots = [
        Path(settings.BASE_DIR) / name for name in (*TRACKED_APPS, "heromask_wiki", "templates", "static")
    ]
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.suffix in {".py", ".html", ".css", ".js", ".txt", ".xml"} and path.is_file():
                digest.update(str(path.relative_to(settings.BASE_DIR)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def page_key(request):
    url = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    return f"{PREFIX}:page:{code_fingerprint()}:{hashlib.sha256(url.encode()).hexdigest()}"


@memoize
def admin_prefix():
    return reverse("admin:index")


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self.may_serve_from_cache(request):
            return self.get_response(request)
        key = page_key(request)
        response = self.cached_response(key)
        if response is not None:
            return response
        started = current_clock()
        dependencies = Dependencies()
        token = _collector.set(dependencies)
        try:
            with contextlib.ExitStack() as stack:
                for alias in connections:
                    stack.enter_context(connections[alias].execute_wrapper(dependencies.record_query))
                response = self.get_response(request)
        finally:
            _collector.reset(token)
        view_name = getattr(request.resolver_match, "view_name", None)
        if self.may_store(view_name, response):
            broad = view_name in settings.PAGE_CACHE_BROAD_VIEWS
            if self.store(key, response, dependencies.keys(broad=broad), started):
                response.headers["X-Page-Cache"] = "miss"
        return response

    @staticmethod
    def may_serve_from_cache(request):
        return (
            settings.PAGE_CACHE_ENABLED
            and request.method == "GET"
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
    def cached_response(key):
        entry = cache.get(key)
        if entry is None:
            return None
        versions = cache.get_many(list(entry["versions"]))
        if versions != entry["versions"]:
            return None
        response = HttpResponse(entry["content"], status=entry["status"])
        for name, value in entry["headers"]:
            response.headers[name] = value
        response.headers["X-Page-Cache"] = "hit"
        return response

    @staticmethod
    def store(key, response, dependency_keys, started):
        """Store the page unless a dependency changed after rendering began."""
        dependency_keys = list(dependency_keys)
        versions = cache.get_many(dependency_keys)
        missing = [key for key in dependency_keys if key not in versions]
        if missing:
            for missing_key in missing:
                cache.add(missing_key, started, timeout=None)
            versions.update(cache.get_many(missing))
        if len(versions) != len(dependency_keys) or any(version > started for version in versions.values()):
            return False
        headers = [(name, value) for name, value in response.headers.items() if name.lower() != "set-cookie"]
        entry = {
            "status": response.status_code,
            "headers": headers,
            "content": response.content,
            "versions": versions,
        }
        cache.set(key, entry, settings.PAGE_CACHE_SECONDS)
        return True
