"""Every reader page costs the same number of queries whatever the size of the
wiki, starting from an empty cache: a wiki of one of everything and one a
hundred times larger, whose texts are full of wiki links and citations (each
text rendered on its own would cost a query for its links)."""

import datetime
import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from characters.models import Character, CharacterRelationship, Language, Role, VoiceCredit
from episodes.models import Appearance, Episode, StaffCredit, WorkCompany
from episodes.models import Role as StaffRole
from tests.factories import (
    AliasFactory,
    ArticleFactory,
    CategoryFactory,
    CharacterFactory,
    EpisodeFactory,
    OrganizationFactory,
    PersonFactory,
    SeasonFactory,
    UserFactory,
    WorkFactory,
)
from wiki import markup, reading
from wiki.models import Page, Reference, Revision, TitleResolver

# Every test: the database must be set up even when only the measuring tests run.
pytestmark = pytest.mark.django_db

SMALL, LARGE = 1, 100

READER_PAGES = (
    "home",
    "work",
    "episode list",
    "season",
    "episode",
    "character",
    "characters index",
    "cast",
    "person",
    "people index",
    "organization",
    "organizations index",
    "article",
    "articles index",
    "category",
    "categories index",
    "backlinks",
    "history",
    "recent changes",
    "search results",
    "search without results",
)


def build_wiki(n):
    """A wiki with ``n`` of everything a reader page lists, and the URL of each
    kind of reader page. Every lead and body has wiki links (blue, red and
    through aliases) and citations."""
    Reference.objects.bulk_create(
        Reference(number=number, title=f"Source {number}", url=f"https://example.com/{number}")
        for number in (1, 2, 3)
    )
    seasons_count = 1 + n // 25
    work = WorkFactory(
        title="Hero Mask",
        slug=settings.WIKI_HOME_PAGE[1],
        lead="An anime about the agent [[James Blood]] of the [[SSC]].[^1]",
        body="## Plot\n\nIt follows [[Hero Mask season 1|the first season]] and [[Unwritten plot]].[^2]",
    )
    seasons = [
        SeasonFactory(
            work=work,
            number=number,
            title=f"Hero Mask season {number}",
            lead=f"Season {number} of [[Hero Mask]], the agent series.[^1]",
            body="See [[Episode list|the episodes]].[^3]",
        )
        for number in range(1, seasons_count + 1)
    ]
    ssc = OrganizationFactory(
        title="Special Services Command",
        lead="The police division of the agent [[James Blood]].[^1]",
        body="Its [[Division 1|first division]] and [[Missing division]].[^2]",
    )
    AliasFactory(title="SSC", page=ssc)
    james = CharacterFactory(
        title="James Blood",
        role=Role.MAIN,
        lead="An agent of the [[Special Services Command]], voiced by [[Greg Chun]].[^1][^2]",
        body="\n\n".join(f"He works with [[Character {i}]].[^{1 + i % 3}]" for i in range(n)),
    )
    greg = PersonFactory(
        title="Greg Chun", lead="Voice of the agent [[James Blood]].[^2]", body="[[Hero Mask]][^3]"
    )
    heroes = CategoryFactory(name="Heroes", description="The [[James Blood|heroes]] of [[Hero Mask]].")
    categories = [heroes, *(CategoryFactory(name=f"Category {i}") for i in range(n))]
    characters, persons, episodes, divisions, articles = [], [], [], [], []
    for i in range(n):
        season = seasons[i % seasons_count]
        characters.append(
            CharacterFactory(
                title=f"Character {i}",
                lead=(
                    f"An agent, rival of [[Character {i + 1}]] and [[Ghost {i}]], "
                    "voiced by [[Greg Chun]].[^1]"
                ),
                body=f"First seen in [[Episode {i}]].[^2]",
            )
        )
        persons.append(PersonFactory(title=f"Person {i}", lead=f"Voice of [[James Blood]] ({i}).[^3]"))
        episodes.append(
            EpisodeFactory(
                season=season,
                number=i + 1,
                number_overall=i + 1,
                title=f"Episode {i}",
                release_date=datetime.date(2018, 12, 3) + datetime.timedelta(days=i),
                lead=(
                    f"[[James Blood]] meets [[Character {i}|a stranger]] at the [[SSC]] in "
                    f"[[{season.title}]]; [[Lost episode {i}]] is not written yet.[^1][^2]"
                ),
                body=f"## Story\n\nAfter [[Episode {max(i - 1, 0)}]], [[Greg Chun]] returns.[^3]",
            )
        )
        divisions.append(
            OrganizationFactory(
                title=f"Division {i}", parent=ssc, lead=f"A part of the [[SSC]] ([[Character {i}]]).[^1]"
            )
        )
        articles.append(
            ArticleFactory(
                title=f"Article {i}", lead=f"About [[Episode {i}]] and [[Nowhere {i}]].[^2]", body="[^1]"
            )
        )
        AliasFactory(title=f"Alias of character {i}", page=characters[-1])
    bio_mask = ArticleFactory(
        title="Bio-mask",
        lead="A mask that the agent [[James Blood]] wears.[^1]",
        body="\n\n".join(f"Worn in [[Episode {i}]] by [[Alias of character {i}]].[^2]" for i in range(n)),
    )
    Appearance.objects.bulk_create(
        [Appearance(episode=episode, character=james) for episode in episodes]
        + [Appearance(episode=episodes[0], character=character) for character in characters[1:]]
    )
    VoiceCredit.objects.bulk_create(
        [VoiceCredit(character=james, person=person, language=Language.JAPANESE) for person in persons]
        + [VoiceCredit(character=c, person=greg, language=Language.ENGLISH) for c in characters]
    )
    StaffCredit.objects.bulk_create(
        StaffCredit(work=work, person=greg, role=role) for role in list(StaffRole)[: min(n, 7)]
    )
    WorkCompany.objects.bulk_create(
        WorkCompany(work=work, organization=ssc, role=role) for role in list(WorkCompany.Role)[: min(n, 8)]
    )
    CharacterRelationship.objects.bulk_create(
        CharacterRelationship(character=james, related_character=character, description="colleague")
        for character in characters
    )
    Character.affiliations.through.objects.bulk_create(
        Character.affiliations.through(character_id=character.pk, organization_id=ssc.pk)
        for character in [james, *characters]
    )
    Page.categories.through.objects.bulk_create(
        [
            Page.categories.through(page_id=page.pk, category_id=category.pk)
            for page in (work, james, episodes[0], bio_mask)
            for category in categories
        ]
        + [
            Page.categories.through(page_id=page.pk, category_id=heroes.pk)
            for page in (*characters, *episodes[1:], *persons, *articles)
        ]
    )
    user = UserFactory()
    Revision.objects.bulk_create(
        # After the revision its creation recorded.
        Revision(page=james, number=number, user=user, summary=f"Edit {number}", title=james.title)
        for number in range(2, n + 2)
    )
    return {
        "home": "/",
        "work": work.get_absolute_url(),
        "episode list": reverse("episodes:list"),
        "season": seasons[0].get_absolute_url(),
        "episode": episodes[0].get_absolute_url(),
        "character": james.get_absolute_url(),
        "characters index": reverse("characters:index"),
        "cast": reverse("characters:cast"),
        "person": greg.get_absolute_url(),
        "people index": reverse("characters:people"),
        "organization": ssc.get_absolute_url(),
        "organizations index": reverse("articles:organizations"),
        "article": bio_mask.get_absolute_url(),
        "articles index": reverse("wiki:index"),
        "category": heroes.get_absolute_url(),
        "categories index": reverse("wiki:categories"),
        "backlinks": reverse("wiki:backlinks", args=[james.pk]),
        "history": reverse("wiki:history", args=[james.pk]),
        "recent changes": reverse("wiki:recent"),
        # More results than the spelling suggestions need at either size; none at all.
        "search results": f"{reverse('wiki:search')}?q=agent&fulltext=1",
        "search without results": f"{reverse('wiki:search')}?q=zebra&fulltext=1",
    }


