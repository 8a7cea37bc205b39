"""The real content in fixtures/*.json: it loads cleanly, loads again without
duplicating anything, holds what the source text states, and a broken fixture
is refused without touching the database."""

import datetime
import json
import re

import pytest
from django.apps import apps
from django.core import serializers
from django.core.management import call_command
from django.core.serializers.base import DeserializationError
from django.db import IntegrityError

from articles.models import Article, Organization
from characters.models import Character, CharacterRelationship, Person, VoiceCredit
from episodes.models import Appearance, Episode, Release, Season, StaffCredit, Work, WorkCompany
from tests.conftest import FIXTURES
from wiki import sources
from wiki.models import Alias, Category, Generation, Page, PageLink, Reference

# Every test reads the real content, loaded once for the module (loading into an
# empty database: tests/test_fixture_loading.py).
pytestmark = pytest.mark.usefixtures("content_of_the_module")

WIKI_LINK = re.compile(r"\[\[([^\]|]+)(?:\|([^\]]+))?\]\]")
CITATION = re.compile(r"\[\^([^\]\s]+)\]")
CONTENT_APPS = ("wiki", "articles", "characters", "episodes")

NAMED_CHARACTERS = [
    "James Blood",
    "Sarah Sinclair",
    "Monica Campbell",
    "Geffrey Connor",
    "Harry Creighton",
    "Steven Martland",
    "Lennox Gallagher",
    "Edmond Chandler",
    "Theo Herst",
    "Tina Herst",
    "William Herst",
    "Gary Evans",
    "Douglas Coates",
    "Anna Winehouse",
    "Robert Walter",
    "Wyatt",
    "Fred",
    "Grimm",
    "Richard Burner",
    "Jasper",
]


def content_models():
    # The generation counters are not content: every load moves them on, so
    # that no page cached before the load is served after it.
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in CONTENT_APPS and model is not Generation
    ]


def snapshot():
    """Every row of the content apps, serialized: equal snapshots mean an unchanged database."""
    rows = {
        model._meta.label: serializers.serialize("json", model.objects.order_by("pk"))
        for model in content_models()
        if model is not PageLink
    }
    # The link table is read afresh into an emptied table on every load, so its
    # row ids change; what it says (which page links to which) must not.
    rows[PageLink._meta.label] = list(
        PageLink.objects.order_by("source_id", "target_title").values_list(
            "source_id", "target_id", "target_title"
        )
    )
    return rows


def row_counts():
    return {model._meta.label: model.objects.count() for model in content_models()}


def resolve(title):
    """The page a wiki link ``[[title]]`` means: a page title, an alias or a slug."""
    page = Page.objects.by_title(title).first()
    if page is None:
        alias = Alias.objects.filter(title__iexact=title.strip()).select_related("page").first()
        page = alias.page if alias else Page.objects.filter(slug=title.strip()).first()
    return page


def linked_pages(text):
    return [resolve(target) for target, _label in WIKI_LINK.findall(text)]


def plain_text(text):
    """The text as a reader sees it: each wiki link replaced by its label."""
    return WIKI_LINK.sub(lambda match: match.group(2) or match.group(1), text)


def episode(season, number):
    return Episode.objects.get(season__number=season, number=number)


def all_texts():
    for page in Page.objects.all():
        yield page.title, page.lead
        yield page.title, page.body
    for category in Category.objects.all():
        yield f"Category {category.name}", category.description


# Loading


def test_loading_the_fixtures_a_second_time_changes_nothing(content):
    before = snapshot()

    call_command("loaddata", *FIXTURES, verbosity=0)

    assert snapshot() == before


def test_every_page_row_has_a_specific_row_of_its_kind(content):
    for page in Page.objects.all():
        specific = page.specific
        assert specific.page_kind() == page.kind, page.title
        assert page.version == 1
        assert page.created_at == page.updated_at == datetime.datetime(2026, 11, 25, tzinfo=datetime.UTC)


def test_every_page_is_in_a_category(content):
    assert not Page.objects.filter(categories__isnull=True).exists()


# Works, seasons, episodes


