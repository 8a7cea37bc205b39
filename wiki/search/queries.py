"""Answering searches over every page: ranked queries, snippets, "did you
mean" spelling suggestions and title suggestions as you type; when no page
has every word, the pages with some of them; a misspelt search answered with
the results of its correction; and the pages a search names in the terms of
a page kind ("s2e3" names an episode: ``Page.find_by_query``).

The index is one table, ``wiki_pagesearch``, with a page's title, its
aliases, and its lead and body (Markdown reduced to words). On SQLite it is an
FTS5 virtual table ranked with bm25; on PostgreSQL a table with a weighted
``tsvector`` (title and aliases A, lead B, body C) behind a GIN index, ranked
with ts_rank. Both are reached through the same functions, so views and tests
never ask which database they run on.

Everything is answered at the reader's limit (``wiki.reading.current()``):
the index holds each page's text as it reads at each point of the story
(``index``), and a query reads the row of each page for the reader's point,
so a word revealed later is neither found, nor matched, nor shown in a
snippet. Pages the reader has not met are not in the index at their point,
and titles, aliases, "go" and "did you mean" leave them out too.

User input is never handed to either query language as it was typed: it is
cut into plain words (letters and digits) and each word is quoted, so quotes,
operators and SQL fragments are only ever searched for as text.

This module answers searches; ``text`` makes queries safe and builds
snippets, ``backends`` holds each database's SQL, ``index`` keeps the
index current, and ``spelling`` makes the "did you mean" suggestions.
"""

from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db import connection
from django.urls import NoReverseMatch, reverse

from wiki import reading
from wiki.models import Page
from wiki.search.backends import current_index
from wiki.search.index import level_of
from wiki.search.spelling import spelling_suggestion
from wiki.search.text import Query, snippet

RESULTS_PER_PAGE = 20
SUGGESTION_LIMIT = 10
TITLE_HIT_LIMIT = 10
# Past these many matches, only the oldest (first written) this many are
# ranked by relevance: ranking reads every occurrence of every word in every
# page it ranks, which for a word on most of 100k pages takes a third of a second.
RANKING_WINDOW = 500
# Matches are counted up to this; beyond it the page says "more than" (fifty
# pages of results, more than anyone reads before searching again).
COUNT_LIMIT = 1000
# Result counts below this get a spelling suggestion when one is found.
SPELLING_RESULT_THRESHOLD = 5
# The highest code point: prefix + this is the upper bound of a prefix range.
_PREFIX_END = "\U0010ffff"


@dataclass
class SearchHit:
    page: Page
    snippet: str
    alias: str = ""

    @property
    def title(self):
        return self.page.title

    @property
    def url(self):
        return self.page.get_absolute_url()

    @property
    def kind(self):
        return self.page.kind_label


def _page(page_id, kind, slug, title):
    """A page with just what a link to it needs (``get_absolute_url`` works
    from kind and slug)."""
    return Page(pk=page_id, kind=kind, slug=slug, title=title)


# SQL true for a page (``p``) the reader at the level asked has met.
_MET = "(p.revealed_at IS NULL OR p.revealed_at <= %s)"


def find_exact_page(query):
    """The page the reader has met titled, or aliased, exactly ``query``
    (ignoring case), and the alias it was found by ("" for its own title);
    ``(None, "")`` if none."""
    if not query.text:
        return None, ""
    level = level_of(reading.current())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 0, p.id, p.kind, p.slug, p.title, '' FROM wiki_page p "
            f"WHERE lower(p.title) = lower(%s) AND {_MET} "
            "UNION ALL "
            "SELECT 1, p.id, p.kind, p.slug, p.title, a.title FROM wiki_alias a "
            f"JOIN wiki_page p ON p.id = a.page_id WHERE lower(a.title) = lower(%s) AND {_MET} "
            "ORDER BY 1 LIMIT 1",
            [query.text, level, query.text, level],
        )
        row = cursor.fetchone()
    if not row:
        return None, ""
    return _page(*row[1:5]), row[5]


def find_page_named_by(query):
    """The page a search names in the terms of a page kind (its
    ``find_by_query``: "s2e3" names an episode), if the reader has met it;
    None if no kind recognises the search."""
    if not query.terms:
        return None
    for model in Page.kinds().values():
        if model.find_by_query.__func__ is not Page.find_by_query.__func__:
            page = model.find_by_query(query)
            if page is not None and page.is_met():
                return page
    return None


