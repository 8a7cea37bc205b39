"""Markdown to safe HTML: the one function every page's text goes through.

Editors write Markdown; readers get HTML that has been sanitised against an
explicit allow-list, so nothing an editor types can run script in a reader's
browser. Templates never mark anything else safe.

One pipeline, in this order:

1. Python-Markdown (tables, footnotes, fenced code, heading ids, sane lists)
   plus this wiki's own syntax: ``[[Title]]`` / ``[[Title|label]]`` wiki
   links, ``[^season-1-4]`` citations of a sentence (a *unit*) of the source
   text (``wiki.sources``) and ``[^N]`` citations of the source's own note N
   (``Reference`` N). They are inline patterns, so none is recognised inside
   code. Passages revealed later in the story (``{{reveal s2e3|...}}``) and
   the wiki's own editorial text (``{{editorial|...}}``) are taken out before
   Markdown reads the text and put back, marked, after sanitising.
2. A tree pass that resolves every wiki link of the text with one query (red
   links lead to the admin's add form), links the first mention of each
   known character, person and organization in the text and again in each
   of its sections (an h2 or h3 and what follows it), numbers the citations 1 to n
   in order of first citation across the page's lead and body (one number
   per unit or note, however often it is cited), turns table alignment into
   classes and demotes ``h1`` (the page title is the only ``h1``).
3. bleach, with an allow-list of tags, attributes and URL schemes (http,
   https, mailto and relative addresses). It runs last, so whatever the
   earlier steps produce is sanitised too. Images are not allowed: the wiki
   has no uploads, and a remote image would tell a third party who reads what.

This module knows no model: which page a name means is asked of a
*resolver* (``wiki.models.TitleResolver``), which also tells the link
generation. Renderings are cached per text, page version and link
generation, so a page's HTML is computed once per edit, and red links turn
blue as soon as their page exists. A page that shows the text of many pages
(an episode table) renders them with ``prerender``: the same pipeline, but
the wiki links of all the texts not yet cached are resolved with one query,
so the page's query count does not grow with the list; ``prerender_tables``
renders texts shown as the rows of tables, where a page is linked in the
first row that mentions it only.

Automatic links follow Wikipedia's rule on duplicate links: a name is linked
at its first mention in the lead, in each section and in a table, not at every
mention. A wiki link an editor wrote (``[[Title]]``) stays a link in the
text it was written in, since writing it is a choice; it counts as the first
mention of its page, so the automatic linking does not link that name again
in the same section. A table is different: its rows are texts written one by
one (each episode's summary links what it names, for its own page), and the
table puts them side by side, so there a wiki link to a page linked in an
earlier row shows as its label.
"""

import contextlib
import functools
import hashlib
import html as html_module
import re
import secrets
import threading
import xml.etree.ElementTree as etree
from collections import Counter
from dataclasses import dataclass
from functools import partial

import bleach
import markdown
from bleach.linkifier import LinkifyFilter, build_url_re
from django.core.cache import cache
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import HTML_PLACEHOLDER_RE, AtomicString

from wiki import sources
from wiki.titles import normalize_title

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "div", "dl",
        "dt", "em", "h2", "h3", "h4", "h5", "h6", "hr", "i", "ins", "kbd", "li", "ol", "p", "pre",
        "q", "s", "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th",
        "thead", "tr", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": ["href", "title", "class", "id", "rel"],
    "abbr": ["title"],
    "div": ["class", "id"],
    "h2": ["id"],
    "h3": ["id"],
    "h4": ["id"],
    "h5": ["id"],
    "h6": ["id"],
    "li": ["id"],
    "ol": ["start"],
    "span": ["class"],
    "sup": ["class", "id"],
    "td": ["colspan", "rowspan", "class"],
    "th": ["colspan", "rowspan", "scope", "class"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})

MARKDOWN_EXTENSIONS = ["tables", "footnotes", "fenced_code", "toc", "sane_lists"]
# Part of every cache key: change it when the HTML this module produces changes,
# so a shared cache does not keep serving renderings of the previous code.
MARKUP_VERSION = 5

# [[Title]] or [[Title|label]]. Inside a table the pipe is written \|, which
# reaches this pattern as an escape placeholder; handleMatch splits on it.
WIKI_LINK_RE = r"\[\[([^\[\]\n]+?)\]\]"
RAW_HTML_PLACEHOLDER_RE = re.compile("(\x02wzxhzdk:[0-9]+\x03)")
# [^16]: the source's note 16 (digits only); [^season-1-4]: a unit of the source
# text (letters, digits and hyphens, at least one letter). Anything else
# between [^ and ] is left as written (or is a footnote, if it has a definition).
CITATION_RE = r"\[\^([A-Za-z0-9][A-Za-z0-9-]{0,99})\]"
CITATION_SCAN_RE = re.compile(CITATION_RE)
NOTE_CITATION_MAX_DIGITS = 5
UNKNOWN_UNIT_TEXT = "[unknown source sentence: {}]"
ESCAPED_CHAR_RE = re.compile("\x02([0-9]+)\x03")
TEXT_ALIGN_RE = re.compile(r"text-align:\s*(left|right|center)")
RAW_SKIPPED_TAG_RE = re.compile(r"<(/?)(?:a|code|pre)\b", re.IGNORECASE)
# Automatic links are never made inside these, nor in the text of an existing link.
_CITATION_MARK_RE = re.compile(r"<sup\b[^>]*>.*?</sup>", re.DOTALL)
_EDITORIAL_LABEL_RE = re.compile(r'<p class="editorial__label">.*?</p>', re.DOTALL)
_WHITESPACE_RE = re.compile(r"\s+")
NO_AUTOLINK_TAGS = frozenset({"a", "code", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "sup"})