def test_anime_and_manga_works_hold_the_source_facts(content):
    anime = Work.objects.get(slug="hero-mask")
    assert anime.title == "Hero Mask"
    assert anime.medium == Work.Medium.ANIME
    assert anime.native_title == "HERO≠MASK"
    assert anime.format == "Original net animation (ONA)"
    assert [genre.lower() for genre in anime.genre_list()] == [
        "action",
        "mystery",
        "thriller",
        "sci-fi",
        "crime drama",
    ]
    manga = Work.objects.get(title="Hero Mask: A lost memory")
    assert manga.medium == Work.Medium.MANGA
    assert manga.adaptation_of == anime
    assert manga.volumes == 1


def test_series_article_has_the_sections_of_the_source(content):
    anime = Work.objects.get(slug="hero-mask")
    assert anime.lead.startswith("**Hero Mask** (stylized as **HERO≠MASK**)")
    headings = re.findall(r"^#+ .+$", anime.body, flags=re.MULTILINE)
    assert headings == [
        "## Plot",
        "### Season 1",
        "### Season 2",
        "## Characters",
        "## Production",
        "### Development",
        "### Anime",
        "## Manga adaptation",
        "## Release",
    ]
    assert "announced in November 2018" in anime.body


def test_anime_has_two_seasons_of_15_and_9_episodes(content):
    seasons = Season.objects.with_episode_stats().filter(work__slug="hero-mask")
    assert [(s.title, s.slug, s.number, s.episode_count) for s in seasons] == [
        ("Season 1", "season-1", 1, 15),
        ("Season 2", "season-2", 2, 9),
    ]
    assert [s.release_date for s in seasons] == [datetime.date(2018, 12, 3), datetime.date(2019, 8, 23)]


def test_episodes_carry_their_release_date_runtime_and_numbers(content):
    episodes = list(Episode.objects.in_order())
    assert [e.number_overall for e in episodes] == list(range(1, 25))
    for e in episodes:
        assert e.runtime_minutes == 24
        expected = datetime.date(2018, 12, 3) if e.season.number == 1 else datetime.date(2019, 8, 23)
        assert e.release_date == expected, e.title
        assert e.title == f"Season {e.season.number}, Episode {e.number}"
        assert e.slug == f"season-{e.season.number}-episode-{e.number}"


def test_only_season_2_episodes_have_a_source_title(content):
    assert set(Episode.objects.filter(season__number=1).values_list("name", flat=True)) == {""}
    assert list(
        Episode.objects.filter(season__number=2).order_by("number").values_list("name", flat=True)
    ) == [f"Episode {n}" for n in range(1, 10)]


def test_episode_summaries_cite_their_row_of_the_source_table(content):
    notes = sources.current().by_id
    for e in Episode.objects.select_related("season"):
        row = f"season-{e.season.number}-{2017 + e.season.number}-e{e.number}"
        assert e.lead.endswith(f"[^{row}]"), e.title
        assert CITATION.findall(e.lead) == [row], e.title
    # The rows carry the source's own notes: [16] on season 1, [18] and [19] on two rows of season 2.
    assert {notes[f"season-1-2018-e{n}"].notes for n in range(1, 16)} == {(16,)}
    assert notes["season-2-2019-e1"].notes == (18,)
    assert notes["season-2-2019-e9"].notes == (19,)
    assert notes["season-2-2019-e5"].notes == ()


# Characters and people


def test_every_named_character_has_a_page(content):
    titles = set(Character.objects.values_list("title", flat=True))
    assert set(NAMED_CHARACTERS) <= titles


def test_character_roles_follow_the_source(content):
    roles = dict(Character.objects.values_list("title", "role"))
    assert roles["James Blood"] == roles["Sarah Sinclair"] == "main"
    # The source's Characters section: "Supporting characters" names Connor and Campbell, its
    # "Key antagonists" Martland and Creighton, its "Minor allies" Gallagher and Chandler.
    assert roles["Monica Campbell"] == roles["Geffrey Connor"] == "supporting"
    antagonists = {name for name, role in roles.items() if role == "antagonist"}
    assert antagonists == {"Steven Martland", "Harry Creighton"}
    assert roles["Lennox Gallagher"] == roles["Edmond Chandler"] == "minor"
    # Everyone else: the source assigns no role, so none is stored.
    assert roles["Gary Evans"] == roles["Tina Herst"] == roles["Douglas Coates"] == ""
    assert sum(1 for role in roles.values() if role) == 8
    assert set(Category.objects.get(slug="main-characters").pages.values_list("title", flat=True)) == {
        "James Blood",
        "Sarah Sinclair",
    }


