"""The real fixtures know when the story reveals each fact (the rule in the
README, "Reading limits and spoilers"), and the pages keep what is revealed
later away from a reader who has not watched that far."""

import json
import re

import pytest
from django.urls import reverse

from articles.models import Organization
from characters.models import Character, CharacterRelationship, Membership
from episodes.models import Appearance, Episode, Season, Work
from tests.conftest import FIXTURES
from wiki import markup, reading
from wiki.models import Category, Page, TitleResolver

# Every test reads the real content, loaded once for the module.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("content_of_the_module")]

# Every limit a reader can set, in story order: not started, the 24 episodes, everything.
LIMITS = ["start", *(f"s1e{n}" for n in range(1, 16)), *(f"s2e{n}" for n in range(1, 10)), "all"]
HIDDEN_NOTE = "hidden at your reading limit"
# "the King", Gary Evans's name in the season 2 plot; "United Kingdom" is a release region.
KING = re.compile(r"(?<!United )\bKing\b")

# When the reader first meets each character (an episode's number across the series, None: the premise).
FIRST_MET = {
    "James Blood": None,
    "Sarah Sinclair": None,
    "Monica Campbell": 1,
    "Harry Creighton": 3,
    "Edmond Chandler": 4,
    "Grimm": 4,
    "Theo Herst": 5,
    "Steven Martland": 7,
    "Geffrey Connor": 8,
    "Anna Winehouse": 9,
    "Robert Walter": 12,
    "Fred": 13,
    "Richard Burner": 15,
    "William Herst": 16,
    "Douglas Coates": 16,
    "Tina Herst": 17,
    "Wyatt": 17,
    "Gary Evans": 23,
    "Lennox Gallagher": None,
    "Jasper": None,
}
ROLES = {
    "James Blood": "main",
    "Sarah Sinclair": "main",
    "Geffrey Connor": "supporting",
    "Monica Campbell": "supporting",
    "Steven Martland": "antagonist",
    "Harry Creighton": "antagonist",
    "Lennox Gallagher": "minor",
    "Edmond Chandler": "minor",
}


def before(code):
    """The limits a reader can set before ``code``."""
    return LIMITS[: LIMITS.index(code)]


def from_(code):
    """``code`` and every limit after it."""
    return LIMITS[LIMITS.index(code) :]


def read(client, url, code):
    response = client.get(url, {"upto": code})
    assert response.status_code == 200, (url, code)
    return response.content.decode()


def character_url(title):
    return Character.objects.get(title=title).get_absolute_url()


def fixture_texts():
    """(page title, field, Markdown) of every page in the fixture files, read as files."""
    for path in FIXTURES:
        with open(path, encoding="utf-8") as fixture:
            rows = json.load(fixture)
        for row in rows:
            if row["model"] == "wiki.page":
                for field in ("lead", "body"):
                    yield row["fields"]["title"], field, row["fields"][field]


# The annotations


def test_every_reveal_marker_names_an_episode_of_the_timeline(content):
    codes = set(reading.Timeline.by_code()) - {reading.START_CODE}
    assert len(codes) == 24
    passages = 0
    for title, field, text in fixture_texts():
        blocks = list(markup.REVEAL_BLOCK_RE.finditer(text))
        inline = list(markup.REVEAL_INLINE_RE.finditer(markup.REVEAL_BLOCK_RE.sub("", text)))
        inline += [m for block in blocks for m in markup.REVEAL_INLINE_RE.finditer(block.group(2))]
        # A marker the patterns do not read as a passage would be shown to every reader as text.
        assert text.count("{{reveal") == len(blocks) + len(inline), (title, field)
        assert text.count("{{/reveal}}") == len(blocks), (title, field)
        for match in blocks + inline:
            assert match.group(1) in codes, (title, field, match.group(1))
        passages += len(blocks) + len(inline)
    assert passages > 100


def test_characters_are_first_met_where_the_source_first_names_them(content):
    assert dict(Character.objects.values_list("title", "revealed_at")) == FIRST_MET


def test_no_character_appears_before_the_reader_has_met_them(content):
    for character in Character.objects.all():
        episodes = Appearance.objects.filter(character=character).values_list(
            "episode__number_overall", flat=True
        )
        if episodes:
            first = min(episodes)
            assert character.revealed_at is None or character.revealed_at <= first, character.title
    # Only the premise's two leads appear in episodes and are met before the first one.
    assert set(
        Character.objects.filter(revealed_at__isnull=True, appearances__isnull=False).values_list(
            "title", flat=True
        )
    ) == {"James Blood", "Sarah Sinclair"}


def test_story_organizations_and_articles_are_first_met_where_the_source_names_them(content):
    assert Organization.objects.get(title="LIVE Corporation").revealed_at == 3
    assert Page.objects.get(title="Herst").revealed_at == 5
    for title in ("Special Services Command", "Bio-mask", "Public prosecutor's office", "Gallagher"):
        assert Page.objects.get(title=title).revealed_at is None, title
    # What is not part of the story is never hidden.
    real = Page.objects.filter(kind__in=["person", "work", "season", "episode"])
    assert real.count() == 13 + 2 + 2 + 24
    assert not real.filter(revealed_at__isnull=False).exists()
    assert not Organization.objects.filter(sphere="real", revealed_at__isnull=False).exists()


