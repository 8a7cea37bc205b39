"""The text of pages: rendering a page's lead and body, its references, the
link table it keeps, and the resolver that tells ``wiki.markup`` which page
a written name means.

``Page`` takes these from ``PageTextMixin`` and ``TitleQuerySetMixin``.
"""

import functools
from collections import Counter
from urllib.parse import urlencode

from django.apps import apps
from django.conf import settings
from django.db.models import CharField, F, Value
from django.db.models.functions import Lower
from django.urls import get_script_prefix, reverse
from django.utils.html import format_html

from wiki import markup, reading, sources, titles
from wiki.models import provenance
from wiki.models.generation import Generation
from wiki.models.records import Alias, Reference
from wiki.models.revisions import PageLink


def _pages():
    # Page is defined in wiki.models.pages, which builds on this module.
    return apps.get_model("wiki", "Page")


class TitleQuerySetMixin:
    """Which page a name means, for ``PageQuerySet``."""

    def title_rows(self, keys):
        """(matched name, page pk, kind, slug, page title, matched by, matched key)
        for every page whose lowercased title, slug or lowercased alias is in ``keys``."""
        text = CharField()
        columns = ("name", "pk", "kind", "slug", "title", "via", "key")
        by_title = (
            self.annotate(key=Lower("title"), name=F("title"), via=Value("title", text))
            .filter(key__in=keys)
            .values_list(*columns)
            .order_by()
        )
        by_slug = (
            self.annotate(key=F("slug"), name=F("slug"), via=Value("slug", text))
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

    def find(self, title):
        """The page ``title`` names (by title, alias or slug), as a ``Target`` with
        the page's own address, and the alias it was found by ("" if none); or (None, "")."""
        wanted, keys = titles.title_keys([title])
        rows = titles.matching_rows(self.title_rows(keys), wanted, keys) if wanted else []
        if not rows:
            return None, ""
        name, pk, kind, slug, page_title, via, _ = rows[-1]
        return titles.Target(pk, page_title, self.model.url_for(kind, slug)), name if via == "alias" else ""


class PageTextMixin:
    """A page's rendered text, references and links, for ``Page``."""

    # The lead and body are rendered at the reading limit of the request
    # (``wiki.reading.current()``); a page kept across limits keeps one
    # rendering per limit.

    @property
    def rendered_lead(self):
        return self._rendering("lead")

    @property
    def rendered_body(self):
        return self._rendering("body")

    def _rendering(self, field):
        limit = reading.current()
        renderings = self.renderings_at(limit)
        if field not in renderings:
            if not self.text_shown_at(limit):
                renderings[field] = self.hidden_text(field, limit)
            else:
                renderings[field] = markup.render(
                    getattr(self, field),
                    resolver=TitleResolver(),
                    page=self,
                    field=field,
                    cite_after=self.rendered_lead.citations if field == "body" else (),
                    limit=limit,
                )
        return renderings[field]

    def renderings_at(self, limit):
        """The renderings of the page's fields kept for ``limit``, by field."""
        return self.__dict__.setdefault("_renderings", {}).setdefault(limit, {})

    def forget_renderings(self):
        self.__dict__.pop("_renderings", None)

    def text_shown_at(self, limit):
        return limit.shows(self.text_revealed_at()) or "page" in limit.shown

    def text_revealed_at(self):
        """Where in the story the whole text of the page is revealed (None: the
        premise); a kind whose text tells one episode says which."""
        return None

    def hidden_text(self, field, limit):
        """What stands for a text revealed after the reader's limit."""
        if field == "body" or not self.lead:
            return markup.EMPTY
        label = reading.Timeline.label(self.text_revealed_at())
        return markup.Rendering(
            # Tables show many of these: the link leads to the page itself, shown once.
            format_html(
                '<p class="hidden-passage">Revealed in {}: hidden at your reading limit. '
                '<a href="{}?show=page">Show it once</a></p>',
                label,
                self.get_absolute_url(),
            ),
            plain=f"Revealed in {label}.",
        )

    @staticmethod
    def prerender(pages, host=None):
        """Render the leads of many pages shown as the rows of one table (an
        episode table's summaries) on ``host``'s page; see ``prerender_tables``."""
        return PageTextMixin.prerender_tables([pages], host)[0]

    @staticmethod
    def prerender_tables(tables, host=None):
        """Render the leads of the pages of each table in ``tables`` (the rows of
        an episode table) on ``host``'s page, with one query for all their
        links: a page is linked in the first row that mentions it only (see
        ``wiki.markup.prerender_tables``). Returns the tables, as lists."""
        limit = reading.current()
        tables = [list(pages) for pages in tables]
        for page in (page for pages in tables for page in pages):
            if not page.text_shown_at(limit):
                for field in ("lead", "body"):
                    page.renderings_at(limit)[field] = page.hidden_text(field, limit)
        markup.prerender_tables(
            [[page for page in pages if page.text_shown_at(limit)] for pages in tables],
            TitleResolver(),
            limit=limit,
            slot=lambda page: page.renderings_at(limit),
            host=host,
        )
        return tables

    @property
    def lead_html(self):
        return self.rendered_lead.html

    @property
    def body_html(self):
        return self.rendered_body.html

    def cited_references(self):
        """The page's References list: what the lead and body cite, numbered 1 to n
        in order of first citation, as the citation marks are (``CitedSource``).

        A unit of the source text comes with its sentence, masked and hidden at
        the reader's limit as the page's own text is (and not quoted while a
        passage beside its citation is hidden: the sentence would tell what the
        passage hides); a note of the source with its ``Reference`` record, if
        any (one query for all of them)."""
        counts = Counter((*self.rendered_lead.citations, *self.rendered_body.citations))
        if not counts:
            return []
        notes = [int(key) for key in counts if key.isdigit()]
        known = (
            {reference.number: reference for reference in Reference.objects.filter(number__in=notes)}
            if notes
            else {}
        )
        source = sources.current()
        limit = reading.current()
        resolver = TitleResolver() if limit.position is not None else None
        hides = limit.position is not None and "page" not in limit.shown
        positions = provenance.source_usage().positions if hides else {}
        withheld = {}
        for key, position in (*self.rendered_lead.withheld, *self.rendered_body.withheld):
            withheld[key] = max(withheld.get(key, 0), position)
        references = []
        for number, key in enumerate(counts, start=1):
            backlinks = [(f"cite-ref-{number}-{k + 1}", _backlink_label(k)) for k in range(counts[key])]
            entry = CitedSource(number, key, backlinks)
            if key.isdigit():
                entry.reference = known.get(int(key)) or Reference(number=int(key))
            else:
                entry.unit = source.by_id.get(key)
                position = max(positions.get(key) or 0, withheld.get(key, 0)) or None
                if entry.unit is not None and not limit.shows(position) and hides:
                    entry.revealed_in = reading.Timeline.label(position)
                elif entry.unit is not None:
                    entry.quote = markup.masked_text(entry.unit.text, resolver, limit)
            references.append(entry)
        return references

    def links_in_text(self, resolver=None, warm=True):
        """Unsaved ``PageLink`` rows for every wiki link and automatic link in the
        lead and body, each with the point of the story from which a reader
        sees it (``revealed_at``: None if from the premise).

        With ``warm``, the text is rendered whole for a reader at "everything",
        who will want it next; otherwise only its links are read. A
        ``resolver`` made with ``batch`` for many pages' texts answers them
        all with one query."""
        if resolver is None:
            resolver = markup.batch_resolver(TitleResolver(), (self.lead, self.body))
        with reading.everything():
            if warm:
                renderings = {}
                markup.prerender(
                    [self],
                    resolver,
                    fields=("lead", "body"),
                    limit=reading.EVERYTHING,
                    slot=lambda _: renderings,
                )
                found = (*renderings["lead"].links, *renderings["body"].links)
            else:
                found = self._links_at(reading.EVERYTHING, resolver)
            links = _links_by_key(found)
        revealed = {}
        positions = markup.passage_positions(self.lead, resolver) | markup.passage_positions(
            self.body, resolver
        )
        if positions:
            for position in sorted({0, *positions}):
                level = reading.Limit(position, f"p{position}", "")
                for key in _links_by_key(self._links_at(level, resolver)):
                    revealed.setdefault(key, position or None)
        page = self.specific
        text_revealed_at = page.text_revealed_at()
        rows = []
        for key, (title, pk) in links.items():
            position = revealed.get(key)
            if text_revealed_at is not None:
                position = max(position or 0, text_revealed_at)
            rows.append(PageLink(source_id=self.pk, target_id=pk, target_title=title, revealed_at=position))
        return rows

    def _links_at(self, limit, resolver):
        return (
            *markup.links_in(self.lead, self.pk, resolver, "lead", limit),
            *markup.links_in(self.body, self.pk, resolver, "body", limit),
        )

    def sync_links(self, resolver=None, warm=True):
        """Make the page's rows in the link table say what its text links to now
        (``links_in_text`` says what ``resolver`` and ``warm`` are)."""
        wanted = {link.target_title.lower(): link for link in self.links_in_text(resolver, warm)}
        stale = []
        for row in PageLink.objects.filter(source_id=self.pk):
            link = wanted.get(row.target_title.lower())
            if link is not None and (link.target_title, link.target_id, link.revealed_at) == (
                row.target_title,
                row.target_id,
                row.revealed_at,
            ):
                del wanted[row.target_title.lower()]
            else:
                stale.append(row.pk)
        if stale:
            PageLink.objects.filter(pk__in=stale).delete()
        PageLink.objects.bulk_create(wanted.values())


def _links_by_key(links):
    """``{lowercased title: (title as written, page pk or None)}`` of a
    rendering's links, a link to a page winning over a red link."""
    by_key = {}
    for title, pk in links:
        title = title[: titles.TITLE_MAX_LENGTH]
        key = title.lower()
        if key not in by_key or by_key[key][1] is None:
            by_key[key] = (title, pk)
    return by_key


class CitedSource:
    """An entry of a page's References list: its ``number`` and ``backlinks``
    ((anchor id, label) of every citation mark), and what it cites: a ``unit``
    of the source text (with its ``quote`` as safe HTML, or ``revealed_in``, the
    label of the point of the story that reveals it, if the reader's limit hides
    it), or a note of the source as a ``reference``."""

    def __init__(self, number, key, backlinks):
        self.number, self.key, self.backlinks = number, key, backlinks
        self.unit = self.reference = None
        self.quote, self.revealed_in = "", ""

    @property
    def source_url(self):
        return f"{_source_page_url(get_script_prefix())}#{self.key}"


@functools.cache
def _source_page_url(script_prefix):
    # A page lists dozens of references: reverse the address of /source/ once.
    return reverse("wiki:source")


class TitleResolver:
    """What ``wiki.markup`` asks while rendering: which page a written title
    means, the names automatic linking looks for, where a red link leads,
    and the link generation renderings are cached under.

    ``resolve`` answers with one query; a resolver made with ``batch(titles)``
    answers many texts from one query for all their titles (falling back to a
    query of its own for a title it was not given)."""

    def __init__(self, titles_to_expect=(), generation=None, content_generation=None):
        if generation is None:
            generations = Generation.objects.current()
            generation, content_generation = generations.links, generations.content
        self.generation = generation
        self.content_generation = content_generation
        self.wanted, self.keys = titles.title_keys(list(titles_to_expect))
        self._rows = None

    def batch(self, titles_to_expect):
        return TitleResolver(titles_to_expect, self.generation, self.content_generation)

    def resolve(self, written_titles):
        """``{lowercased title: Target}`` for every title that names a page by its
        title, an alias or its slug (in that order of precedence), ignoring case.
        A title found through an alias leads to ``wiki:go``, so the reader lands
        on the page with a "Redirected from" note."""
        written_titles = list(written_titles)
        wanted, keys = titles.title_keys(written_titles)
        if not wanted:
            return {}
        if wanted <= self.wanted and keys <= self.keys:
            if self._rows is None:
                self._rows = _pages().objects.title_rows(self.keys)
            rows = self._rows
        else:
            rows = _pages().objects.title_rows(keys)
        return titles.targets(titles.matching_rows(rows, wanted, keys), _pages().url_for, _go_url)

    @staticmethod
    def reveal_position(code):
        """The position of the point of the story ``code`` names, or None."""
        point = reading.Timeline.by_code().get(code)
        return point.position if point and point.position else None

    @staticmethod
    def reveal_label(position):
        point = reading.Timeline.by_position().get(position)
        return point.label if point else "a later part of the story"

    def unmet(self, limit):
        """The pks of the pages a reader at ``limit`` has not met yet."""
        return _unmet_pages(self.content_generation, limit.position)

    def autolink_names(self):
        """``({name: Target}, pattern)`` for the titles and aliases of every
        page of an ``autolinked`` kind; read once per process and link generation."""
        return _autolink_names(self.generation)

    @staticmethod
    def new_page_url(title):
        """Where a red link leads: the admin's form for a new page of
        ``settings.WIKI_NEW_PAGE_KIND`` with that title."""
        opts = _pages().model_for_kind(settings.WIKI_NEW_PAGE_KIND)._meta
        return f"{reverse(f'admin:{opts.app_label}_{opts.model_name}_add')}?{urlencode({'title': title})}"


@functools.lru_cache(maxsize=2)
def _autolink_names(generation):
    Page = _pages()
    kinds = [kind for kind, model in Page.kinds().items() if model.autolinked]
    own_titles = (
        Page.objects.filter(kind__in=kinds)
        .annotate(name=F("title"))
        .values_list("name", "pk", "kind", "slug", "title")
        .order_by()
    )
    aliases = (
        Alias.objects.filter(page__kind__in=kinds)
        .values_list("title", "page_id", "page__kind", "page__slug", "page__title")
        .order_by()
    )
    names = titles.autolink_targets(own_titles.union(aliases, all=True), Page.url_for)
    return names, markup.autolink_pattern(names)


@functools.lru_cache(maxsize=32)
def _unmet_pages(generation, position):
    return frozenset(_pages().objects.filter(revealed_at__gt=position).values_list("pk", flat=True))


def _go_url(alias_title):
    return reverse("wiki:go", kwargs={"title": alias_title})


def _backlink_label(index):
    """The label of a reference's back-link number ``index`` (from 0): "a"... "z", "aa"..."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    label = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        label = letters[remainder] + label
    return label