@dataclass(frozen=True)
class Rendering:
    """Rendered text, and what the page's References list and link table need from it."""

    html: SafeString
    # What the text cites, in the order of the text, once per citation: a unit
    # id of the source text ("season-1-4"), or a note number as a string ("16").
    citations: tuple = ()
    # (title as written, page pk or None for a red link) for each wiki and automatic link.
    links: tuple = ()
    # The contents box: each h2 as {"id", "text", "children"}, its h3s as children.
    headings: tuple = ()
    # The text as one line of plain text, without citation marks (descriptions, previews).
    plain: str = ""
    # (cited key, position) of citations beside a passage hidden at the limit (in the same
    # paragraph, list item or cell): what they support is partly revealed later, so the
    # References list does not quote them before that position.
    withheld: tuple = ()
    # The pks of the pages the text links to (wiki links and automatic links):
    # the next row of a table does not link them again (``prerender_tables``).
    linked: frozenset = frozenset()


EMPTY = Rendering(mark_safe(""))


def render_markdown(text, *, resolver, page=None, field="text") -> SafeString:
    """Render editor-written Markdown to sanitised HTML."""
    return render(text, resolver=resolver, page=page, field=field).html


def render(text, *, resolver, page=None, field="text", cite_after=(), limit=None):
    """Render ``text`` (of ``page``'s ``field``, if it belongs to a page), cached.

    ``page`` keeps automatic linking from linking the page to itself;
    ``cite_after`` are the citations of the text shown before this one on the
    same page, so citation anchors stay unique across lead and body.
    ``limit`` (a ``wiki.reading.Limit``; None for everything) is how far the
    reader has watched: passages revealed after it are left out."""
    if not text:
        return EMPTY
    key = _cache_key(text, page, field, cite_after, resolver, limit)
    cached = cache.get(key)
    if cached is None:
        cached = _render(text, _pk(page), tuple(cite_after), resolver, field, limit)
        cache.set(key, cached)
    return _rendering(cached)


def prerender(pages, resolver, fields=("lead",), limit=None, slot=None):
    """Render ``fields`` ("lead", "body") of many pages exactly as ``render``
    does for each, and keep each rendering in ``slot(page)`` (a dict, keyed by
    field), where the page finds it. Renderings come from the cache with one
    lookup; the wiki links of all the texts that were not cached are resolved
    with one query, whatever the number of pages. Returns the pages."""
    pages = list(pages)
    # A body's citation marks are numbered on from its lead's.
    stages = ("lead", "body") if "body" in fields else ("lead",)
    batch = batch_resolver(resolver, (getattr(page, field) for page in pages for field in stages))
    for field in stages:
        todo = [page for page in pages if field not in slot(page)]
        cite_after = {id(page): slot(page)["lead"].citations if field == "body" else () for page in todo}
        keys = {
            id(page): _cache_key(getattr(page, field), page, field, cite_after[id(page)], batch, limit)
            for page in todo
            if getattr(page, field)
        }
        cached = cache.get_many(set(keys.values()))
        rendered = {}
        for page in todo:
            key = keys.get(id(page))
            if key is None:
                slot(page)[field] = EMPTY
                continue
            entry = cached.get(key) or rendered.get(key)
            if entry is None:
                entry = rendered[key] = _render(
                    getattr(page, field), _pk(page), tuple(cite_after[id(page)]), batch, field, limit
                )
            slot(page)[field] = _rendering(entry)
        cache.set_many(rendered)
    return pages


def prerender_tables(tables, resolver, limit=None, slot=None, host=None, field="lead"):
    """Render ``field`` of the pages of each table in ``tables`` (lists of
    pages, as the rows of a table: an episode table's summaries), in order,
    each kept in ``slot(page)`` as ``prerender`` does. A page linked in a row
    is not linked again in the rows after it (a wiki link to it shows as its
    label), and no row links to ``host``, the page the tables are on. Each
    table is one cache entry, keyed by every row's text and version; all
    tables come from the cache with one lookup, and the wiki links of those
    not cached are resolved with one query. Returns the tables, as lists."""
    tables = [[page for page in table if field not in slot(page)] for table in tables]
    keys = [_table_cache_key(table, resolver, limit, host, field) for table in tables]
    cached = cache.get_many({key for key in keys if key})
    todo = [table for table, key in zip(tables, keys, strict=True) if key and key not in cached]
    batch = batch_resolver(resolver, (getattr(page, field) for table in todo for page in table))
    rendered = {}
    for table, key in zip(tables, keys, strict=True):
        if not key:
            continue
        entries = cached.get(key) or rendered.get(key)
        if entries is None:
            entries = rendered[key] = _render_rows(table, batch, limit, host, field)
        for page, entry in zip(table, entries, strict=True):
            slot(page)[field] = EMPTY if entry is None else _rendering(entry)
    cache.set_many(rendered)
    return tables


def _table_cache_key(table, resolver, limit, host, field):
    if not table:
        return None
    # The host page counts by its id only (no row links to it): an edit of the
    # host's own text leaves the rows' renderings as they were.
    digest = hashlib.blake2b(f"host {_pk(host)}:".encode(), digest_size=16)
    for page in table:
        digest.update(f"{_pk(page)}:{getattr(page, 'version', 0)}:".encode())
        digest.update(hashlib.blake2b((getattr(page, field) or "").encode(), digest_size=16).digest())
    return _cache_key(digest.hexdigest(), None, f"rows-{field}", (), resolver, limit)


def _render_rows(table, resolver, limit, host, field):
    linked = {_pk(host)} - {None}
    entries = []
    for page in table:
        text = getattr(page, field)
        entry = _render(text, _pk(page), (), resolver, field, limit, frozenset(linked)) if text else None
        if entry is not None:
            linked |= entry[-1]
        entries.append(entry)
    return entries


def _pk(page):
    return page.pk if page is not None else None


def _cache_key(text, page, field, cite_after, resolver, limit):
    digest = hashlib.blake2b(digest_size=16)
    digest.update(text.encode())
    digest.update(repr(tuple(cite_after)).encode())
    version = getattr(page, "version", 0) if page is not None else 0
    if limit is None or limit.position is None and not limit.shown:
        generation, at = resolver.generation, "all"
    else:
        # Which pages a limit hides changes with any edit, not only with names.
        generation, at = resolver.content_generation, limit.cache_key
    # Whether a cited unit exists depends on the source text.
    source = sources.current().digest
    return (
        f"wiki:markup:{MARKUP_VERSION}:{generation}:{at}:{source}:{_pk(page) or '-'}:{version}:{field}:"
        f"{digest.hexdigest()}"
    )