def count_queries(client, url):
    """(queries, response) of one GET that really renders the page: a page from
    the whole-page cache would hide every query of rendering."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    assert response.headers.get("X-Page-Cache") != "hit", url
    return len(queries), response


def measure(n):
    """``{page kind: (cold queries, warm queries)}`` for a wiki of size ``n``, and
    the HTML of the home page, built and measured in a transaction rolled back
    afterwards."""
    client = Client()
    counts = {}
    with transaction.atomic():
        urls = build_wiki(n)
        home = ""
        for name in READER_PAGES:
            url = urls[name]
            cache.clear()
            cold, response = count_queries(client, url)
            if name == "home":
                home = response.content.decode()
            # A new address, so that a whole-page cache (if one is on) cannot answer.
            warm, _ = count_queries(client, f"{url}{'&' if '?' in url else '?'}again=1")
            counts[name] = (cold, warm)
        transaction.set_rollback(True)
    cache.clear()
    return counts, home


@pytest.fixture(scope="module")
def measured(django_db_setup, django_db_blocker):
    """Query counts of every reader page for the small and the large wiki.
    Both wikis are built once for the whole module: each takes seconds."""
    with django_db_blocker.unblock():
        small, _ = measure(SMALL)
        large, home = measure(LARGE)
    return {"small": small, "large": large, "large home": home}


@pytest.mark.parametrize("name", READER_PAGES)
def test_reader_page_query_count_does_not_grow_with_the_wiki(measured, name):
    (small_cold, small_warm), (large_cold, large_warm) = measured["small"][name], measured["large"][name]
    assert large_cold == small_cold, (
        f"{name}: {small_cold} queries with an empty cache at {SMALL}x, {large_cold} at {LARGE}x "
        f"(warm: {small_warm} / {large_warm})"
    )
    assert large_warm == small_warm, (
        f"{name}: warm cache {small_warm} queries at {SMALL}x, {large_warm} at {LARGE}x"
    )
    assert large_warm <= large_cold, f"{name}: warm {large_warm} > cold {large_cold}"


def test_large_home_page_links_every_episode_summary(measured):
    """The batch rendering the counts rely on still resolves each summary's own links."""
    html = measured["large home"]
    for i in (0, 57, LARGE - 1):
        assert f'<a href="/characters/character-{i}/" title="Character {i}">a stranger</a>' in html
        assert f'title="Lost episode {i} (page does not exist)"' in html
    # A page is linked in the first row of each episode table that names it; later rows show the label.
    tables = re.findall(r"<table[^>]*episode-table.*?</table>", html, re.DOTALL)
    assert tables
    for table in tables:
        assert table.count('title="Special Services Command">SSC</a>') == 1
    assert sum(table.count("<span>SSC</span>") for table in tables) >= LARGE - len(tables)


