"""How far the reader has watched: the reading limit every page is shown at.

A reader says "I have seen up to Season 1, Episode 8", and every page then
shows what the story had revealed by that episode and nothing after it. The
engine knows no episode: the points of the story come from the model named
by ``settings.WIKI_TIMELINE`` (``"app_label.Model"``), whose manager's
``timeline()`` yields ``(position, code, label)`` for each point in story
order, positions from 1 (``episodes.Episode``: its number across the series,
code ``s1e8``, label "Season 1, Episode 8").

A fact that is revealed by a point of the story stores that point's
*position* (a ``RevealField``); empty means known from the premise, before
the first episode. A reader at limit ``n`` sees what is revealed at
positions up to ``n``; "not started" is 0, and "everything" (the default)
sees it all.

The limit of a request comes from the address (``?upto=s1e8``, so a link
carries it), else from the ``upto`` cookie, else everything. It is set for
the whole request by ``ReadingLimitMiddleware``, so every query and every
rendering of the request reads it with ``current()``; code that must see
everything whatever the reader chose (the write path) uses ``everything()``.
"""

import contextlib
import contextvars
import re
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, models
from django.utils.cache import patch_vary_headers

COOKIE_NAME = "upto"
PARAMETER = "upto"
# The passage of a page a reader asked to see once: ``?show=<passage id>``.
SHOW_PARAMETER = "show"
COOKIE_MAX_AGE = 365 * 24 * 60 * 60
START_CODE = "start"
EVERYTHING_CODE = "all"

_CODE_RE = re.compile(r"[a-z0-9]{1,12}")


@dataclass(frozen=True)
class Point:
    """A point of the story a reader can stop at."""

    position: int  # 0 for "not started"
    code: str
    label: str

    @property
    def group(self):
        """The part of the story the point belongs to ("Season 1"), for grouping choices."""
        return self.label.partition(",")[0] if self.position else ""


START = Point(0, START_CODE, "Not started (the premise only)")


@dataclass(frozen=True)
class Limit:
    """How far a reader has watched: ``position`` None for everything."""

    position: int | None = None
    code: str = EVERYTHING_CODE
    label: str = "Everything"
    # Why a limit the reader gave was not used, to show on the page ("" if none).
    note: str = ""
    # The passages the reader asked to see once on this page (``?show=``).
    shown: frozenset = frozenset()

    @property
    def is_everything(self):
        return self.position is None

    def shows(self, position):
        """Whether a fact revealed at ``position`` (None: the premise) is shown."""
        return position is None or self.position is None or position <= self.position

    def q(self, field="revealed_at"):
        """A filter for rows whose ``field`` this limit shows."""
        if self.position is None:
            return models.Q()
        return models.Q(**{f"{field}__isnull": True}) | models.Q(**{f"{field}__lte": self.position})

    def still_holds(self, ended_at):
        """Whether a fact that ends at ``ended_at`` (None: never) still holds at this limit."""
        return ended_at is None or (self.position is not None and self.position < ended_at)

    @property
    def cache_key(self):
        """What tells apart the renderings of different limits."""
        shown = ",".join(sorted(self.shown))
        return f"{self.code}:{shown}" if shown else self.code


EVERYTHING = Limit()

_current = contextvars.ContextVar("reading_limit", default=EVERYTHING)


def current():
    """The limit of the request being served (everything outside a request)."""
    return _current.get()


@contextlib.contextmanager
def reading_at(limit):
    """Run the block at ``limit`` (a ``Limit``, a position, or None for everything)."""
    if not isinstance(limit, Limit):
        limit = limit_at(limit)
    token = _current.set(limit)
    try:
        yield limit
    finally:
        _current.reset(token)


def everything():
    """Run the block seeing everything, whatever the reader chose (the write path)."""
    return reading_at(EVERYTHING)


# The story's points ------------------------------------------------------------