def _title_prefix_ids(query, level, limit):
    """Ids of pages met at ``level`` whose title or an alias starts with the
    query (ignoring case): the shortest (the exact match, if there is one)
    first, then alphabetically. Two index range scans."""
    if not query.text:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, title_key FROM (SELECT p.id, lower(p.title) AS title_key FROM wiki_page p "
            f"WHERE lower(p.title) >= lower(%s) AND lower(p.title) < lower(%s) || %s AND {_MET} "
            "ORDER BY lower(p.title) LIMIT %s) AS titles "
            "UNION ALL "
            "SELECT page_id, title_key FROM (SELECT a.page_id, lower(a.title) AS title_key "
            "FROM wiki_alias a JOIN wiki_page p ON p.id = a.page_id "
            f"WHERE lower(a.title) >= lower(%s) AND lower(a.title) < lower(%s) || %s AND {_MET} "
            "ORDER BY lower(a.title) LIMIT %s) AS aliases",
            [query.text, query.text, _PREFIX_END, level, limit] * 2,
        )
        rows = cursor.fetchall()
    key = min((row[1] for row in rows), key=len, default="")
    ids = []
    for page_id, _ in sorted(rows, key=lambda row: (row[1] != key, row[1])):
        if page_id not in ids:
            ids.append(page_id)
    return ids[:limit]


class _RankedPages:
    """The results of one search in order, for ``Paginator``: title and alias
    matches first, then full-text matches by relevance. Only the slice a page
    shows is read from the database.

    Ranking reads every match, so when more than ``RANKING_WINDOW`` pages
    match, only ``RANKING_WINDOW`` of the oldest (a wiki's established pages;
    exactly the oldest on SQLite, see ``backends``) are ranked and the rest
    follow, oldest first; and matches are counted up to ``COUNT_LIMIT``.

    A page matches when its text has every keyword of the query, or, with
    ``any_term``, at least one: then pages with more of them come first."""

    def __init__(self, query, level, any_term=False):
        self.query = query
        self.level = level
        self.any_term = any_term
        self.title_ids = _title_prefix_ids(query, level, TITLE_HIT_LIMIT)

    def count(self):
        return len(self.title_ids) + min(self._text_matches, COUNT_LIMIT)

    def __len__(self):
        return self.count()

    @property
    def count_is_capped(self):
        return self._text_matches > COUNT_LIMIT

    @cached_property
    def _text_matches(self):
        if not self.query.terms:
            return 0
        with connection.cursor() as cursor:
            return current_index().count(
                cursor, self.query.keywords, self.level, self.title_ids, COUNT_LIMIT + 1, self.any_term
            )

    @cached_property
    def _window(self):
        """The matches ranked by relevance when there are too many to rank
        them all (None: all are)."""
        if self._text_matches <= RANKING_WINDOW:
            return None
        with connection.cursor() as cursor:
            return current_index().ranking_window(
                cursor,
                self.query.keywords,
                self.level,
                self.title_ids,
                RANKING_WINDOW,
                COUNT_LIMIT + 1,
                self.any_term,
            )

    def __getitem__(self, window):
        start, stop = window.start or 0, window.stop
        ids = self.title_ids[start:stop]
        offset = max(0, start - len(self.title_ids))
        wanted = stop - start - len(ids)
        if wanted > 0 and self.query.terms:
            index, terms, level, exclude = current_index(), self.query.keywords, self.level, self.title_ids
            ranked = self._text_matches if self._window is None else RANKING_WINDOW
            with connection.cursor() as cursor:
                if offset < ranked:
                    found = index.ranked_ids(
                        cursor, terms, level, exclude, self._window, wanted, offset, self.any_term
                    )
                    ids += found
                    wanted -= len(found)
                if wanted > 0 and self._window is not None:
                    ids += index.oldest_ids_outside(
                        cursor,
                        terms,
                        level,
                        exclude,
                        self._window,
                        wanted,
                        max(0, offset - ranked),
                        self.any_term,
                    )
        return self._hits(ids)

    def _hits(self, ids):
        if not ids:
            return []
        with connection.cursor() as cursor:
            rows = {row[0]: row for row in current_index().result_rows(cursor, ids, self.level)}
        key = self.query.text.lower()
        hits = []
        for page_id in ids:
            if page_id not in rows:
                continue
            _, kind, slug, title, lead, body, aliases = rows[page_id]
            alias = ""
            if not title.lower().startswith(key):
                names = (aliases or "").split("\n")
                alias = next((name for name in names if name.lower().startswith(key)), "")
            page = _page(page_id, kind, slug, title)
            # The text of the page's row at the reader's level: nothing hidden can reach a snippet.
            hits.append(SearchHit(page, snippet(lead or "", body or "", self.query.keywords), alias))
        return hits


