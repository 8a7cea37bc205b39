"""The whole wiki at each of the 26 reading limits (not started, every
episode, everything), on the real content: every reader page, index, search,
suggestion and feed is crawled, and no text revealed after the limit may appear
in what a reader sees (text, titles, descriptions, JSON-LD, link titles)."""

import html
import json
import os
import re
import time
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from wiki import markup, reading
from wiki.models import Alias, Category, Page, TitleResolver

# Every test reads the real content, loaded once for the module.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("content_of_the_module")]

# Attribute values a reader sees or a program reads as the page's text.
READABLE_ATTRIBUTES = {"title", "alt", "content", "aria-label", "label", "placeholder", "value"}
INLINE_TAGS = {"a", "abbr", "b", "cite", "code", "em", "i", "q", "s", "small", "span", "strong", "sub", "sup"}


class ReadableText(HTMLParser):
    """The text of a page as readers and programs get it: text nodes (scripts
    included, for JSON-LD) and readable attribute values; not addresses."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.attributes = []
        self.in_citation = False

    def handle_starttag(self, tag, attrs):
        self.attributes.extend(value for name, value in attrs if name in READABLE_ATTRIBUTES and value)
        # Citation marks ("[16]") are not words of the text; passages are compared without them.
        if tag == "sup" and "reference" in (dict(attrs).get("class") or ""):
            self.in_citation = True
        if tag not in INLINE_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag == "sup":
            self.in_citation = False
        if tag not in INLINE_TAGS:
            self.parts.append(" ")

    def handle_data(self, data):
        if not self.in_citation:
            self.parts.append(data)

    @classmethod
    def of(cls, content):
        parser = cls()
        parser.feed(content)
        return " ".join(" ".join(["".join(parser.parts), *parser.attributes]).split())


def plain(markdown_text):
    """A passage's words as a reader would read them, without citation marks."""
    with reading.everything():
        rendering = markup.render(markdown_text, resolver=TitleResolver())
    return rendering.plain


def hidden_facts(position):
    """(what, text) of everything revealed after ``position`` that has words of its own:
    the names of pages not met yet, passages revealed later, and later episodes' summaries."""
    resolver = TitleResolver()
    facts = []
    unmet = Page.objects.filter(revealed_at__gt=position)
    for page in unmet:
        facts.append((f"name of {page.title}", page.title))
    for alias in Alias.objects.filter(page__in=unmet):
        facts.append((f"alias of {alias.page.title}", alias.title))
    for page in Page.objects.all():
        page = page.specific
        text_revealed_at = page.text_revealed_at()
        if text_revealed_at is not None and text_revealed_at > position and page.lead:
            facts.append((f"summary of {page.title}", plain(page.lead)))
        for field in ("lead", "body"):
            for pattern in (markup.REVEAL_BLOCK_RE, markup.REVEAL_INLINE_RE):
                for match in pattern.finditer(getattr(page, field)):
                    if markup._position(match.group(1), resolver) > position:
                        facts.append((f"passage of {page.title} ({match.group(1)})", plain(match.group(2))))
    # Long texts are matched by their first sentence-sized piece, which is enough to tell a leak.
    return [(what, _probe(text)) for what, text in facts if _probe(text)]


def _probe(text):
    text = " ".join(text.split())
    return text[:80] if len(text) >= 12 else text


def reader_urls():
    """Every reader page: each page, its "What links here", every index and category."""
    urls = [
        "/",
        reverse("wiki:index"),
        reverse("wiki:categories"),
        reverse("wiki:reading"),
        reverse("wiki:source"),
    ]
    urls += [
        reverse(name)
        for name in ("characters:index", "characters:cast", "characters:people", "articles:organizations")
    ]
    urls += [reverse("episodes:list"), reverse("wiki:recent_feed")]
    story_views = ("episodes:appearances", "episodes:timeline", "characters:relationships")
    urls += [reverse(name) for name in story_views]
    urls += [category.get_absolute_url() for category in Category.objects.all()]
    for page in Page.objects.order_by("pk"):
        urls.append(page.get_absolute_url())
        urls.append(reverse("wiki:backlinks", kwargs={"pk": page.pk}))
    return urls


