"""Markdown to safe HTML: the one function every page's text goes through.

Editors write Markdown; readers get HTML that has been sanitised against an
explicit allow-list, so nothing an editor types can run script in a reader's
browser. Templates never mark anything else safe.

One pipeline, in this order:

1. Python-Markdown (tables, footnotes, fenced code, heading ids, sane lists)
   plus this wiki's own syntax: ``[[Title]]`` / ``[[Title|label]]`` wiki
   links and ``[^N]`` citations of ``Reference`` N. Both are inline patterns,
   so neither is recognised inside code.
2. A tree pass that resolves every wiki link of the text with one query (red
   links lead to the admin's add form), links the first mention of each
   known character, person and organization, turns table alignment into
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
so the page's query count does not grow with the list.
"""

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
MARKUP_VERSION = 3

# [[Title]] or [[Title|label]]. Inside a table the pipe is written \|, which
# reaches this pattern as an escape placeholder; handleMatch splits on it.
WIKI_LINK_RE = r"\[\[([^\[\]\n]+?)\]\]"
RAW_HTML_PLACEHOLDER_RE = re.compile("(\x02wzxhzdk:[0-9]+\x03)")
CITATION_RE = r"\[\^(\d{1,5})\]"
ESCAPED_CHAR_RE = re.compile("\x02([0-9]+)\x03")
TEXT_ALIGN_RE = re.compile(r"text-align:\s*(left|right|center)")
RAW_SKIPPED_TAG_RE = re.compile(r"<(/?)(?:a|code|pre)\b", re.IGNORECASE)
# Automatic links are never made inside these, nor in the text of an existing link.
_CITATION_MARK_RE = re.compile(r"<sup\b[^>]*>.*?</sup>", re.DOTALL)
_WHITESPACE_RE = re.compile(r"\s+")
NO_AUTOLINK_TAGS = frozenset({"a", "code", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "sup"})


@dataclass(frozen=True)
class Rendering:
    """Rendered text, and what the page's References list and link table need from it."""

    html: SafeString
    # Reference numbers in the order the text cites them, once per citation.
    citations: tuple = ()
    # (title as written, page pk or None for a red link) for each wiki and automatic link.
    links: tuple = ()
    # The contents box: each h2 as {"id", "text", "children"}, its h3s as children.
    headings: tuple = ()
    # The text as one line of plain text, without citation marks (descriptions, previews).
    plain: str = ""


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
        cached = _render(text, _pk(page), Counter(cite_after), resolver, field, limit)
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
    batch = resolver.batch(
        title for page in pages for field in stages for title in _written_titles(getattr(page, field))
    )
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
                    getattr(page, field), _pk(page), Counter(cite_after[id(page)]), batch, field, limit
                )
            slot(page)[field] = _rendering(entry)
        cache.set_many(rendered)
    return pages


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
    return (
        f"wiki:markup:{MARKUP_VERSION}:{generation}:{at}:{_pk(page) or '-'}:{version}:{field}:"
        f"{digest.hexdigest()}"
    )


def _rendering(entry):
    html, citations, links, headings, plain = entry
    return Rendering(mark_safe(html), citations, links, headings, plain)


_BACKSLASH_ESCAPE_RE = re.compile(r"\\(.)")


@functools.cache
def _escaped_chars():
    return frozenset(markdown.Markdown(extensions=MARKDOWN_EXTENSIONS).ESCAPED_CHARS)


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


def _render(text, page_pk, cite_counts, resolver, field="text", limit=None):
    state = _RenderState(page_pk=page_pk, cite_counts=cite_counts, resolver=resolver, limit=limit)
    text, notices = _Passages(resolver, field, limit).apply(text)
    md = markdown.Markdown(
        extensions=[*MARKDOWN_EXTENSIONS, _WikiExtension(state)],
        extension_configs={"footnotes": {"BACKLINK_TITLE": "Back to the text"}},
        output_format="html",
    )
    html = notices.insert(_cleaner().clean(md.convert(text)))
    return html, tuple(state.citations), tuple(state.links), _contents(md.toc_tokens), _plain(html)


def _plain(html):
    text = strip_tags(_CITATION_MARK_RE.sub("", html))
    return _WHITESPACE_RE.sub(" ", html_module.unescape(text)).strip()


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
    return {
        _position(match.group(1), resolver)
        for pattern in (REVEAL_BLOCK_RE, REVEAL_INLINE_RE)
        for match in pattern.finditer(text or "")
    }


