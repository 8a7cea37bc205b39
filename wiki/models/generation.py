"""Two counters that every cached page and rendering is keyed by.

Both are numbers never used before (random 62-bit values): only "has it
changed" is ever asked of them. ``content`` moves on with every change to anything a page shows, inside the
transaction that makes the change; ``links`` moves on only when the set of
names pages can be linked by changes (a page or alias created, renamed or
deleted). Keeping them in the database rather than in the cache means every
process, with or without a shared cache, sees a change the moment it
commits, and a rolled-back change never moved them.

After the change commits, the shared HTTP caches in front of the site are
told (``wiki.frontcache``). A request reads both once (``wiki.cache.PageCacheMiddleware`` remembers them
for the request); elsewhere each read is one query on a one-row table.

With a shared cache that carries notices of changes (Redis: ``announce_change``
and ``change_feed``), a process need not ask the database for every request:
each change is announced after it commits and before the edit is answered,
and a process keeps what it read until a notice comes, or for
``settings.PAGE_CACHE_TRUST_SECONDS`` at most, which bounds how long a notice lost on the way
(Redis unreachable from the editing server only) can leave a page stale.
"""

import contextvars
import secrets
import time
from dataclasses import dataclass, replace

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection, models, transaction

from wiki import frontcache, unavailable

_ROW = 1
# The counters pages were last stored under, kept in the cache by ``wiki.cache``,
# so that they can still be served while the database cannot be reached.
LAST_STORED_KEY = "wiki:generations:last-stored"
_remembered = contextvars.ContextVar("wiki_generation", default=None)
# The counters this process last read outside a transaction, and when (monotonic
# seconds), while a change feed tells it of every change.
_known = None


@dataclass(frozen=True)
class Generations:
    content: int
    links: int
    # When content last changed, in seconds since 1970: every page's Last-Modified.
    changed: int = 0
    # Not read from the database, which cannot be reached: the counters pages were last stored under.
    last_stored: bool = False


def _fresh():
    return secrets.randbits(62)


def _change_feed():
    change_feed = getattr(cache, "change_feed", None)
    return change_feed() if change_feed is not None else None


class GenerationManager(models.Manager):
    def current(self):
        """The counters now, as remembered for this request if one is under way;
        while the database cannot be reached, the counters pages were last stored under."""
        global _known
        holder = _remembered.get()
        if holder is not None and holder[0] is not None:
            return holder[0]
        feed = _change_feed()
        # Looked at before the database is read, so a change committed after the read is noticed next time.
        quiet = feed is not None and feed.quiet()
        unquiet_looks = feed.unquiet_looks if feed is not None else None
        known, now = _known, time.monotonic()
        if quiet and known is not None and now - known[1] < settings.PAGE_CACHE_TRUST_SECONDS:
            if holder is not None:
                holder[0] = known[0]
            return known[0]
        # Raw SQL: every anonymous request asks, and the ORM would take longer
        # to build this query than the database takes to answer it.
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT content, links, changed FROM {self.model._meta.db_table} WHERE id = %s", [_ROW]
                )
                row = cursor.fetchone()
        except DatabaseError as error:
            stored = cache.get(LAST_STORED_KEY) if unavailable.database_unavailable(error) else None
            if stored is None:
                raise
            generations = replace(stored, last_stored=True)
        else:
            generations = Generations(*(row or (0, 0, 0)))
            # Kept unless they may be this transaction's own, not yet committed,
            # or another thread of this process has heard of a change since the look.
            if feed is not None and not connection.in_atomic_block and feed.unquiet_looks == unquiet_looks:
                _known = (generations, now)
            else:
                _known = None
        if holder is not None:
            holder[0] = generations
        return generations

    def advance(self, links=False):
        """Move the content counter on (and the links counter, if ``links``).

        The new values are random rather than the old plus one: a transaction
        that moved the counters, cached renderings under the new values and
        then rolled back must not have its values handed out again."""
        changes = {"content": _fresh(), "changed": int(time.time())}
        if links:
            changes["links"] = _fresh()
        if not self.filter(pk=_ROW).update(**changes):
            # The row is gone (a test database flushed between tests): start again.
            self.get_or_create(pk=_ROW, defaults={**changes, "links": _fresh()})
        self.forget()
        content = changes["content"]
        transaction.on_commit(lambda: self._announce(content))

    @staticmethod
    def _announce(content):
        """After the change commits: every process told of it by the cache, then the front caches."""
        global _known
        _known = None
        announce_change = getattr(cache, "announce_change", None)
        if announce_change is not None:
            announce_change()
        frontcache.ban_everything(content)

    def forget(self):
        """Make the next ``current()`` of this request read the counters again."""
        global _known
        _known = None
        holder = _remembered.get()
        if holder is not None:
            holder[0] = None

    def remember_during(self):
        """A context for one request or edit: ``current()`` is read at most
        once in it (again after a change made in it). Inside another such
        context, it is that one."""
        return _Remembering()


class _Remembering:
    def __enter__(self):
        self.token = _remembered.set([None]) if _remembered.get() is None else None

    def __exit__(self, *exc_info):
        if self.token is not None:
            _remembered.reset(self.token)


class Generation(models.Model):
    content = models.BigIntegerField(default=1)
    links = models.BigIntegerField(default=1)
    changed = models.BigIntegerField(
        default=0, help_text="When content last changed, in seconds since 1970 (Last-Modified)."
    )

    objects = GenerationManager()

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=_ROW), name="generation_single_row")]

    def __str__(self):
        return f"content {self.content}, links {self.links}"