def search_urls(facts):
    """A search for the words of every hidden fact, and the search box's
    suggestions for the start of every hidden name (suggestions match names only)."""
    urls = []
    for what, text in facts:
        words = " ".join(text.split()[:3])
        urls.append(f"{reverse('wiki:search')}?q={words}&fulltext=1")
        if what.startswith(("name of", "alias of")):
            urls.append(f"{reverse('wiki:suggest')}?q={text[:4]}")
    return urls


def readable(response, url):
    """What a reader gets from a response. Of a search, only what the wiki
    answers (results, "did you mean", the exact page), not the reader's own words echoed back."""
    content_type = response.headers.get("Content-Type", "")
    body = response.content.decode()
    if "json" in content_type:
        data = json.loads(body)
        return " ".join(json.dumps(data.get("results", data), ensure_ascii=False).split())
    if "xml" in content_type:
        return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())
    if url.startswith(reverse("wiki:search")):
        answers = re.findall(
            # A correction's own words, not the typed words it echoes after them.
            r'<ol class="search-hits".*?</ol>|<p class="search-(?:suggestion|exact)">.*?</p>'
            r'|<p class="search-corrected">Showing results for <b>.*?</b>',
            body,
            re.DOTALL,
        )
        return ReadableText.of(" ".join(answers))
    return ReadableText.of(body)


def crawled_limits():
    """Every other limit below "everything": the first and odd ones on SQLite,
    the others on PostgreSQL, so that each CI run (which runs the suite on both)
    crawls all 25 in CI's time budget. ``READING_LIMITS_CRAWL=all`` crawls all."""
    below_everything = limits()[:-1]
    if os.environ.get("READING_LIMITS_CRAWL") == "all":
        return below_everything
    return below_everything[0 if connection.vendor == "sqlite" else 1 :: 2]


def limits():
    return [point.code for point in reading.Timeline.points()] + [reading.EVERYTHING_CODE]


def test_there_are_26_limits(content):
    assert len(limits()) == 26
    assert limits()[:3] == ["start", "s1e1", "s1e2"]
    assert limits()[-2:] == ["s2e9", "all"]


def test_no_page_shows_anything_revealed_after_the_limit(content):
    client = Client()
    pages_crawled = {}
    hidden_per_limit = {}
    started = time.perf_counter()
    urls = reader_urls()
    for code in crawled_limits():
        limit = reading.parse(code)
        facts = hidden_facts(limit.position)
        hidden_per_limit[code] = len(facts)
        leaks = []
        crawled = 0
        unmet_urls = {page.get_absolute_url() for page in Page.objects.filter(revealed_at__gt=limit.position)}
        for url in urls + search_urls(facts):
            separator = "&" if "?" in url else "?"
            response = client.get(f"{url}{separator}upto={code}")
            crawled += 1
            assert response.status_code in (200, 302, 404), (url, code, response.status_code)
            if response.status_code == 302:
                assert response.headers["Location"].split("?")[0] not in unmet_urls, (url, code)
            if response.status_code != 200:
                continue
            text = readable(response, url)
            leaks += [(url, what) for what, probe in facts if probe in text]
        assert not leaks, f"at {code}: {leaks[:10]}"
        pages_crawled[code] = crawled
    print(
        f"\nReading limits: {sum(pages_crawled.values())} responses crawled at {len(pages_crawled)} limits "
        f"in {time.perf_counter() - started:.0f} s; per limit: {pages_crawled}; "
        f"hidden facts per limit: {hidden_per_limit}"
    )


def test_at_everything_nothing_is_hidden(content):
    client = Client()
    for url in reader_urls():
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert "hidden-passage" not in body, url
        assert markup.UNMET_TEXT not in body, url
        assert "Not met yet" not in body, url


def test_at_everything_every_passage_is_shown_on_its_page(content):
    client = Client()
    shown = 0
    for page in Page.objects.all():
        for field in ("lead", "body"):
            for pattern in (markup.REVEAL_BLOCK_RE, markup.REVEAL_INLINE_RE):
                for match in pattern.finditer(getattr(page, field)):
                    text = ReadableText.of(client.get(page.get_absolute_url()).content.decode())
                    assert _probe(plain(match.group(2))) in text, (page.title, match.group(0)[:80])
                    shown += 1
    assert shown > 0