class Timeline:
    """The points of the story, read once per content generation."""

    # (generation, points, {code: point}, {position: point})
    _cached = (None, (), {}, {})

    @classmethod
    def _read(cls):
        generation = apps.get_model("wiki", "Generation").objects.current().content
        if cls._cached[0] != generation:
            # Once per edit for all processes: the shared cache keeps what the first one read.
            key = f"wiki:timeline:{generation}"
            rows = cache.get(key)
            if rows is None:
                rows = [tuple(point) for point in _timeline_model().objects.timeline()]
                cache.set(key, rows)
            points = (START, *(Point(*row) for row in rows))
            cls._cached = (
                generation,
                points,
                {point.code: point for point in points},
                {point.position: point for point in points},
            )
        return cls._cached

    @classmethod
    def forget(cls):
        """Read the points again next time (for tests that count queries)."""
        cls._cached = (None, (), {}, {})

    @classmethod
    def points(cls):
        """``START`` and every point of the story, in order."""
        return cls._read()[1]

    @classmethod
    def by_code(cls):
        return cls._read()[2]

    @classmethod
    def by_position(cls):
        return cls._read()[3]

    @classmethod
    def label(cls, position):
        """What a reader calls the point at ``position`` ("Season 2, Episode 3")."""
        if position is None:
            return "the premise"
        point = cls.by_position().get(position)
        return point.label if point else f"point {position} of the story"

    @classmethod
    def choices(cls):
        """Choices for a ``RevealField``: every point but "not started" (none
        before the tables exist, when system checks read them)."""
        try:
            points = cls.points()
        except DatabaseError:
            return []
        return [(point.position, point.label) for point in points if point.position]


def _timeline_model():
    return apps.get_model(settings.WIKI_TIMELINE)


def limit_at(position):
    """The ``Limit`` for ``position`` (None for everything)."""
    if position is None:
        return EVERYTHING
    point = Timeline.by_position().get(position)
    if point is None:
        raise ValueError(f"No point of the story at position {position}.")
    return Limit(point.position, point.code, point.label)


def parse(code):
    """The ``Limit`` a code names (``start``, ``s1e8``, ``all``), or None if it names none."""
    if code == EVERYTHING_CODE:
        return EVERYTHING
    if not isinstance(code, str) or not _CODE_RE.fullmatch(code):
        return None
    point = Timeline.by_code().get(code)
    return Limit(point.position, point.code, point.label) if point else None


def describe(code):
    """``code`` as it may be shown back to the reader: printable, and short."""
    printable = "".join(char for char in code if char.isprintable())
    return printable[:40] + ("…" if len(printable) > 40 else "")


def limit_for_request(request):
    """The reader's limit, from the address, else the cookie, else everything;
    a limit that names no point of the story is ignored with a note."""
    notes = []
    from_address = request.GET.getlist(PARAMETER)
    if from_address:
        code = from_address[-1].strip().lower()
        limit = parse(code)
        if limit is not None:
            return limit, "address"
        notes.append(
            f"The reading limit “{describe(from_address[-1])}” in the address is not a point of the story"
        )
    cookie = request.COOKIES.get(COOKIE_NAME)
    source = "default"
    limit = EVERYTHING
    if cookie is not None:
        parsed = parse(cookie)
        if parsed is None:
            notes.append(f"The saved reading limit “{describe(cookie)}” is not a point of the story")
            source = "bad cookie"
        else:
            limit, source = parsed, "cookie"
    if notes:
        note = "; ".join(notes) + f", so it was ignored: showing {limit.label.lower()}."
        limit = Limit(limit.position, limit.code, limit.label, note=note)
    return limit, source


def shown_passages(request):
    """The passage ids the reader asked to see once (``?show=lead-2``)."""
    return frozenset(
        value for value in request.GET.getlist(SHOW_PARAMETER)[:20] if _PASSAGE_RE.fullmatch(value)
    )


_PASSAGE_RE = re.compile(r"(?:lead|body|page)(?:-\d{1,4})?")


class ReadingLimitMiddleware:
    """Sets the reading limit for the request, remembers a limit given in the
    address in the cookie, and forgets a cookie that names no point of the story.

    It sits outside the page cache, whose key includes the limit, so a stored
    page is never shown at another limit, and stored pages carry no cookie."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit, source = limit_for_request(request)
        shown = shown_passages(request)
        if shown:
            limit = Limit(limit.position, limit.code, limit.label, limit.note, shown)
        request.reading = limit
        with reading_at(limit):
            response = self.get_response(request)
        patch_vary_headers(response, ["Cookie"])
        if source == "address" and request.COOKIES.get(COOKIE_NAME) != limit.code:
            remember(response, limit)
        elif source == "bad cookie":
            response.delete_cookie(COOKIE_NAME, samesite="Lax")
        return response


def remember(response, limit):
    """Make ``response`` save ``limit`` as the reader's limit."""
    response.set_cookie(
        COOKIE_NAME,
        limit.code,
        max_age=COOKIE_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def context(request):
    """``reading``, the request's limit, and ``reading_points`` for the control on every page."""
    return {"reading": getattr(request, "reading", EVERYTHING), "reading_points": _points_for_control}


def _points_for_control():
    # The error pages render this too, and must render without a database.
    try:
        return Timeline.points()
    except DatabaseError:
        return ()