def test_ssc_members_are_affiliated_with_the_ssc(content):
    ssc = Organization.objects.get(title="Special Services Command")
    assert set(ssc.members.values_list("title", flat=True)) == {
        "James Blood",
        "Lennox Gallagher",
        "Edmond Chandler",
        "Douglas Coates",
    }
    assert ssc.parent.title == "Capital Police Department"
    assert Character.objects.get(title="Jasper").affiliations.get().title == "Echoes"


def test_unstated_facts_stay_empty(content):
    for title in ("Wyatt", "Fred", "Grimm", "Richard Burner", "Theo Herst", "Robert Walter", "Gary Evans"):
        character = Character.objects.get(title=title)
        assert character.occupation == "", title
    assert not Character.objects.get(title="Robert Walter").affiliations.exists()


def test_relationships_stated_by_the_source(content):
    relations = {
        (r.character.title, r.related_character.title, r.description)
        for r in CharacterRelationship.objects.select_related("character", "related_character")
    }
    assert ("James Blood", "Monica Campbell", "mentor") in relations
    assert ("Sarah Sinclair", "Monica Campbell", "mentor and superior") in relations
    assert ("Sarah Sinclair", "Robert Walter", "superior") in relations
    assert ("Tina Herst", "William Herst", "father") in relations
    assert ("William Herst", "Tina Herst", "daughter") in relations


def test_voice_credits_in_japanese_and_english(content):
    credits = {(c.character.title, c.person.title, c.language) for c in VoiceCredit.objects.for_cast_table()}
    assert credits == {
        ("James Blood", "Yasuyuki Kase", "ja"),
        ("James Blood", "Greg Chun", "en"),
        ("Sarah Sinclair", "Yūko Kaida", "ja"),
        ("Sarah Sinclair", "Lauren Landa", "en"),
        ("Harry Creighton", "Kōki Uchiyama", "ja"),
        ("Monica Campbell", "Haruka Shibuya", "ja"),
    }


def test_junpei_morita_has_a_page_but_no_named_role(content):
    morita = Person.objects.get(title="Junpei Morita")
    assert "in supporting roles" in morita.lead
    assert not morita.voice_credits.exists()
    assert Category.objects.get(slug="voice-actors").pages.filter(pk=morita.pk).exists()


def test_staff_credits(content):
    credits = {
        (c.work.title, c.person.title, c.role) for c in StaffCredit.objects.select_related("work", "person")
    }
    assert credits == {
        ("Hero Mask", "Hiroyasu Aoki", "director"),
        ("Hero Mask", "Hiroyasu Aoki", "series_composition"),
        ("Hero Mask", "Hiroyasu Aoki", "writer"),
        ("Hero Mask", "Akira Kindaichi", "writer"),
        ("Hero Mask", "Takahisa Katagiri", "character_design"),
        ("Hero Mask", "Hisaki Kato", "music"),
        ("Hero Mask", "Sōichirō Kubo", "sound_director"),
        ("Hero Mask: A lost memory", "Wakaiki", "mangaka"),
    }


# Companies and releases


def test_company_credits(content):
    credits = {
        (c.work.title, c.organization.title, c.role)
        for c in WorkCompany.objects.select_related("work", "organization")
    }
    assert credits == {
        ("Hero Mask", "Studio Pierrot", "studio"),
        ("Hero Mask", "Sotsu", "producer"),
        ("Hero Mask", "Sentai Filmworks", "producer"),
        ("Hero Mask", "Sentai Filmworks", "licensor"),
        ("Hero Mask", "Netflix", "streaming"),
        ("Hero Mask", "Tokyo MX", "network"),
        ("Hero Mask", "Anime Limited", "distributor"),
        ("Hero Mask: A lost memory", "LINE Manga", "platform"),
        ("Hero Mask: A lost memory", "LINE Digital Frontier", "publisher"),
    }
    assert not Organization.objects.filter(work_roles__isnull=False, sphere="fictional").exists()


