"""What search engines, link previews and feed readers read about a page: its
description, canonical address, Open Graph type and schema.org structured data
(JSON-LD); and the escaping of each context outside HTML text that an
editor's words reach.

The head of every page is filled from here (``templates/includes/seo.html``
through the ``seo`` template tags). Each page kind describes itself
(``Page.open_graph_type``, ``Page.structured_data``); this module holds what
they share. Structured data is built from the objects the page's view already loaded.

One helper per output context, used wherever text reaches it:

* an HTML attribute (``<meta content>``, ``<link href>``): ``attribute_text``
  (template filter ``attribute_text``), from plain text, never from HTML;
* JSON-LD in ``<script>``: ``json_ld_script``;
* XML (the Atom feed, the sitemap): ``xml_text`` for text, and Django's
  feed and sitemap frameworks, which escape what they write;
* an address: ``django.utils.encoding.iri_to_uri`` (as ``build_absolute_uri``
  and redirects use it).

Editor-written Markdown reaches these contexts only as the plain text the one
markup pipeline derives from it (``markdown_text``).
"""

import copy
import functools
import json
import re

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeData, mark_safe

from wiki import markup
from wiki.models import Generation, Page, TitleResolver

SCHEMA_CONTEXT = "https://schema.org"
DESCRIPTION_LENGTH = 160

# JSON inside <script> must not contain "</script>" or "<!--"; escaping <, >
# and & as JSON unicode escapes keeps the data identical for a JSON parser.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}
# Characters an attribute of a head tag has no use for: controls, and line breaks.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
_SPACES = re.compile(r"\s+")
# Characters XML 1.0 does not allow (Django's feed writer refuses the controls among them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def plain_text(page):
    """The page's lead as one line of plain text, without citation markers."""
    return page.rendered_lead.plain


def description(page):
    """A meta description: the start of the lead, cut at a word boundary."""
    return summary(plain_text(page))


def summary(text):
    """The start of ``text`` (plain text) for a meta description, cut at a word boundary."""
    if len(text) <= DESCRIPTION_LENGTH:
        return text
    cut = text[:DESCRIPTION_LENGTH].rsplit(" ", 1)[0].rstrip(",;:–—-")
    return f"{cut}…"


def markdown_text(text):
    """Editor-written Markdown that is not a page's text (a category's
    description) as one line of plain text, by the one markup pipeline."""
    return markup.render(text, resolver=TitleResolver()).plain


def attribute_text(text):
    """Plain ``text`` escaped for the value of an HTML attribute, on one line,
    without control characters. Refuses HTML (a safe string): its escaping
    was for text, and markup has no meaning in an attribute."""
    if isinstance(text, SafeData):
        raise TypeError("attribute_text() takes plain text, not HTML; derive the text first.")
    return escape(_SPACES.sub(" ", _CONTROL.sub(" ", str(text))).strip())


def xml_text(text):
    """``text`` without the characters XML 1.0 cannot carry (Django's feed
    and sitemap frameworks escape the rest)."""
    return _NOT_XML.sub("", str(text))


def json_ld_script(data):
    """``data`` as a ``<script type="application/ld+json">`` element that no
    text inside it can close early."""
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))


class StructuredData:
    """Builds schema.org objects for one request, so URLs come out absolute."""

    def __init__(self, request):
        self.request = request

    def url(self, path):
        return self.request.build_absolute_uri(path)

    def page_url(self, page):
        return self.url(page.canonical_url)

    def reference(self, schema_type, page, **extra):
        """A short mention of another page: its type, name and address."""
        return {"@type": schema_type, "name": page.title, "url": self.page_url(page), **extra}

    def about(self, page, schema_type):
        """The item a page is about: its type, name, address and description."""
        data = {"@context": SCHEMA_CONTEXT, "@type": schema_type, "name": page.title}
        data["url"] = self.page_url(page)
        text = plain_text(page)
        if text:
            data["description"] = text
        return data

    def home_page(self):
        """The page at ``/`` as its own kind (the series, for a character), or
        None. Every character's page names it: read once per process and change."""
        kind, slug = settings.WIKI_HOME_PAGE
        return copy.copy(_home_page(kind, slug, Generation.objects.current().content))

    def for_page(self, page):
        """The structured data items of ``page`` (a specific page-kind instance)."""
        items = page.structured_data(self)
        if page.is_home_page:
            items.append(self.website())
        return items

    @staticmethod
    def unique(references):
        """``references`` without repeats, in their first order."""
        seen, unique = set(), []
        for reference in references:
            if reference["url"] not in seen:
                seen.add(reference["url"])
                unique.append(reference)
        return unique

    def website(self):
        search = self.url(reverse("wiki:search"))
        return {
            "@context": SCHEMA_CONTEXT,
            "@type": "WebSite",
            "name": settings.WIKI_SITE_NAME,
            "url": self.url("/"),
            "potentialAction": {
                "@type": "SearchAction",
                "target": {"@type": "EntryPoint", "urlTemplate": f"{search}?q={{search_term_string}}"},
                "query-input": "required name=search_term_string",
            },
        }


@functools.lru_cache(maxsize=2)
def _home_page(kind, slug, content_generation):
    # Named and linked, never shown: its text is left unread.
    return Page.model_for_kind(kind).objects.as_links().filter(slug=slug).order_by("pk").first()


def page_of_request(context):
    """The page a template is showing as its own page, or None on list,
    history and search pages (whose context may also hold a page)."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    if match is None:
        return None
    for key in ("object", "page"):
        candidate = context.get(key)
        if isinstance(candidate, Page) and (
            match.view_name == f"pages:{candidate.kind}" or request.path == "/"
        ):
            return candidate
    return None
