"""Writing the search index, one row per page and *reveal level*.

A reader at a limit may read a page's text only as the story had revealed
it (``wiki.reading``), so the index keeps, for each page, the text as it
reads at each point of the story where it changes: from the page's own
``revealed_at`` (nobody finds a page they have not met), through each point
where a passage is revealed (``{{reveal s2e1|...}}``), where a page it
names is first met (before that the name reads "[not met yet]", as on the
page), and, for a page whose whole text tells one point of the story (an
episode's summary), that point (before it the row has the title only). A
row holds the text for the levels ``[visible_from, visible_until)``; the
last row, read by "everything", holds the whole text. Queries ask at one
level (``level_of``) and so meet at most one row per page.

It knows no model: the write path (``wiki.models.Page.save`` and friends,
through ``PageQuerySet.search_rows``) hands it ``IndexedPage`` records and a
``Names`` built from ``wiki.models.TitleResolver``."""

import re
from dataclasses import dataclass

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction

from wiki import markup
from wiki.search.backends import (
    EVERYTHING_LEVEL,
    INDEX_TABLE,
    PAGE_TABLE,
    ROWS_PER_PAGE,
    UNTIL_THE_END,
    current_index,
    index_for,
)
from wiki.search.text import plain_text
from wiki.titles import normalize_title

# Stands for a hidden name until the text is reduced to words (a private-use
# character: no word of any text, and untouched by ``plain_text``).
_UNMET_MARK = "\ue000"
_WIKI_LINK = re.compile(markup.WIKI_LINK_RE)


def level_of(limit):
    """The index level a reader at ``limit`` (a ``wiki.reading.Limit``) reads."""
    return EVERYTHING_LEVEL if limit.position is None else min(limit.position, EVERYTHING_LEVEL)


@dataclass(frozen=True)
class IndexedPage:
    """What the index is built from for one page, as stored."""

    pk: int
    title: str
    aliases: tuple
    lead: str
    body: str
    # Where the story first shows the page's subject (None: the premise).
    revealed_at: int | None = None
    # Where the page's whole text is revealed (None: with the page), see
    # ``wiki.models.text.PageTextMixin.text_revealed_at``.
    text_revealed_at: int | None = None


class Names:
    """Which pages the names in a batch of texts mean, and where the story
    first shows them: what hiding a name the reader has not met needs.

    ``resolver`` is a ``wiki.models.TitleResolver``; ``revealed`` is
    ``{page id: revealed_at}`` of the pages not known from the premise."""

    def __init__(self, resolver, revealed, texts=()):
        self.resolver = resolver
        self.revealed = revealed
        self.targets = {}
        # {name: page id} of the names automatic linking hides until the
        # page is met, and the pattern that finds them.
        self.autolinked, self.pattern = {}, None
        if revealed:
            written = {target for text in texts for target in _link_targets(text)}
            self.resolver = resolver.batch(written)
            self.targets = {key: target.pk for key, target in self.resolver.resolve(written).items()}
            names, _ = resolver.autolink_names()
            self.autolinked = {name: target.pk for name, target in names.items() if target.pk in revealed}
            self.pattern = markup.autolink_pattern(self.autolinked)

    def link_target(self, written):
        """The id of the page a wiki link's target names, or None."""
        key = normalize_title(written).lower()
        if key not in self.targets:
            found = self.resolver.resolve([written])
            self.targets[key] = found[key].pk if key in found else None
        return self.targets[key]

    def mentioned(self, text):
        """The ids of the revealed pages ``text`` links to or names."""
        if not self.revealed or not text:
            return set()
        pks = {self.link_target(target) for target in _link_targets(text)}
        if self.pattern is not None:
            pks |= {self.autolinked[match.group(0)] for match in self.pattern.finditer(text)}
        return {pk for pk in pks if pk in self.revealed}

    def visible(self, text, position, hidden):
        """``text`` reduced to words (the titles its links are written to kept,
        see ``plain_text``) as a reader at ``position`` (None: everything)
        reads it, the names of the pages ``hidden`` (ids) replaced as the page
        replaces them."""
        source = markup.source_at(text, self.resolver, position)
        if hidden:
            source = _WIKI_LINK.sub(
                lambda match: (
                    _UNMET_MARK
                    if self.link_target(match.group(1).partition("|")[0]) in hidden
                    else match.group(0)
                ),
                source,
            )
        words = plain_text(source, keep_link_targets=True)
        if hidden and self.pattern is not None:
            words = self.pattern.sub(
                lambda match: _UNMET_MARK if self.autolinked[match.group(0)] in hidden else match.group(0),
                words,
            )
        return words.replace(_UNMET_MARK, markup.UNMET_TEXT)