def test_releases_match_the_source_dates(content):
    releases = [
        (
            r.work.slug,
            r.season.number if r.season else None,
            r.organization.title,
            r.medium,
            r.start_date,
            r.start_precision,
            r.end_date,
        )
        for r in Release.objects.select_related("work", "season", "organization")
    ]
    date = datetime.date
    assert releases == [
        ("hero-mask", 1, "Netflix", "streaming", date(2018, 12, 3), "day", None),
        ("hero-mask", 2, "Netflix", "streaming", date(2019, 8, 23), "day", None),
        ("hero-mask", None, "Tokyo MX", "television", date(2020, 7, 2), "day", date(2020, 12, 10)),
        ("hero-mask-a-lost-memory", None, "LINE Manga", "digital", date(2020, 7, 7), "day", None),
        ("hero-mask", None, "Sentai Filmworks", "blu-ray", date(2021, 1, 1), "year", None),
        ("hero-mask-a-lost-memory", None, "LINE Digital Frontier", "print", date(2021, 3, 1), "month", None),
        ("hero-mask", None, "Anime Limited", "blu-ray", date(2025, 4, 21), "day", None),
    ]


# References, citations, aliases, links


def test_references_1_to_19_have_no_invented_details(content):
    references = list(Reference.objects.all())
    assert [r.number for r in references] == list(range(1, 20))
    for reference in references:
        assert (reference.title, reference.url, reference.publisher, reference.published) == (
            "",
            "",
            "",
            None,
        )


def test_every_note_of_a_cited_sentence_is_a_reference_and_every_reference_is_cited(content):
    # Pages cite sentences of the source; a sentence carries the source's own [n] notes.
    units = sources.current().by_id
    cited = {unit_id for _title, text in all_texts() for unit_id in CITATION.findall(text)}
    assert not [unit_id for unit_id in cited if unit_id.isdigit()]
    notes = {number for unit_id in cited for number in units[unit_id].notes}
    assert notes == set(Reference.objects.values_list("number", flat=True))


@pytest.mark.parametrize(
    ("alias", "title"),
    [
        ("Eddy Chandler", "Edmond Chandler"),
        ("Eddy", "Edmond Chandler"),
        ("SSC", "Special Services Command"),
        ("Special Service Command", "Special Services Command"),
        ("LIVE", "LIVE Corporation"),
        ("Yuko Kaida", "Yūko Kaida"),
        ("Koki Uchiyama", "Kōki Uchiyama"),
        ("Soichiro Kubo", "Sōichirō Kubo"),
    ],
)
def test_aliases_lead_to_the_canonical_page(content, alias, title):
    assert resolve(alias).title == title


def test_the_king_is_a_page_of_its_own_revealed_with_the_end_of_the_story(content):
    # "the King" is not another name of Gary Evans from his first appearance: the
    # season 2 plot reveals who the King is, so it has a page met at its end.
    king = resolve("the King")
    assert king.title == "The King"
    assert Page.objects.get(pk=king.pk).revealed_at == 24
    assert not Alias.objects.filter(page__title="Gary Evans", title__iexact="the King").exists()


def test_spelling_variants_are_explained(content):
    note = Alias.objects.get(title="Special Service Command").note
    assert "Special Services Command" in note and "Special Service Command" in note
    assert "Eddy" in Character.objects.get(title="Edmond Chandler").lead
    connor = Character.objects.get(title="Geffrey Connor").body
    assert "founder" in connor and "researcher" in connor


def test_every_wiki_link_leads_to_a_page(content):
    broken = [
        (where, target)
        for where, text in all_texts()
        for target, _label in WIKI_LINK.findall(text)
        if resolve(target) is None
    ]
    assert broken == []


def test_every_page_text_renders_without_leftover_wiki_markup(content):
    for page in Page.objects.all():
        html = page.lead_html + page.body_html
        assert "[[" not in html and "[^" not in html, page.title