def source_at(text, resolver, position):
    """``text`` without the passages revealed after ``position`` (None: all are kept),
    and without the reveal markers: what a reader at that point may read."""

    def keep(match):
        shown = position is None or _position(match.group(1), resolver) <= position
        return match.group(2) if shown else ""

    return REVEAL_INLINE_RE.sub(keep, REVEAL_BLOCK_RE.sub(keep, text or ""))


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


class _RenderState:
    """What one rendering collects while Markdown walks the text."""

    def __init__(self, page_pk, cite_counts, resolver, limit=None):
        self.page_pk = page_pk
        self.cite_counts = cite_counts
        self.resolver = resolver
        # Pages the reader has not met yet at the limit: their names are not shown.
        self.unmet = (
            resolver.unmet(limit) if limit is not None and limit.position is not None else frozenset()
        )
        self.citations = []
        self.wiki_links = []
        self.links = []


def _unescape(text):
    """``text`` with Markdown's escape placeholders turned back into their
    characters; None if it holds any other placeholder (code, raw HTML)."""
    text = ESCAPED_CHAR_RE.sub(lambda match: chr(int(match.group(1))), text)
    return None if "\x02" in text else text


class _WikiLinkProcessor(InlineProcessor):
    def __init__(self, md, state):
        super().__init__(WIKI_LINK_RE, md)
        self.state = state

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


class _CitationProcessor(InlineProcessor):
    """``[^N]`` that no footnote definition claimed: a citation of Reference N."""

    def __init__(self, state):
        super().__init__(CITATION_RE)
        self.state = state

    def handleMatch(self, m, data):
        number = int(m.group(1))
        self.state.cite_counts[number] += 1
        self.state.citations.append(number)
        mark = etree.Element("sup", {"class": "reference"})
        mark.set("id", f"cite-ref-{number}-{self.state.cite_counts[number]}")
        link = etree.SubElement(mark, "a", {"href": f"#cite-note-{number}"})
        link.text = AtomicString(f"[{number}]")
        return mark, m.start(0), m.end(0)


class _LinkTreeprocessor(Treeprocessor):
    def __init__(self, md, state):
        super().__init__(md)
        self.state = state

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
            else:
                element.set("href", target.url)
                element.set("title", target.title)
                self.state.links.append((title, target.pk))
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


class _AutoLinker:
    """Links the first mention of each known name, walking the text in reading order."""

    def __init__(self, md, state, linked_by_element):
        self.md = md
        self.state = state
        self.linked_by_element = linked_by_element
        # {name: Target} and the pattern that finds them, built once per link generation.
        self.names, self.pattern = state.resolver.autolink_names()
        # A page never links to itself; a page already linked by a wiki link
        # earlier in the text is not linked again.
        self.linked = {state.page_pk} if state.page_pk else set()
        # Depth inside <a>, <code> or <pre> an editor wrote as raw HTML, which
        # Markdown keeps aside as placeholders in the text.
        self.raw_depth = 0

    def link(self, root):
        if self.pattern is not None:
            self.visit(root)

    def visit(self, element):
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
                    if target.pk not in self.linked:
                        self.linked.add(target.pk)
                        self.state.links.append((match.group(0), target.pk))
                    emit(piece[position : match.start()])
                    links.append(_make_unmet(etree.Element("span")))
                    position = match.end()
                    continue
                if target.pk in self.linked:
                    continue
                self.linked.add(target.pk)
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
    def __init__(self, state):
        super().__init__()
        self.state = state

    def extendMarkdown(self, md):
        # After code spans (190) and backslash escapes (180); before footnotes
        # (175), so that [[...]] is never read as a link; citations after
        # footnotes, so that a defined footnote [^1] stays a footnote.
        md.inlinePatterns.register(_WikiLinkProcessor(md, self.state), "wiki_link", 178)
        md.inlinePatterns.register(_CitationProcessor(self.state), "citation", 174)
        # After inline patterns (20) and footnote numbering (15); before the
        # table of contents (5) reads the headings.
        md.treeprocessors.register(_LinkTreeprocessor(md, self.state), "wiki_links", 12)


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