def _rendering(entry):
    html, citations, links, headings, plain, withheld, linked = entry
    return Rendering(mark_safe(html), citations, links, headings, plain, withheld, linked)


_BACKSLASH_ESCAPE_RE = re.compile(r"\\(.)")


@functools.cache
def _escaped_chars():
    return frozenset(markdown.Markdown(extensions=MARKDOWN_EXTENSIONS).ESCAPED_CHARS)


def batch_resolver(resolver, texts):
    """A resolver that answers every wiki link of ``texts`` with one query."""
    return resolver.batch(title for text in texts for title in _written_titles(text))


def _written_titles(text):
    """The targets of the wiki links in ``text``, read from the source as the
    wiki-link pattern will read them, with and without Markdown's backslash
    escapes. A target missed here (a link with an escaped bracket) still
    works: rendering resolves it with a query of its own."""
    escaped = _escaped_chars()
    for match in re.finditer(WIKI_LINK_RE, text or ""):
        inside = match.group(1)
        unescaped = _BACKSLASH_ESCAPE_RE.sub(
            lambda char: char.group(1) if char.group(1) in escaped else char.group(0), inside
        )
        for written in {inside, unescaped}:
            yield written.partition("|")[0]


def _prepare(text, page_pk, cite_after, resolver, field, limit, already_linked=frozenset()):
    """(text for Markdown, its editorial and passage stand-ins, the state a
    rendering of it collects)."""
    state = _RenderState(page_pk=page_pk, cite_after=cite_after, resolver=resolver, limit=limit)
    state.already_linked = already_linked
    # Editorial markers first: an inline one may hold a whole reveal passage,
    # and a reveal passage may hold editorial markers, which are then tokens.
    text, editorial = _Editorial().apply(text)
    text, notices = _Passages(resolver, field, limit).apply(text)
    state.hidden_passages = notices.hidden
    return text, editorial, notices, state


def _render(text, page_pk, cite_after, resolver, field="text", limit=None, already_linked=frozenset()):
    text, editorial, notices, state = _prepare(
        text, page_pk, cite_after, resolver, field, limit, already_linked
    )
    with _markdown(state) as md:
        html = editorial.insert(notices.insert(_cleaner().clean(md.convert(text))))
        toc_tokens = md.toc_tokens
    return (
        html,
        tuple(state.citations),
        tuple(state.links),
        _contents(toc_tokens),
        _plain(html),
        tuple(state.withheld.items()),
        frozenset(state.linked),
    )


class _LinksFound(Exception):
    pass


def links_in(text, page_pk, resolver, field="text", limit=None):
    """The links a rendering of ``text`` at ``limit`` has (``Rendering.links``),
    found as ``render`` finds them, but without making and sanitising the HTML
    (most of a rendering's cost): what the link table needs at each point of
    the story where a page's text changes."""
    if not text:
        return ()
    text, _, _, state = _prepare(text, page_pk, (), resolver, field, limit)
    # The pipeline stops right after the wiki links are resolved and the names linked.
    state.links_only = True
    with _markdown(state) as md, contextlib.suppress(_LinksFound):
        md.convert(text)
    return tuple(state.links)


def _plain(html):
    text = strip_tags(_CITATION_MARK_RE.sub("", _EDITORIAL_LABEL_RE.sub("", html)))
    return _WHITESPACE_RE.sub(" ", html_module.unescape(text)).strip()


# What a preview leaves out of a text: the notes standing for hidden passages,
# "Editors' note" labels and citation marks.
_PREVIEW_OMITTED_RE = re.compile(
    r'<(span|div) class="hidden-passage"[^>]*>.*?</\1>'
    r'|<p class="editorial__label">.*?</p>|<sup\b[^>]*>.*?</sup>',
    re.DOTALL,
)
# A sentence ends: closing punctuation, perhaps a closing quote or bracket, then a space.
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])[\"'”’)]*\s+")
PREVIEW_MAX_LENGTH = 320


def first_sentences(rendering, count=2, max_length=PREVIEW_MAX_LENGTH):
    """The first ``count`` sentences of a rendered text, as plain text, for a
    link preview: without the notes of passages hidden at the reader's limit
    (what they hide is not in the rendering), citation marks and editorial
    labels; cut at a word, with an ellipsis, beyond ``max_length`` characters."""
    text = strip_tags(_PREVIEW_OMITTED_RE.sub(" ", str(rendering.html)))
    text = _WHITESPACE_RE.sub(" ", html_module.unescape(text)).strip()
    ends = [match.end() for match in _SENTENCE_END_RE.finditer(text)]
    if len(ends) >= count:
        text = text[: ends[count - 1]].strip()
    if len(text) > max_length:
        text = text[:max_length].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return text


def _contents(tokens):
    """The h2 and h3 headings of the table-of-contents extension's tokens,
    h3s under the h2 before them (an h3 before any h2 stands on its own)."""
    flat = []

    def walk(items):
        for item in items:
            if item["level"] in (2, 3):
                flat.append((item["level"], item["id"], html_module.unescape(item["name"])))
            walk(item["children"])

    walk(tokens)
    sections = []
    for level, heading_id, text in flat:
        heading = {"level": level, "id": heading_id, "text": text, "children": []}
        if level == 2 or not sections:
            sections.append(heading)
        else:
            sections[-1]["children"].append(heading)
    return tuple(sections)


# Passages revealed later in the story ------------------------------------------

