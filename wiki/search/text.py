"""Search text: queries made safe, Markdown reduced to words, and snippets
with the searched words highlighted."""

import re
import unicodedata
from dataclasses import dataclass

from django.utils.safestring import mark_safe

MAX_QUERY_LENGTH = 200
MAX_TERMS = 10
MAX_TERM_LENGTH = 60
SNIPPET_LENGTH = 220

# A word, as searches and spelling suggestions see it: letters and digits.
WORD = re.compile(r"[^\W_]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")

# Markdown and wiki-link syntax, reduced to the words a reader sees: wiki
# links and citations (``[^3]``) in one pass, Markdown links in another, then
# tags, table rules and emphasis, heading and list marks.
_WIKI_LINK_OR_CITATION = re.compile(r"\[\[([^\[\]|]*)(?:\|([^\[\]]*))?\]\]|\[\^[^\]\s]*\]:?")
_MARKDOWN_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MARKUP = re.compile(r"<[^>]*>|:?-{3,}:?|[*_`~#>|]+|^\s*[-+]\s+", re.MULTILINE)
_SPACE = re.compile(r"\s+")
# In the index, the title a wiki link written under another label links to
# stands before the label between these marks: searches find it, snippets
# leave it out. Both databases' tokenizers read the marks as spaces.
TARGET_OPEN, TARGET_CLOSE = "\u27e6", "\u27e7"
_MARKED_TARGET = re.compile(f"{TARGET_OPEN}[^{TARGET_OPEN}{TARGET_CLOSE}]*{TARGET_CLOSE} ?")
_TARGET_MARKS = re.compile(f"[{TARGET_OPEN}{TARGET_CLOSE}]")


def plain_text(markdown, keep_link_targets=False):
    """Markdown as a reader sees it: ``[[A|b]]`` becomes ``b``, ``[^3]`` goes,
    emphasis, headings, tables and HTML tags are reduced to their words.

    With ``keep_link_targets`` a piped wiki link keeps its target too,
    marked (``⟦A⟧ b``), which is what the index stores, so a page is found
    by the titles it links to; ``readable`` takes the targets out again."""

    def wiki_link(match):
        target, label = match.group(1), match.group(2)
        if target is None:
            return ""
        if label is None:
            return target
        return f"{TARGET_OPEN}{target}{TARGET_CLOSE} {label}" if keep_link_targets else label

    text = markdown or ""
    if keep_link_targets:
        text = _TARGET_MARKS.sub(" ", text)
    text = _WIKI_LINK_OR_CITATION.sub(wiki_link, text)
    text = _MARKDOWN_LINK.sub(r"\1", text)
    text = _MARKUP.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


# Words that carry no subject of their own: a question's frame ("who voices
# ...", "the studio of ..."). A page need not have them to match, unless the
# query has no other word.
STOP_WORDS = frozenset(
    WORD.findall(
        "a about an and are as at be by did do does for from had has have he her his how i in is it its "
        "of on or she that the their them they this to was were what when where which who whom whose why "
        "will with"
    )
)


@dataclass(frozen=True)
class Query:
    """A search as typed, made safe: at most ``MAX_QUERY_LENGTH`` characters
    without control characters (``text``), and the plain words in it
    (``terms``, lower case, at most ``MAX_TERMS``)."""

    text: str
    terms: tuple
    truncated: bool = False

    @property
    def keywords(self):
        """The words a page must have to match: ``terms`` without the stop
        words, or all of them if every one is a stop word ("the who")."""
        keywords = tuple(term for term in self.terms if term not in STOP_WORDS)
        return keywords or self.terms

    @classmethod
    def parse(cls, raw):
        text = unicodedata.normalize("NFKC", str(raw or ""))
        text = _CONTROL.sub(" ", text)
        truncated = len(text) > MAX_QUERY_LENGTH
        text = _SPACE.sub(" ", text[:MAX_QUERY_LENGTH]).strip()
        words = (word[:MAX_TERM_LENGTH] for word in WORD.findall(text.lower()))
        terms = tuple(dict.fromkeys(words))[:MAX_TERMS]
        return cls(text=text, terms=terms, truncated=truncated)


# What django.utils.html.escape replaces, as a table for str.translate
# (escape() itself costs more than the rest of a snippet when called per word).
_HTML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"})


def highlight(text, terms, length=SNIPPET_LENGTH):
    """An escaped extract of ``text`` around the first word that starts with
    one of ``terms``, with every such word wrapped in ``<mark>``.

    The text is cut into matches and the rest, and each piece is escaped on
    its own, so nothing in the page's text can become markup."""
    words = _highlight_pattern(terms)
    first = words.search(text) if words else None
    start = 0
    if first and first.start() > length // 3:
        boundary = first.start() - length // 3
        space = text.find(" ", boundary, first.start())
        start = space + 1 if space != -1 else boundary
    end = min(start + length, len(text))
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start + length // 2 else end
    extract = text[start:end]
    pieces = []
    position = 0
    for match in words.finditer(extract) if words else ():
        pieces.append(extract[position : match.start()].translate(_HTML_ESCAPES))
        pieces.append(f"<mark>{match.group().translate(_HTML_ESCAPES)}</mark>")
        position = match.end()
    pieces.append(extract[position:].translate(_HTML_ESCAPES))
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return mark_safe(prefix + "".join(pieces) + suffix)


def _highlight_pattern(terms):
    if not terms:
        return None
    alternatives = "|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True))
    return re.compile(rf"(?<![^\W_])(?:{alternatives})[^\W_]*", re.IGNORECASE)


def readable(indexed):
    """Text as the index stores it (``plain_text(..., keep_link_targets=True)``)
    as the reader reads it: without the titles links were written to."""
    return _TARGET_MARKS.sub("", _MARKED_TARGET.sub("", indexed))


def snippet(lead, body, terms):
    """The snippet of a result: its lead and body as the reader may read them
    (from the page's index row at the reader's level) around the first
    match, highlighted."""
    return highlight(readable(f"{lead} {body}").strip(), terms)
