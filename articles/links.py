"""Which page a written name means, and the link table that remembers who links where.

Rendering asks this module two things: the pages a batch of wiki-link
targets name (``resolve_titles``, one query; ``TitleResolver``, one query for
the texts of many pages), and the names automatic linking
looks for (``autolink_names``, one query per generation, cached). Both depend
on which pages and aliases exist, so every cached answer, and every cached
rendering, is keyed by the *link generation*: a number in the cache that
``bump_link_generation`` moves on whenever a page or alias is created,
renamed or deleted. Red links turn blue on the next view without anyone
touching the pages that contain them.

``sync_page_links`` keeps ``PageLink`` rows (what "What links here" reads)
equal to the links a page's text renders to; the receivers in
``articles.signals`` call it on save.
"""

import functools
import re
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import CharField, F, Q, Value
from django.db.models.functions import Lower
from django.urls import reverse

GENERATION_KEY = "wiki:link-generation"
AUTOLINK_KINDS = ("character", "person", "organization")
# Shorter names ("Al", "Ed") would link too many ordinary words.
AUTOLINK_MIN_LENGTH = 3
TITLE_MAX_LENGTH = 200


@dataclass(frozen=True)
class Target:
    """A page a name leads to, and the address a link to it should use."""

    pk: int
    title: str
    url: str


def link_generation():
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        # Seeded from the clock rather than 1, so that a counter the cache
        # evicted never comes back to a number old renderings are stored under.
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
        generation = cache.get(GENERATION_KEY)
    return generation


def bump_link_generation():
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, time.time_ns(), timeout=None)


def normalize_title(title):
    """A written link target as titles are compared: single spaces, no ends."""
    return re.sub(r"[\s_]+", " ", title).strip()


@functools.lru_cache(maxsize=4096)
def _page_url(kind, slug):
    from articles.models import Page

    return reverse(Page.model_for_kind(kind).detail_url_name, kwargs={"slug": slug})


def _go_url(alias_title):
    return reverse("articles:go", kwargs={"title": alias_title})


def _title_keys(titles):
    """(wanted, keys) for ``titles``: the lowercased names a row must have, and
    the values the database compares lowercased titles, slugs and aliases with."""
    wanted = {normalize_title(title).lower() for title in titles}
    wanted.discard("")
    if not wanted:
        return wanted, set()
    # SQLite's LOWER() only folds ASCII; matching the written spelling as well
    # finds titles with non-ASCII capitals when they are written as titled.
    return wanted, wanted | {normalize_title(title) for title in titles}


def _query_title_rows(keys):
    """(matched name, page pk, kind, slug, page title, matched by, matched key)
    for every page whose lowercased title, slug or lowercased alias is in ``keys``."""
    from articles.models import Alias, Page

    text = CharField()
    columns = ("name", "pk", "kind", "slug", "title", "via", "key")
    by_title = (
        Page.objects.annotate(key=Lower("title"), name=F("title"), via=Value("title", text))
        .filter(key__in=keys)
        .values_list(*columns)
        .order_by()
    )
    by_slug = (
        Page.objects.annotate(key=F("slug"), name=F("slug"), via=Value("slug", text))
        .filter(slug__in=keys)
        .values_list(*columns)
        .order_by()
    )
    by_alias = (
        Alias.objects.annotate(key=Lower("title"), via=Value("alias", text))
        .filter(key__in=keys)
        .values_list("title", "page_id", "page__kind", "page__slug", "page__title", "via", "key")
        .order_by()
    )
    return list(by_title.union(by_slug, by_alias, all=True))


def _matching_rows(rows, wanted, keys):
    """The rows a query for ``keys`` would have returned, named as ``wanted``,
    best last: a title over an alias over a slug; among slugs shared by pages
    of different kinds, the oldest page."""
    rows = [row for row in rows if row[6] in keys and row[0].lower() in wanted]
    precedence = {"slug": 0, "alias": 1, "title": 2}
    rows.sort(key=lambda row: (precedence[row[5]], -row[1]))
    return rows


def _title_rows(titles):
    """The rows of every page whose title, alias or slug is one of ``titles``, ignoring case."""
    wanted, keys = _title_keys(titles)
    if not wanted:
        return []
    return _matching_rows(_query_title_rows(keys), wanted, keys)


def _targets(rows):
    found = {}
    for name, pk, kind, slug, title, via, _ in rows:
        url = _go_url(name) if via == "alias" else _page_url(kind, slug)
        found[name.lower()] = Target(pk, title, url)
    return found


def resolve_titles(titles):
    """``{lowercased title: Target}`` for every title in ``titles`` that names
    a page by its title, an alias or its slug (in that order of precedence),
    ignoring case. One query, whatever the number of titles.

    A title found through an alias leads to ``articles:go``, so the reader
    lands on the page with a "Redirected from" note."""
    return _targets(_title_rows(list(titles)))