# A passage of the story revealed at a point of it, written around Markdown:
#   inline:  {{reveal s2e3|the text}}            (within one paragraph)
#   block:   {{reveal s2e3}}                     (on a line of its own)
#            paragraphs, lists, tables...
#            {{/reveal}}                         (on a line of its own)
# The code names a point of the story (``wiki.reading``); one the timeline
# does not know counts as revealed after every episode.
REVEAL_BLOCK_RE = re.compile(
    r"^[ \t]*\{\{reveal[ \t]+([^\s|{}]{1,20})[ \t]*\}\}[ \t]*\n(.*?)\n[ \t]*\{\{/reveal\}\}[ \t]*$",
    re.MULTILINE | re.DOTALL | re.IGNORECASE,
)
REVEAL_INLINE_RE = re.compile(
    r"\{\{reveal[ \t]+([^\s|{}]{1,20})[ \t]*\|((?:(?!\}\}|\n[ \t]*\n).)*)\}\}",
    re.DOTALL | re.IGNORECASE,
)
# Where a passage's code names no point of the story.
AFTER_EVERY_EPISODE = 32767


def passage_positions(text, resolver):
    """The positions at which the passages of ``text`` are revealed."""
    text = without_editorial_markers(text)
    return {
        _position(match.group(1), resolver)
        for pattern in (REVEAL_BLOCK_RE, REVEAL_INLINE_RE)
        for match in pattern.finditer(text)
    }


def source_at(text, resolver, position):
    """``text`` without the passages revealed after ``position`` (None: all are kept),
    and without the reveal and editorial markers: what a reader at that point may read."""

    def keep(match):
        shown = position is None or _position(match.group(1), resolver) <= position
        return match.group(2) if shown else ""

    return REVEAL_INLINE_RE.sub(keep, REVEAL_BLOCK_RE.sub(keep, without_editorial_markers(text)))


def _position(code, resolver):
    position = resolver.reveal_position(code.lower())
    return AFTER_EVERY_EPISODE if position is None else position


class _Passages:
    """Takes the passages out of a text before Markdown reads it, and puts what
    stands in their place into the sanitised HTML: a hidden passage becomes a
    note saying when it is revealed, with a link to show it once; a passage
    shown once is marked as such; the others are plain text."""

    def __init__(self, resolver, field, limit):
        self.resolver = resolver
        self.field = field
        self.limit = limit
        # Tokens of letters and digits pass Markdown and bleach untouched; an
        # editor cannot guess them, so cannot forge a note.
        self.nonce = f"zq{secrets.token_hex(8)}"
        self.count = 0
        self.html = {}
        # {token: (position, whether the passage ends a sentence)} of the passages
        # hidden at the limit, for the citations of the sentences they are part of.
        self.hidden = {}

    def apply(self, text):
        if "{{" not in text:
            return text, self
        text = REVEAL_BLOCK_RE.sub(partial(self.replace, block=True), text)
        return REVEAL_INLINE_RE.sub(partial(self.replace, block=False), text), self

    def replace(self, match, block):
        self.count += 1
        passage_id = f"{self.field}-{self.count}"
        position = _position(match.group(1), self.resolver)
        inner = match.group(2)
        limit = self.limit
        if limit is None or limit.position is None or position <= limit.position:
            return f"\n\n{inner}\n\n" if block else inner
        label = html_module.escape(self.resolver.reveal_label(position))
        show = f"?show={passage_id}#{passage_id}"
        if passage_id in limit.shown:
            opening, closing = self.token("o"), self.token("c")
            tag = "div" if block else "span"
            note = f"Revealed in {label}; shown at your request."
            self.html[opening] = f'<{tag} class="shown-passage" id="{passage_id}">' + (
                f'<p class="shown-passage__note">{note}</p>'
                if block
                else f'<span class="shown-passage__note">[{note}]</span> '
            )
            self.html[closing] = f"</{tag}>"
            if block:
                return f"\n\n{opening}\n\n{inner}\n\n{closing}\n\n"
            return f"{opening}{inner}{closing}"
        token = self.token("h")
        self.hidden[token] = (position, bool(_SENTENCE_CLOSE_RE.search(inner)))
        if block:
            self.html[token] = (
                f'<div class="hidden-passage" id="{passage_id}"><p>A passage revealed in {label} is hidden '
                f'at your reading limit. <a href="{show}">Show it once</a></p></div>'
            )
            return f"\n\n{token}\n\n"
        self.html[token] = (
            f'<span class="hidden-passage" id="{passage_id}">[revealed in {label}: '
            f'<a href="{show}">show once</a>]</span>'
        )
        return token

    def token(self, kind):
        # Ends in a letter, so that no token is the start of another ("h1", "h10").
        return f"{self.nonce}{kind}{self.count}z"

    def insert(self, html):
        for token, replacement in self.html.items():
            html = html.replace(f"<p>{token}</p>", replacement).replace(token, replacement)
        return html


# The wiki's own text ---------------------------------------------------------------

# Text that is the wiki's own, not a statement of the source (navigation,
# disambiguation, notes about the source), which needs no citation:
#   inline:  {{editorial|the text}}              (within one paragraph; may hold
#                                                  whole {{reveal ...|...}} passages)
#   block:   {{editorial}}                       (on a line of its own)
#            paragraphs, lists...
#            {{/editorial}}                      (on a line of its own)
# Reveal passages and editorial text nest either way.
EDITORIAL_BLOCK_RE = re.compile(
    r"^[ \t]*\{\{editorial[ \t]*\}\}[ \t]*\n(.*?)\n[ \t]*\{\{/editorial\}\}[ \t]*$",
    re.MULTILINE | re.DOTALL | re.IGNORECASE,
)
EDITORIAL_INLINE_RE = re.compile(
    r"\{\{editorial[ \t]*\|("
    r"(?:(?!\}\}|\{\{|\n[ \t]*\n).|\{\{reveal[ \t]+[^\s|{}]{1,20}[ \t]*\|(?:(?!\}\}|\n[ \t]*\n).)*\}\})*"
    r")\}\}",
    re.DOTALL | re.IGNORECASE,
)
EDITORIAL_LABEL = "Editors\u2019 note"


def without_editorial_markers(text):
    """``text`` with its editorial markers taken away and what they hold kept."""
    text = text or ""
    if "{{" not in text:
        return text
    text = EDITORIAL_BLOCK_RE.sub(lambda match: match.group(1), text)
    return EDITORIAL_INLINE_RE.sub(lambda match: match.group(1), text)


