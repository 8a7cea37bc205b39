"""Two counters that every cached page and rendering is keyed by.

Both are numbers never used before (random 62-bit values): only "has it
changed" is ever asked of them. ``content`` moves on with every change to anything a page shows, inside the
transaction that makes the change; ``links`` moves on only when the set of
names pages can be linked by changes (a page or alias created, renamed or
deleted). Keeping them in the database rather than in the cache means every
process, with or without a shared cache, sees a change the moment it
commits, and a rolled-back change never moved them.

A request reads both once (``wiki.cache.PageCacheMiddleware`` remembers them
for the request); elsewhere each read is one query on a one-row table.
"""

import contextvars
import secrets
from dataclasses import dataclass

from django.db import models

_ROW = 1
_remembered = contextvars.ContextVar("wiki_generation", default=None)


@dataclass(frozen=True)
class Generations:
    content: int
    links: int


def _fresh():
    return secrets.randbits(62)


class GenerationManager(models.Manager):
    def current(self):
        """The counters now, as remembered for this request if one is under way."""
        holder = _remembered.get()
        if holder is not None and holder[0] is not None:
            return holder[0]
        row = self.filter(pk=_ROW).values_list("content", "links").first() or (0, 0)
        generations = Generations(*row)
        if holder is not None:
            holder[0] = generations
        return generations

    def advance(self, links=False):
        """Move the content counter on (and the links counter, if ``links``).

        The new values are random rather than the old plus one: a transaction
        that moved the counters, cached renderings under the new values and
        then rolled back must not have its values handed out again."""
        changes = {"content": _fresh()}
        if links:
            changes["links"] = _fresh()
        if not self.filter(pk=_ROW).update(**changes):
            # The row is gone (a test database flushed between tests): start again.
            self.get_or_create(pk=_ROW, defaults={"content": _fresh(), "links": _fresh()})
        self.forget()

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

    objects = GenerationManager()

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=_ROW), name="generation_single_row")]

    def __str__(self):
        return f"content {self.content}, links {self.links}"