def _link_targets(text):
    for match in _WIKI_LINK.finditer(text or ""):
        target = normalize_title(match.group(1).partition("|")[0])
        if target:
            yield target


def page_rows(page, names):
    """The index rows of ``page`` (an ``IndexedPage``): ``(page id, index,
    visible_from, visible_until, title, aliases, lead, body)``, one per
    level at which what a reader can read of it changes."""
    start = min(page.revealed_at or 0, EVERYTHING_LEVEL)
    text_from = max(start, min(page.text_revealed_at or 0, EVERYTHING_LEVEL))
    mentioned = names.mentioned(page.lead) | names.mentioned(page.body)
    changes = markup.passage_positions(page.lead, names.resolver) | markup.passage_positions(
        page.body, names.resolver
    )
    changes |= {names.revealed[pk] for pk in mentioned}
    levels = sorted({start, text_from} | {min(p, EVERYTHING_LEVEL) for p in changes if p > text_from})
    if len(levels) > ROWS_PER_PAGE:
        raise ValueError(
            f"Page {page.pk} reads differently at more than {ROWS_PER_PAGE} points of the story."
        )
    aliases = "\n".join(page.aliases)
    rows = []
    for number, level in enumerate(levels):
        until = levels[number + 1] if number + 1 < len(levels) else UNTIL_THE_END
        if level < text_from:
            text = ("", "")
        else:
            # The last row is read by "everything": the whole text.
            position = None if until == UNTIL_THE_END else level
            hidden = set() if position is None else {pk for pk in mentioned if names.revealed[pk] > level}
            text = (names.visible(page.lead, position, hidden), names.visible(page.body, position, hidden))
        if rows and tuple(rows[-1][6:]) == text:
            rows[-1][3] = until
        else:
            rows.append([page.pk, len(rows), level, until, page.title, aliases, *text])
    return [tuple(row) for row in rows]


def write(page_ids, rows):
    """Replace every row of the pages ``page_ids`` with ``rows``."""
    page_ids = list(page_ids)
    if page_ids:
        with connection.cursor() as cursor:
            current_index().write(cursor, page_ids, rows)


def indexed_names(page_ids):
    """``{page id: (title, aliases, visible_from of its first row)}`` of these
    pages as the index has them (pages not in it are left out)."""
    with connection.cursor() as cursor:
        return current_index().indexed_names(cursor, list(page_ids))


def clear():
    with connection.cursor() as cursor:
        current_index().clear(cursor)


def optimize():
    with connection.cursor() as cursor:
        current_index().optimize(cursor)


def prune(using=DEFAULT_DB_ALIAS):
    """Drop the entries of pages that no longer exist (deleted, or cascaded
    away with a page they belonged to); returns how many rows."""
    database = connections[using]
    with database.cursor() as cursor:
        return index_for(database).prune(cursor)


def prune_after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    """After ``migrate`` and ``flush`` (which empties the page tables but not
    the index), as between transactional tests: drop the entries of pages
    that are gone, and fill an index a migration left empty (one that
    recreated the table) while pages exist. It is done here rather than in
    the migration because indexing reads the models as they stand once every
    app is migrated."""
    database = connections[using]
    if INDEX_TABLE not in database.introspection.table_names():
        return
    prune(using)
    if using == DEFAULT_DB_ALIAS and _needs_filling(database):
        with transaction.atomic():
            apps.get_model("wiki", "Page").objects.rebuild_search_index()


def _needs_filling(database):
    try:
        with transaction.atomic(using=database.alias), database.cursor() as cursor:
            # Also asks whether the table has this version's columns.
            cursor.execute(f"SELECT 1 FROM {INDEX_TABLE} WHERE visible_until > 0 LIMIT 1")
            if cursor.fetchone():
                return False
            cursor.execute(f"SELECT 1 FROM {PAGE_TABLE} LIMIT 1")
            return cursor.fetchone() is not None
    except DatabaseError:
        return False