def without_editorial_text(text):
    """``text`` without its editorial text (markers and what they hold)."""
    text = text or ""
    if "{{" not in text:
        return text
    return EDITORIAL_INLINE_RE.sub("", EDITORIAL_BLOCK_RE.sub("\n", text))


def editorial_count(text):
    """How many editorial passages (inline or block) ``text`` has."""
    text = text or ""
    blocks = EDITORIAL_BLOCK_RE.findall(text)
    return len(blocks) + len(EDITORIAL_INLINE_RE.findall(text))


class _Editorial:
    """Takes the editorial markers out of a text before Markdown reads it, and
    marks what they held in the sanitised HTML: a span (inline) or a block with
    an "Editors' note" label. The markers become tokens of letters and digits,
    as for passages (``_Passages``), which an editor cannot forge."""

    def __init__(self):
        self.nonce = f"zq{secrets.token_hex(8)}"
        self.count = 0
        self.html = {}

    def apply(self, text):
        if "{{" not in text:
            return text, self
        text = EDITORIAL_BLOCK_RE.sub(partial(self.replace, block=True), text)
        return EDITORIAL_INLINE_RE.sub(partial(self.replace, block=False), text), self

    def replace(self, match, block):
        self.count += 1
        opening, closing = f"{self.nonce}o{self.count}z", f"{self.nonce}c{self.count}z"
        if block:
            self.html[opening] = (
                f'<div class="editorial" role="note"><p class="editorial__label">{EDITORIAL_LABEL}</p>'
            )
            self.html[closing] = "</div>"
            return f"\n\n{opening}\n\n{match.group(1)}\n\n{closing}\n\n"
        self.html[opening] = '<span class="editorial">'
        self.html[closing] = "</span>"
        return f"{opening}{match.group(1)}{closing}"

    def insert(self, html):
        for token, replacement in self.html.items():
            html = html.replace(f"<p>{token}</p>", replacement).replace(token, replacement)
        return html


# What a text cites, for the checker ---------------------------------------------------


@dataclass(frozen=True)
class Paragraph:
    """A paragraph (or list item, or table row) of a text, outside editorial text."""

    start: str  # its first words, as plain as the Markdown allows
    units: tuple  # the unit ids it cites


@dataclass(frozen=True)
class Citation:
    """A citation of a unit in a text: the id as written, the position of the
    reveal passage it is in (None: outside every passage), and the latest
    position of the passages that are part of the sentence it closes (the
    sentence tells them too; None: no such passage)."""

    unit_id: str
    passage: int | None
    beside: int | None = None

    @property
    def context(self):
        """From where a reader reads what the citation supports, within its text."""
        return max(self.passage or 0, self.beside or 0) or None


def cited_ids(text):
    """Every unit id ``text`` cites (``[^...]`` with a letter, not a footnote
    with a definition), in order, as written."""
    text = text or ""
    defined = set(_FOOTNOTE_DEFINITION_RE.findall(text))
    return [key for key in CITATION_SCAN_RE.findall(text) if not key.isdigit() and key not in defined]


_FOOTNOTE_DEFINITION_RE = re.compile(r"^[ ]{0,3}\[\^([^\]]+)\]:", re.MULTILINE)
_LIST_ITEM_RE = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+")
_TABLE_RULE_RE = re.compile(r"^[ \t]*\|?[ \t:|-]*-[ \t:|-]*\|?[ \t]*$")
_MARKDOWN_NOISE_RE = re.compile(r"\[\^[^\]\s]*\]|[*_`#>|]+|\{\{/?(?:reveal|editorial)[^|}]*\|?|\}\}")
_WIKI_LINK_LABEL_RE = re.compile(WIKI_LINK_RE)


def citations_in(text, resolver):
    """The unit citations of ``text`` (``Citation``), each with the reveal
    passage around it, if any (the innermost, if passages overlap)."""
    text = without_editorial_markers(text)
    passages = [
        (match.start(), match.end(), _position(match.group(1), resolver))
        for pattern in (REVEAL_BLOCK_RE, REVEAL_INLINE_RE)
        for match in pattern.finditer(text)
    ]
    inline = [
        (match.end(), _position(match.group(1), resolver), bool(_SENTENCE_CLOSE_RE.search(match.group(2))))
        for match in REVEAL_INLINE_RE.finditer(text)
    ]
    defined = set(_FOOTNOTE_DEFINITION_RE.findall(text))
    citations = []
    for match in CITATION_SCAN_RE.finditer(text):
        key = match.group(1)
        if key.isdigit() or key in defined:
            continue
        around = [passage for passage in passages if passage[0] <= match.start() < passage[1]]
        innermost = min(around, key=lambda passage: passage[1] - passage[0], default=None)
        beside = [
            position
            for end, position, ends_sentence in inline
            if end <= match.start()
            and not _SENTENCE_GAP_RE.search(text[end : match.start()])
            and not (ends_sentence and text[end : match.start()][:1].isspace())
        ]
        citations.append(Citation(key, innermost[2] if innermost else None, max(beside, default=None)))
    return citations


