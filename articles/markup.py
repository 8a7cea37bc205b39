"""Markdown to safe HTML: the one function every page's text goes through.

Editors write Markdown; readers get HTML that has been sanitised against an
explicit allow-list, so nothing an editor types can run script in a reader's
browser. Templates never mark anything else safe.
"""

import bleach
import markdown
from bleach.linkifier import LinkifyFilter
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
        "h2", "h3", "h4", "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "s", "span", "strong",
        "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
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
    "td": ["colspan", "rowspan", "align"],
    "th": ["colspan", "rowspan", "align", "scope"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})

MARKDOWN_EXTENSIONS = ["tables", "footnotes", "fenced_code", "toc", "sane_lists"]

_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[LinkifyFilter],
)


def render_markdown(text: str) -> SafeString:
    """Render editor-written Markdown to sanitised HTML."""
    if not text:
        return mark_safe("")
    html = markdown.markdown(text, extensions=MARKDOWN_EXTENSIONS, output_format="html")
    return mark_safe(_cleaner.clean(html))