@dataclass
class SearchResults:
    """One page of results for a query, with what the results page says about it.

    ``query`` is what was searched: the reader's words, or their correction
    (``typed`` then holds the words as typed). ``partial``: no page has all
    the words, and the results are the pages with some of them."""

    query: Query
    page: object = None
    exact_page: Page = None
    suggestion: str = ""
    hits: list = field(default_factory=list)
    typed: Query = None
    partial: bool = False

    @property
    def paginator(self):
        return self.page.paginator if self.page else None

    @property
    def count(self):
        return self.paginator.count if self.page else 0

    @property
    def count_is_capped(self):
        return bool(self.page) and self.paginator.object_list.count_is_capped

    def url(self, **params):
        return reverse("wiki:search") + "?" + urlencode({"q": (self.typed or self.query).text, **params})

    @property
    def exact_url(self):
        """The search for the words as typed, not corrected."""
        return self.url(fulltext=1, exact=1)

    @property
    def suggestion_url(self):
        return reverse("wiki:search") + "?" + urlencode({"q": self.suggestion})

    @property
    def previous_url(self):
        if self.page and self.page.has_previous():
            return self.url(fulltext=1, page=self.page.previous_page_number())
        return ""

    @property
    def next_url(self):
        if self.page and self.page.has_next():
            return self.url(fulltext=1, page=self.page.next_page_number())
        return ""

    @property
    def page_links(self):
        """The numbered links under the results: ``(number, url)``, with
        ``(None, None)`` for a gap."""
        if not self.page or self.paginator.num_pages < 2:
            return []
        return [
            (number, self.url(fulltext=1, page=number)) if isinstance(number, int) else (None, None)
            for number in self.paginator.get_elided_page_range(self.page.number, on_each_side=2, on_ends=1)
        ]


def search(query, page=1, exact=False):
    """Search every page for ``query`` (a string or a ``Query``) as the reader
    at ``wiki.reading.current()`` may read it; ``page`` is the 1-based results
    page, and anything not a valid page number gives the nearest valid one.

    A page matches when it has every word of the query but stop words ("who",
    "the", see ``Query.keywords``). When few pages match and the query's
    unknown words have a spelling correction (``spelling``) that finds more,
    the results are those of the correction, unless ``exact``; when no page
    has every word, the results are the pages with some of them, those with
    the most first."""
    if not isinstance(query, Query):
        query = Query.parse(query)
    results = SearchResults(query=query)
    if not query.text:
        return results
    level = level_of(reading.current())
    ranked = _RankedPages(query, level)
    if ranked.count() < SPELLING_RESULT_THRESHOLD:
        suggestion = spelling_suggestion(query)
        corrected = _RankedPages(Query.parse(suggestion), level) if suggestion and not exact else None
        if corrected is not None and corrected.count() > ranked.count():
            results.typed, results.query, ranked = query, corrected.query, corrected
        else:
            results.suggestion = suggestion
    if not ranked.count() and len(ranked.query.keywords) > 1:
        ranked = _RankedPages(ranked.query, level, any_term=True)
        results.partial = bool(ranked.count())
    results.page = Paginator(ranked, RESULTS_PER_PAGE).get_page(page)
    results.hits = list(results.page.object_list)
    results.exact_page = find_exact_page(results.query)[0]
    if results.exact_page:
        results.suggestion = ""
    return results


def suggest(query, limit=SUGGESTION_LIMIT):
    """Pages for the search box's suggestions: titles and aliases starting
    with ``query``, then titles and aliases with a word starting with it;
    only pages the reader (``wiki.reading.current()``) has met."""
    if not isinstance(query, Query):
        query = Query.parse(query)
    level = level_of(reading.current())
    ids = _title_prefix_ids(query, level, limit)
    if len(ids) < limit and query.terms:
        with connection.cursor() as cursor:
            more = current_index().title_word_ids(cursor, query.terms, level, limit + len(ids))
        ids.extend(pk for pk in more if pk not in ids)
    ids = ids[:limit]
    if not ids:
        return []
    with connection.cursor() as cursor:
        rows = {row[0]: row for row in current_index().result_rows(cursor, ids, level)}
    pages = [_page(*rows[pk][:4]) for pk in ids if pk in rows]
    return [{"title": page.title, "url": page.get_absolute_url(), "kind": page.kind_label} for page in pages]


def redirect_url(page, alias=""):
    """Where a "go" search lands: the page itself, or through ``wiki:go``
    when it was found by an alias, so the page can say where the reader came from."""
    if alias:
        try:
            return reverse("wiki:go", kwargs={"title": alias})
        except NoReverseMatch:
            pass
    return page.get_absolute_url()