# Who appears where


def test_first_episode_links_monica_campbell_who_appears_in_it(content):
    first = episode(1, 1)
    assert "[[Monica Campbell]]" in first.lead
    assert first.characters.filter(title="Monica Campbell").exists()


def test_each_episode_cast_is_exactly_the_characters_linked_in_its_summary(content):
    for e in Episode.objects.with_cast():
        linked = {page.pk for page in linked_pages(e.lead) if page.kind == "character"}
        cast = {appearance.character_id for appearance in e.appearances.all()}
        assert cast == linked, e.title


def test_first_episode_page_links_to_monica_campbell(content, client):
    response = client.get(episode(1, 1).get_absolute_url())
    assert response.status_code == 200
    assert 'href="/characters/monica-campbell/"' in response.content.decode()


def test_every_appearance_is_named_or_described_in_the_summary(content):
    for appearance in Appearance.objects.select_related("episode", "character"):
        character = appearance.character
        names = {
            character.title,
            *character.title.split(),
            *character.aliases.values_list("title", flat=True),
        }
        text = plain_text(appearance.episode.lead)
        named = any(re.search(rf"\b{re.escape(name)}\b", text) for name in names)
        # A character the summary identifies only by description ("the SSC's new director") is linked there.
        linked = {target for target, _label in WIKI_LINK.findall(appearance.episode.lead)}
        described = character.title in linked
        assert named or described, str(appearance)


def test_a_bare_herst_in_season_2_is_left_to_the_disambiguation_page(content):
    # The source never says which Herst "Herst" is: the summaries link the disambiguation page.
    assert "[[Herst]] regains consciousness" in episode(2, 7).lead
    for number in (7, 9):
        assert not episode(2, number).characters.filter(title__in=["William Herst", "Theo Herst"]).exists()
    assert episode(2, 2).characters.filter(title="William Herst").exists()  # "William struggles"
    assert not Episode.objects.filter(season__number=2, characters__title="Theo Herst").exists()


def test_dr_gallagher_is_not_taken_for_lennox_gallagher(content):
    fourteenth = episode(1, 14)
    assert "Dr. Gallagher" in plain_text(fourteenth.lead)
    assert not fourteenth.characters.filter(title="Lennox Gallagher").exists()
    assert not Appearance.objects.filter(character__title="Lennox Gallagher").exists()


def test_disambiguation_pages_list_every_meaning(content):
    herst = Article.objects.get(title="Herst")
    gallagher = Article.objects.get(title="Gallagher")
    assert herst.is_disambiguation and gallagher.is_disambiguation
    assert {page.title for page in linked_pages(herst.body) if page.kind == "character"} == {
        "Theo Herst",
        "Tina Herst",
        "William Herst",
    }
    assert "Lennox Gallagher" in {page.title for page in linked_pages(gallagher.body)}
    assert "Dr. Gallagher" in gallagher.body


# Broken fixtures


@pytest.fixture
def fixture_file(tmp_path):
    def write(name, text):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    return write


def test_malformed_json_is_refused_and_the_database_is_unchanged(content, fixture_file):
    before = snapshot()
    broken = fixture_file("broken.json", '[{"model": "wiki.category", "pk": 99, "fields": {"name": ')

    with pytest.raises(DeserializationError, match="broken.json") as error:
        call_command("loaddata", broken, verbosity=0)

    assert isinstance(error.value.__cause__, json.JSONDecodeError)
    assert snapshot() == before


def test_a_missing_foreign_key_is_refused_and_the_database_is_unchanged(content, fixture_file):
    before = snapshot()
    rows = [
        {"model": "wiki.category", "pk": 99, "fields": {"name": "Extras", "slug": "extras"}},
        {"model": "episodes.appearance", "pk": 9999, "fields": {"episode": 101, "character": 9999}},
    ]
    broken = fixture_file("dangling.json", json.dumps(rows))

    with pytest.raises(IntegrityError, match="episodes_appearance") as error:
        call_command("loaddata", broken, verbosity=0)

    assert "9999" in str(error.value)
    assert snapshot() == before