def paragraphs(text):
    """The paragraphs of ``text`` that state something (``Paragraph``): outside
    editorial text, without reveal markers; list items and table rows count one
    by one; headings, rules and footnote definitions do not count."""
    text = source_at_everything(without_editorial_text(text))
    found = []
    for block in re.split(r"\n[ \t]*\n", text):
        lines = [line for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        if all(line.lstrip().startswith("|") for line in lines):
            pieces = [line for line in lines[1:] if not _TABLE_RULE_RE.match(line)]  # rows, not the header
        else:
            # A list item or a heading starts a piece of its own (a heading is a piece
            # alone); other lines go on the piece before.
            pieces = []
            for line in lines:
                starts = _LIST_ITEM_RE.match(line) or line.lstrip().startswith("#")
                if not pieces or starts or pieces[-1].lstrip().startswith("#"):
                    pieces.append(line)
                else:
                    pieces[-1] += "\n" + line
        for piece in pieces:
            stripped = piece.strip()
            if stripped.startswith("#") or _FOOTNOTE_DEFINITION_RE.match(stripped) or not _has_words(piece):
                continue
            found.append(Paragraph(_start_of(piece), tuple(cited_ids(piece))))
    return found


def source_at_everything(text):
    """``text`` with every reveal passage kept and the reveal markers taken away."""

    def keep(match):
        return match.group(2)

    return REVEAL_INLINE_RE.sub(keep, REVEAL_BLOCK_RE.sub(keep, text or ""))


def plain_markdown(text):
    """``text`` as plain words: every passage kept, markers, citations and
    Markdown marks taken away, wiki links as their labels (for comparing
    with the source)."""
    text = source_at_everything(without_editorial_markers(text))
    text = _WIKI_LINK_LABEL_RE.sub(lambda match: match.group(1).rpartition("|")[2], text)
    return _WHITESPACE_RE.sub(" ", _MARKDOWN_NOISE_RE.sub("", text)).strip()


def _has_words(piece):
    return bool(re.search(r"[^\W\d_]", _MARKDOWN_NOISE_RE.sub("", _LIST_ITEM_RE.sub("", piece))))


def _start_of(piece, words=8):
    plain = _WIKI_LINK_LABEL_RE.sub(lambda match: match.group(1).rpartition("|")[2], piece)
    plain = _MARKDOWN_NOISE_RE.sub("", _LIST_ITEM_RE.sub("", plain))
    pieces = plain.split()
    return " ".join(pieces[:words]) + (" …" if len(pieces) > words else "")


# Names of pages not met, in text that is not Markdown ------------------------------------


def masked_text(text, resolver, limit):
    """``text`` (plain text, such as a sentence of the source) as safe HTML,
    every name of a page the reader at ``limit`` has not met written over
    with "[not met yet]", as a page's own text does."""
    if limit is None or limit.position is None:
        return mark_safe(html_module.escape(text))
    unmet = resolver.unmet(limit)
    names, pattern = resolver.autolink_names()
    if not unmet or pattern is None:
        return mark_safe(html_module.escape(text))
    pieces, position = [], 0
    for match in pattern.finditer(text):
        if names[match.group(0)].pk in unmet:
            pieces.append(html_module.escape(text[position : match.start()]))
            pieces.append(f'<span class="unmet">{UNMET_TEXT}</span>')
            position = match.end()
    pieces.append(html_module.escape(text[position:]))
    return mark_safe("".join(pieces))


class _RenderState:
    """What one rendering collects while Markdown walks the text."""

    def __init__(self, page_pk, cite_after, resolver, limit=None):
        self.page_pk = page_pk
        # What the text shown before this one on the page cites (its lead, for a
        # body): numbering and anchors go on from there.
        self.cite_after = cite_after
        self.units = sources.current().by_id
        self.marks = []
        self.hidden_passages = {}
        self.withheld = {}
        self.resolver = resolver
        # Pages the reader has not met yet at the limit: their names are not shown.
        self.unmet = (
            resolver.unmet(limit) if limit is not None and limit.position is not None else frozenset()
        )
        self.citations = []
        self.wiki_links = []
        self.links = []
        # Pages linked before this text (earlier rows of its table): not linked automatically.
        self.already_linked = frozenset()
        # Pages this text links to, by wiki link or automatic link.
        self.linked = set()
        # Only the links are wanted (``links_in``), not the HTML.
        self.links_only = False


def _unescape(text):
    """``text`` with Markdown's escape placeholders turned back into their
    characters; None if it holds any other placeholder (code, raw HTML)."""
    text = ESCAPED_CHAR_RE.sub(lambda match: chr(int(match.group(1))), text)
    return None if "\x02" in text else text


class _RenderStateUser:
    """A part of the Markdown pipeline that collects into the rendering under
    way: the state of this thread's Markdown instance (``_markdown``)."""

    @property
    def state(self):
        return self.md.wiki_state


class _WikiLinkProcessor(_RenderStateUser, InlineProcessor):
    def __init__(self, md):
        super().__init__(WIKI_LINK_RE, md)

    def handleMatch(self, m, data):
        inside = _unescape(self.unescape(m.group(1)))
        if inside is None:
            return None, None, None
        target, _, label = inside.partition("|")
        if not normalize_title(target):
            return None, None, None
        link = etree.Element("a")
        link.text = AtomicString(label.strip() or target.strip())
        self.state.wiki_links.append((link, normalize_title(target)))
        return link, m.start(0), m.end(0)


class _CitationProcessor(_RenderStateUser, InlineProcessor):
    """``[^...]`` that no footnote definition claimed: a citation of a unit of
    the source text, or of the source's note N. The mark gets its number once
    the whole text is read (``_CitationNumberer``); a unit the source text does
    not have is shown as an error in the text, where an editor sees it."""

    def __init__(self, md):
        super().__init__(CITATION_RE, md)

    def handleMatch(self, m, data):
        key = m.group(1)
        if key.isdigit():
            if len(key) > NOTE_CITATION_MAX_DIGITS:
                return None, None, None
            key = str(int(key))
        elif key not in self.state.units:
            error = etree.Element("span", {"class": "citation-error"})
            error.text = AtomicString(UNKNOWN_UNIT_TEXT.format(key))
            return error, m.start(0), m.end(0)
        mark = etree.Element("sup", {"class": "reference"})
        etree.SubElement(mark, "a")
        self.state.marks.append((mark, key))
        return mark, m.start(0), m.end(0)


class _CitationNumberer(_RenderStateUser, Treeprocessor):
    """Numbers the citation marks in the order of the text (Markdown's inline
    pass does not visit nested blocks in that order): one number per unit or
    note, from 1 in order of first citation, going on from the text before
    (``cite_after``); each mark gets an anchor of its own for the back-links."""

    def run(self, root):
        if not self.state.marks:
            return
        keys = {id(mark): key for mark, key in self.state.marks}
        numbers = {key: index for index, key in enumerate(dict.fromkeys(self.state.cite_after), start=1)}
        counts = Counter(self.state.cite_after)
        beside = self.beside_hidden_passages(root, keys) if self.state.hidden_passages else {}
        for element in root.iter("sup"):
            key = keys.get(id(element))
            if key is None:
                continue
            if id(element) in beside:
                self.state.withheld[key] = max(self.state.withheld.get(key, 0), beside[id(element)])
            number = numbers.setdefault(key, len(numbers) + 1)
            counts[key] += 1
            self.state.citations.append(key)
            element.set("id", f"cite-ref-{number}-{counts[key]}")
            link = element[0]
            link.set("href", f"#cite-note-{number}")
            link.text = AtomicString(f"[{number}]")

    def beside_hidden_passages(self, root, keys):
        """``{id(mark): position}`` of the marks of a sentence part of which is a
        passage hidden at the limit: the marks after the passage in its block
        (paragraph, list item, cell...) until the sentence ends."""
        hidden = self.state.hidden_passages
        token_re = re.compile("|".join(re.escape(token) for token in hidden))
        found = {}
        for block in root.iter():
            if block.tag not in _CITATION_BLOCK_TAGS:
                continue
            pending, group_open = 0, False
            for piece in _pieces(block, keys):
                if not isinstance(piece, str):
                    if pending:
                        found[id(piece)] = max(found.get(id(piece), 0), pending)
                    group_open = True
                    continue
                position = 0
                for match in [*token_re.finditer(piece), None]:
                    segment = piece[position : match.start() if match else len(piece)]
                    if segment:
                        if (group_open and segment[0].isspace()) or _SENTENCE_BREAK_RE.search(segment):
                            pending = 0
                        group_open = False
                    if match:
                        passage_position, ends_sentence = hidden[match.group(0)]
                        pending = max(pending, passage_position)
                        # A passage that is a whole sentence (or its end) closes it like a citation group.
                        group_open = ends_sentence
                        position = match.end()
        return found


def _pieces(element, marks):
    """The text of ``element`` in reading order: strings, and the citation marks in ``marks``."""
    if element.text:
        yield element.text
    for child in element:
        if id(child) in marks:
            yield child
        elif child.tag not in _CITATION_BLOCK_TAGS:
            yield from _pieces(child, marks)
        if child.tail:
            yield child.tail


# A sentence ends: its closing punctuation, then a space.
_SENTENCE_BREAK_RE = re.compile(r"[.!?][\"'”’)]*\s")
# Between a passage and a citation in Markdown: a sentence ended, a citation group
# ended, or a line did.
_SENTENCE_GAP_RE = re.compile(r"[.!?][\"'”’)]*\s|\[\^[^\]\s]+\]\s|\n")
# A passage's text ends a sentence (perhaps with its citations).
_SENTENCE_CLOSE_RE = re.compile(r"[.!?][\"'”’)]*(?:\[\^[^\]\s]+\])*\s*$")
_CITATION_BLOCK_TAGS = frozenset({"p", "li", "td", "th", "dd", "dt", "h1", "h2", "h3", "h4", "h5", "h6"})


class _LinkTreeprocessor(_RenderStateUser, Treeprocessor):
    def run(self, root):
        linked_by_element = self.resolve_wiki_links()
        for element in root.iter():
            if element.tag == "h1":
                element.tag = "h2"
            elif element.tag in ("td", "th") and "style" in element.attrib:
                align = TEXT_ALIGN_RE.search(element.attrib.pop("style"))
                if align:
                    element.set("class", f"align-{align.group(1)}")
        _AutoLinker(self.md, self.state, linked_by_element).link(root)
        if self.state.links_only:
            raise _LinksFound

    def resolve_wiki_links(self):
        """Give every wiki link its address, with one query for the whole text."""
        if not self.state.wiki_links:
            return {}
        targets = self.state.resolver.resolve(title for _, title in self.state.wiki_links)
        linked = {}
        for element, title in self.state.wiki_links:
            target = targets.get(title.lower())
            if target is None:
                element.set("href", self.state.resolver.new_page_url(title))
                element.set("class", "new")
                element.set("title", f"{title} (page does not exist)")
                self.state.links.append((title, None))
            elif target.pk in self.state.unmet:
                _make_unmet(element)
                self.state.links.append((title, target.pk))
            elif target.pk in self.state.already_linked or target.pk == self.state.page_pk:
                # The page itself, the page a table is on, or one linked in an earlier row: the label alone.
                element.tag = "span"
                element.attrib.clear()
                self.state.links.append((title, target.pk))
            else:
                element.set("href", target.url)
                element.set("title", target.title)
                self.state.links.append((title, target.pk))
                self.state.linked.add(target.pk)
                linked[element] = target.pk
        return linked


UNMET_TEXT = "[not met yet]"


def _make_unmet(element):
    """Turn ``element`` into the stand-in for a name the reader has not met yet."""
    element.tag = "span"
    element.attrib.clear()
    element.set("class", "unmet")
    element.text = AtomicString(UNMET_TEXT)
    for child in list(element):
        element.remove(child)
    return element


def autolink_pattern(names):
    """One regex for every name in ``names``, longest first, as whole words only."""
    if not names:
        return None
    alternatives = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


# A section starts at each of these: the automatic linking starts afresh.
SECTION_HEADING_TAGS = frozenset({"h2", "h3"})


class _AutoLinker:
    """Links the first mention of each known name in the text and in each of
    its sections, walking the text in reading order."""

    def __init__(self, md, state, linked_by_element):
        self.md = md
        self.state = state
        self.linked_by_element = linked_by_element
        # {name: Target} and the pattern that finds them, built once per link generation.
        self.names, self.pattern = state.resolver.autolink_names()
        # A page never links to itself, nor to a page linked in an earlier row
        # of its table; a page already linked earlier in the section (by a
        # wiki link or an automatic link) is not linked again.
        self.unlinked = {state.page_pk, *state.already_linked} - {None}
        self.linked = set(self.unlinked)
        # Pages whose link (or "[not met yet]") the link table has been told of.
        self.recorded = set()
        # Depth inside <a>, <code> or <pre> an editor wrote as raw HTML, which
        # Markdown keeps aside as placeholders in the text.
        self.raw_depth = 0

    def link(self, root):
        if self.pattern is not None:
            self.visit(root)

    def visit(self, element):
        if element.tag in SECTION_HEADING_TAGS:
            self.linked = set(self.unlinked)
        if element.tag in NO_AUTOLINK_TAGS:
            if element in self.linked_by_element:
                self.linked.add(self.linked_by_element[element])
            self.mask_unmet(element)
            return
        if element.text and not isinstance(element.text, AtomicString):
            element.text, links = self.link_text(element.text)
            for index, link in enumerate(links):
                element.insert(index, link)
        for child in list(element):
            self.visit(child)
            if child.tail and not isinstance(child.tail, AtomicString):
                child.tail, links = self.link_text(child.tail)
                position = list(element).index(child) + 1
                for offset, link in enumerate(links):
                    element.insert(position + offset, link)

    def mask_unmet(self, element):
        """Hide the names of pages not met yet in text that is never linked
        (headings, link labels): they are written over, not linked."""
        if not self.state.unmet or self.pattern is None:
            return
        for node in element.iter():
            for attribute in ("text", "tail") if node is not element else ("text",):
                value = getattr(node, attribute)
                if value:
                    masked = self.pattern.sub(
                        lambda match: (
                            UNMET_TEXT
                            if self.names[match.group(0)].pk in self.state.unmet
                            else match.group(0)
                        ),
                        value,
                    )
                    if masked != value:
                        setattr(
                            node,
                            attribute,
                            AtomicString(masked) if isinstance(value, AtomicString) else masked,
                        )

    def link_text(self, text):
        """``text`` with its first mentions linked: the text before the first
        link, and the new links, each carrying the text after it as its tail."""
        before, links = [], []

        def emit(piece):
            if links:
                links[-1].tail = (links[-1].tail or "") + piece
            else:
                before.append(piece)

        for piece in RAW_HTML_PLACEHOLDER_RE.split(text):
            placeholder = HTML_PLACEHOLDER_RE.fullmatch(piece)
            if placeholder:
                self.track_raw_html(int(placeholder.group(1)))
                emit(piece)
                continue
            if self.raw_depth:
                emit(piece)
                continue
            position = 0
            for match in self.pattern.finditer(piece):
                target = self.names[match.group(0)]
                if target.pk in self.state.unmet:
                    # Every mention of a name the reader has not met yet is hidden, not only the first.
                    if target.pk not in self.recorded and target.pk != self.state.page_pk:
                        self.recorded.add(target.pk)
                        self.state.links.append((match.group(0), target.pk))
                    emit(piece[position : match.start()])
                    links.append(_make_unmet(etree.Element("span")))
                    position = match.end()
                    continue
                if target.pk in self.linked:
                    continue
                self.linked.add(target.pk)
                self.state.linked.add(target.pk)
                if target.pk not in self.recorded:
                    self.recorded.add(target.pk)
                    self.state.links.append((match.group(0), target.pk))
                emit(piece[position : match.start()])
                link = etree.Element("a", {"href": target.url, "title": target.title})
                link.text = AtomicString(match.group(0))
                links.append(link)
                position = match.end()
            emit(piece[position:])
        return "".join(before), links

    def track_raw_html(self, index):
        raw = self.md.htmlStash.rawHtmlBlocks[index]
        # A placeholder may stand for one tag (inline HTML) or for a whole
        # block that opens and closes its own tags (a fenced code block).
        for closing in RAW_SKIPPED_TAG_RE.findall(raw if isinstance(raw, str) else ""):
            self.raw_depth = max(0, self.raw_depth - 1) if closing else self.raw_depth + 1


class _WikiExtension(Extension):
    def extendMarkdown(self, md):
        md.wiki_state = None
        # After code spans (190) and backslash escapes (180); before footnotes
        # (175), so that [[...]] is never read as a link; citations after
        # footnotes, so that a defined footnote [^1] stays a footnote.
        md.inlinePatterns.register(_WikiLinkProcessor(md), "wiki_link", 178)
        md.inlinePatterns.register(_CitationProcessor(md), "citation", 174)
        # After inline patterns (20) and footnote numbering (15); before the
        # table of contents (5) reads the headings.
        md.treeprocessors.register(_CitationNumberer(md), "citation_numbers", 13)
        md.treeprocessors.register(_LinkTreeprocessor(md), "wiki_links", 12)


@contextlib.contextmanager
def _markdown(state):
    """This thread's Markdown instance, reset, collecting into ``state``.
    Making one costs about as much as converting a paragraph, so each thread
    keeps one (a Markdown instance converts one text at a time)."""
    md = getattr(_local, "markdown", None)
    if md is None or md.wiki_state is not None:
        md = markdown.Markdown(
            extensions=[*MARKDOWN_EXTENSIONS, _WikiExtension()],
            extension_configs={"footnotes": {"BACKLINK_TITLE": "Back to the text"}},
            output_format="html",
        )
        if getattr(_local, "markdown", None) is None:
            _local.markdown = md
    md.reset()
    md.wiki_state = state
    try:
        yield md
    finally:
        md.wiki_state = None


# Sanitising -------------------------------------------------------------------

# Only http(s) addresses typed as plain text become links.
_LINKIFY_URL_RE = build_url_re(protocols=["http", "https"])


def _mark_external(attrs, new=False):
    href = attrs.get((None, "href"), "")
    if href.lower().startswith(("http://", "https://")):
        attrs[(None, "rel")] = "nofollow"
    return attrs


_local = threading.local()


def _cleaner():
    # A bleach Cleaner keeps parser state between calls: one per thread.
    cleaner = getattr(_local, "cleaner", None)
    if cleaner is None:
        cleaner = _local.cleaner = bleach.Cleaner(
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            protocols=ALLOWED_PROTOCOLS,
            strip=True,
            strip_comments=True,
            filters=[
                partial(
                    LinkifyFilter,
                    callbacks=[_mark_external],
                    skip_tags={"pre", "code"},
                    url_re=_LINKIFY_URL_RE,
                )
            ],
        )
    return cleaner