class TitleResolver:
    """``resolve_titles`` for many texts with one query: given every title the
    texts may link to, it answers each text exactly as ``resolve_titles``
    would, from the rows of a single query made on first use. A text with a
    title it was not given falls back to a query of its own."""

    def __init__(self, titles):
        self.wanted, self.keys = _title_keys(list(titles))
        self._rows = None

    def resolve(self, titles):
        titles = list(titles)
        wanted, keys = _title_keys(titles)
        if not wanted:
            return {}
        if not (wanted <= self.wanted and keys <= self.keys):
            return resolve_titles(titles)
        if self._rows is None:
            self._rows = _query_title_rows(self.keys)
        return _targets(_matching_rows(self._rows, wanted, keys))


def find_page(title):
    """The page ``title`` names (by title, alias or slug), as a Target with the
    page's own address, and the alias it was found by ("" if none); or (None, "")."""
    rows = _title_rows([title])
    if not rows:
        return None, ""
    name, pk, kind, slug, page_title, via, _ = rows[-1]
    return Target(pk, page_title, _page_url(kind, slug)), name if via == "alias" else ""


def autolink_names():
    """``{name: Target}`` for the title and aliases of every character, person
    and organization, names of at least ``AUTOLINK_MIN_LENGTH`` characters only.
    Loaded with one query and cached until the link generation moves on."""
    generation = link_generation()
    key = f"wiki:autolink-names:{generation}"
    names = cache.get(key)
    if names is None:
        names = _load_autolink_names()
        cache.set(key, names)
    return names


def _load_autolink_names():
    from articles.models import Alias, Page

    titles = (
        Page.objects.filter(kind__in=AUTOLINK_KINDS)
        .annotate(name=F("title"))
        .values_list("name", "pk", "kind", "slug", "title")
        .order_by()
    )
    aliases = (
        Alias.objects.filter(page__kind__in=AUTOLINK_KINDS)
        .values_list("title", "page_id", "page__kind", "page__slug", "page__title")
        .order_by()
    )
    names = {}
    # Aliases first, so that a page's own title wins over another page's alias.
    rows = sorted(titles.union(aliases, all=True), key=lambda row: row[0] == row[4])
    for name, pk, kind, slug, title in rows:
        name = normalize_title(name)
        if len(name) >= AUTOLINK_MIN_LENGTH:
            names[name] = Target(pk, title, _page_url(kind, slug))
    return names


# The link table ---------------------------------------------------------------


def links_of(page):
    """``{lowercased title: (title as stored, target pk or None)}`` for every
    wiki link and automatic link in ``page``'s lead and body."""
    from articles.markup import render_body, render_lead

    lead = render_lead(page)
    body = render_body(page, lead)
    links = {}
    for title, pk in (*lead.links, *body.links):
        title = title[:TITLE_MAX_LENGTH]
        key = title.lower()
        if key not in links or links[key][1] is None:
            links[key] = (title, pk)
    return links


def sync_page_links(page, bulk=False):
    """Make ``page``'s rows in ``PageLink`` say what its text links to now.

    Rows are written one by one so that whatever listens to PageLink saves
    (the page cache) hears of them; ``bulk`` skips that for a full rebuild."""
    from articles.models import PageLink

    wanted = links_of(page)
    stale = []
    for row in PageLink.objects.filter(source_id=page.pk):
        key = row.target_title.lower()
        if wanted.get(key) == (row.target_title, row.target_id):
            del wanted[key]
        else:
            stale.append(row.pk)
    if stale:
        PageLink.objects.filter(pk__in=stale).delete()
    new_links = [
        PageLink(source_id=page.pk, target_id=pk, target_title=title) for title, pk in wanted.values()
    ]
    if bulk:
        PageLink.objects.bulk_create(new_links)
    else:
        for link in new_links:
            link.save()


def sync_pages_mentioning(names, exclude=None):
    """Re-read the links of every page whose text mentions one of ``names``:
    a new or renamed title or alias may have turned their red links blue,
    their blue links red, or given automatic linking a new name to find."""
    from articles.models import Page

    query = Q()
    for name in {normalize_title(name) for name in names if name}:
        if name:
            query |= Q(lead__icontains=name) | Q(body__icontains=name)
    if not query:
        return
    pages = Page.objects.filter(query).only("pk", "version", "lead", "body")
    if exclude is not None:
        pages = pages.exclude(pk=exclude)
    for page in pages:
        sync_page_links(page)


def rebuild_all_links():
    """Re-read every page's links, for pages loaded without their link rows
    (``loaddata`` saves rows raw, without the signal handlers)."""
    from articles.models import Page

    bump_link_generation()
    count = 0
    for page in Page.objects.only("pk", "version", "lead", "body").iterator():
        sync_page_links(page, bulk=True)
        count += 1
    return count