def test_no_page_tells_a_later_episode_outside_its_passages(content):
    """Before a page's own "first met in", the page is hidden; from it on, the
    text a reader sees names no later episode."""
    resolver = TitleResolver()
    positions = {episode.title: episode.number_overall for episode in Episode.objects.all()}
    for page in Page.objects.exclude(kind="episode"):
        met = page.revealed_at or 0
        for field in ("lead", "body"):
            visible = markup.source_at(getattr(page, field), resolver, met)
            for title in re.findall(r"\[\[(Season \d, Episode \d+)", visible):
                assert positions[title] <= met, (page.title, field, title)


def test_memberships_and_relationships_hold_from_and_to_the_episodes_that_tell_them(content):
    memberships = {
        (m.character.title, m.organization.title): (m.revealed_at, m.ended_at)
        for m in Membership.objects.select_related("character", "organization")
    }
    assert memberships[("Harry Creighton", "LIVE Corporation")] == (3, 24)
    assert memberships[("Geffrey Connor", "LIVE Corporation")] == (15, 24)
    assert memberships[("Steven Martland", "LIVE Corporation")] == (7, 24)
    assert memberships[("William Herst", "LIVE Corporation")] == (24, None)
    assert memberships[("Douglas Coates", "Special Services Command")] == (16, None)
    assert memberships[("James Blood", "Special Services Command")] == (None, None)
    relationships = {
        (r.character.title, r.related_character.title): r.revealed_at
        for r in CharacterRelationship.objects.select_related("character", "related_character")
    }
    assert relationships[("Tina Herst", "William Herst")] == 24
    assert relationships[("William Herst", "Tina Herst")] == 24
    assert relationships[("Sarah Sinclair", "Robert Walter")] == 12
    assert relationships[("James Blood", "Monica Campbell")] == 1
    assert relationships[("James Blood", "Sarah Sinclair")] is None


def test_roles_are_only_those_the_source_assigns(content):
    roles = dict(Character.objects.values_list("title", "role"))
    assert roles == {title: ROLES.get(title, "") for title in FIRST_MET}
    role_categories = Category.objects.filter(
        slug__in=["main-characters", "supporting-characters", "antagonists", "minor-characters"]
    )
    categorized = {
        (page.title, category.slug) for category in role_categories for page in category.pages.all()
    }
    slugs = {
        "main": "main-characters",
        "supporting": "supporting-characters",
        "antagonist": "antagonists",
        "minor": "minor-characters",
    }
    assert categorized == {(title, slugs[role]) for title, role in ROLES.items()}


# What readers see


def test_tina_herst_is_not_met_before_season_2_episode_2(client, content):
    url = character_url("Tina Herst")
    html = read(client, url, "s2e1")
    assert "Not met yet" in html
    assert "Tina" not in html
    html = read(client, url, "s2e2")
    assert "Not met yet" not in html
    assert "<h1" in html and "Tina Herst</h1>" in html
    # Her father is named by the season 2 plot only.
    assert "William Herst</a> – father" not in html
    assert "William Herst</a> – father" in read(client, url, "s2e9")


def test_gary_evans_is_the_king_only_from_the_last_episode(client, content):
    urls = [
        reverse("home"),
        character_url("Gary Evans"),
        Season.objects.get(work__slug="hero-mask", number=2).get_absolute_url(),
    ]
    for code in before("s2e9"):
        for url in urls:
            assert not KING.search(read(client, url, code)), (url, code)
    for code in from_("s2e9"):
        for url in urls:
            assert KING.search(read(client, url, code)), (url, code)


def test_gary_evans_is_listed_with_no_role_the_source_does_not_give(client, content):
    html = read(client, reverse("characters:index"), "all")
    others = html.index("Other characters</h2>")
    assert html.index("Minor characters</h2>") < others < html.index(character_url("Gary Evans"))
    assert "Antagonists" not in read(client, character_url("Gary Evans"), "all")


def test_james_blood_is_a_fugitive_only_from_the_last_episode(client, content):
    url = character_url("James Blood")
    for code in before("s2e9"):
        html = read(client, url, code)
        assert "fugitive" not in html, code
        assert "revealed in Season 2, Episode 9" in html, code
    for code in from_("s2e9"):
        assert "fugitive" in read(client, url, code), code


def test_harry_creighton_is_unknown_before_season_1_episode_3(client, content):
    url = character_url("Harry Creighton")
    assert "Not met yet" in read(client, url, "s1e2")
    for other in (reverse("home"), reverse("characters:index"), reverse("characters:cast")):
        assert "Creighton" not in read(client, other, "s1e2"), other
    html = read(client, url, "s1e3")
    assert "Not met yet" not in html
    assert 'href="/organizations/live-corporation/"' in html
    assert "searches for a missing sample" not in html
    assert "searches for a missing sample" in read(client, url, "s1e4")


def test_an_episode_summary_tells_its_own_episode_only(client, content):
    url = Work.objects.get(slug="hero-mask").get_absolute_url()
    html = read(client, url, "s1e7")
    assert "Martland" in html
    assert "key suspect in" not in html
    assert "key suspect in" in read(client, url, "s1e8")


def test_everything_shows_every_passage(client, content):
    for page in Page.objects.all():
        html = read(client, page.get_absolute_url(), "all")
        assert HIDDEN_NOTE not in html and "[revealed in" not in html, page.title
        assert "Not met yet" not in html and "[not met yet]" not in html, page.title
    assert "fugitive within his own organization" in read(client, character_url("James Blood"), "all")