# The batch pipeline gives exactly what rendering one text at a time gives ------


def render_lead(page, resolver=None):
    return markup.render(page.lead, resolver=resolver or TitleResolver(), page=page, field="lead")


def render_body(page, lead, resolver=None):
    resolver = resolver or TitleResolver()
    return markup.render(page.body, resolver=resolver, page=page, field="body", cite_after=lead.citations)


def prerender(pages, fields=("lead",), resolver=None):
    return markup.prerender(
        pages, resolver or TitleResolver(), fields, slot=lambda page: page.renderings_at(reading.EVERYTHING)
    )


@pytest.fixture
def linked_pages(db):
    season = SeasonFactory(title="Season Ä", lead="The season.")
    ArticleFactory(title="Ämter", lead="A page whose title starts with a non-ASCII capital.")
    james = CharacterFactory(title="James Blood", lead="An agent.")
    AliasFactory(title="Eddy", page=james)
    texts = [
        ("[[James Blood]] and [[james blood|James]] meet [[Eddy]].[^1] James Blood again.", "Body [^1][^2]"),
        ("A table:\n\n| Who | Where |\n|---|---|\n| [[James Blood\\|J.]] | [[Nowhere]] |\n", "[^2]"),
        ("Code `[[Not a link]]` and [[Foo\\_bar]] and [[Ämter]] and [[ämter]].", "[[Season Ä]][^3]"),
        ("Only [[ämter]], lower case.[^note]\n\n[^note]: A footnote.", ""),
        ("[[a\\]b]] is escaped; [[Episode list]] is red.", "Plain body."),
        ("", "A body without a lead, citing [^1]."),
    ]
    return [
        EpisodeFactory(
            season=season, number=number, number_overall=number, title=f"E{number}", lead=lead, body=body
        )
        for number, (lead, body) in enumerate(texts, start=1)
    ]


def test_prerender_gives_each_page_what_rendering_it_alone_gives(linked_pages):
    expected = []
    for page in linked_pages:
        lead = render_lead(page)
        expected.append((lead, render_body(page, lead)))
    cache.clear()
    pages = prerender(Episode.objects.filter(pk__in=[page.pk for page in linked_pages]), ("lead", "body"))
    by_pk = {page.pk: page for page in pages}
    for page, (lead, body) in zip(linked_pages, expected, strict=True):
        batch = by_pk[page.pk]
        assert batch.rendered_lead == lead
        assert batch.rendered_body == body
        assert batch.lead_html == lead.html


def test_prerender_renders_the_real_content_as_rendering_page_by_page(content):
    expected = {}
    for page in Page.objects.all():
        lead = render_lead(page)
        expected[page.pk] = (lead, render_body(page, lead))
    cache.clear()
    pages = prerender(Page.objects.all(), ("lead", "body"))
    assert len(pages) == len(expected) > 50
    for page in pages:
        assert (page.rendered_lead, page.rendered_body) == expected[page.pk], page.title


def test_prerender_resolves_the_links_of_every_text_with_one_query(linked_pages, django_assert_num_queries):
    pages = list(Episode.objects.filter(pk__in=[page.pk for page in linked_pages]))
    resolver = TitleResolver()
    resolver.autolink_names()
    # One query for the links; the escaped [[a\]b]] is not seen in the source, so costs one more.
    with django_assert_num_queries(2):
        prerender(pages, ("lead", "body"), resolver)
    with django_assert_num_queries(0):
        for page in pages:
            assert page.lead_html == render_lead(page, resolver).html


def test_prerender_uses_the_cache_that_rendering_one_page_fills(linked_pages, django_assert_num_queries):
    resolver = TitleResolver()
    for page in linked_pages:
        render_lead(page, resolver)
    pages = list(Episode.objects.filter(pk__in=[page.pk for page in linked_pages]))
    with django_assert_num_queries(0):
        prerender(pages, resolver=resolver)
    assert [page.lead_html for page in pages] == [render_lead(page).html for page in linked_pages]
