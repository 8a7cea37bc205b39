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
"""

import contextvars
import datetime
import secrets
from dataclasses import dataclass

from django.db import models, transaction
from django.utils import timezone

from wiki import frontcache

_ROW = 1
_remembered = contextvars.ContextVar("wiki_generation", default=None)


@dataclass(frozen=True)
class Generations:
    content: int
    links: int
    # When content last changed: every page's Last-Modified.
    changed_at: datetime.datetime = None


def _fresh():
    return secrets.randbits(62)


class GenerationManager(models.Manager):
    def current(self):
        """The counters now, as remembered for this request if one is under way."""
        holder = _remembered.get()
        if holder is not None and holder[0] is not None:
            return holder[0]
        row = self.filter(pk=_ROW).values_list("content", "links", "changed_at").first() or (0, 0, None)
        generations = Generations(*row)
        if holder is not None:
            holder[0] = generations
        return generations

    def advance(self, links=False):
        """Move the content counter on (and the links counter, if ``links``).

        The new values are random rather than the old plus one: a transaction
        that moved the counters, cached renderings under the new values and
        then rolled back must not have its values handed out again."""
        changes = {"content": _fresh(), "changed_at": timezone.now()}
        if links:
            changes["links"] = _fresh()
        if not self.filter(pk=_ROW).update(**changes):
            # The row is gone (a test database flushed between tests): start again.
            self.get_or_create(pk=_ROW, defaults={**changes, "links": _fresh()})
        self.forget()
        content = changes["content"]
        transaction.on_commit(lambda: frontcache.ban_everything(content))

    def forget(self):
        """Make the next ``current()`` of this request read the counters again."""
        holder = _remembered.get()
        if holder is not None:
            holder[0] = None

    def remember_during(self):
        """A context for one request: ``current()`` is read at most once in it
        (again after a change made in the request itself)."""
        return _Remembering()


class _Remembering:
    def __enter__(self):
        self.token = _remembered.set([None])

    def __exit__(self, *exc_info):
        _remembered.reset(self.token)


class Generation(models.Model):
    content = models.BigIntegerField(default=1)
    links = models.BigIntegerField(default=1)
    changed_at = models.DateTimeField(default=timezone.now)

    objects = GenerationManager()

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=_ROW), name="generation_single_row")]

    def __str__(self):
        return f"content {self.content}, links {self.links}"
