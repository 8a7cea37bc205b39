"""The story views of the episodes app at the reader's limit: the appearances
grid (characters × episodes, with filters) and the timeline (releases, and the
story episode by episode)."""

import datetime

import html5lib
import pytest
from django.urls import resolve, reverse

from characters.models import Role
from episodes.models import Release
from tests.conftest import queries_for
from tests.factories import (
    AppearanceFactory,
    CharacterFactory,
    EpisodeFactory,
    OrganizationFactory,
    ReleaseFactory,
    WorkFactory,
    make_series,
)

pytestmark = pytest.mark.django_db

GRID = reverse("episodes:appearances")
TIMELINE = reverse("episodes:timeline")


@pytest.fixture
def story():
    """Season 1: s1e1-s1e3 (positions 1-3); season 2: s2e1, s2e2 (4, 5)."""
    episodes = make_series(seasons=(3, 2))
    james = CharacterFactory(title="James Blood", role=Role.MAIN, revealed_at=None)
    sarah = CharacterFactory(title="Sarah Sinclair", role=Role.MAIN, revealed_at=2)
    monica = CharacterFactory(title="Monica Campbell", role=Role.SUPPORTING, revealed_at=1)
    tina = CharacterFactory(title="Tina Herst", role=Role.SUPPORTING, revealed_at=4)
    # Known from the premise, but seen in no episode before the last one.
    wyatt = CharacterFactory(title="Wyatt", role=Role.MINOR, revealed_at=None)
    for character, positions in (
        (james, (1, 2, 4)),
        (sarah, (2, 3)),
        (monica, (1, 5)),
        (tina, (4, 5)),
        (wyatt, (5,)),
    ):
        for position in positions:
            AppearanceFactory(episode=episodes[position - 1], character=character)
    summaries = [
        "James Blood meets [[Monica Campbell]] at the courthouse.",
        "James Blood is paired with [[Sarah Sinclair]].",
        "The SSC raids the warehouse.",
        "Tina Herst returns to the city.",
        "The King is unmasked in the finale.",
    ]
    for episode, summary in zip(episodes, summaries, strict=True):
        episode.lead = summary
        episode.save()
    return {
        "episodes": episodes,
        "james": james,
        "sarah": sarah,
        "monica": monica,
        "tina": tina,
        "wyatt": wyatt,
    }


def lengthen(story, count):
    """``count`` more episodes at the end of the story's last season."""
    last = story["episodes"][-1]
    return [
        EpisodeFactory(season=last.season, number=last.number + n, number_overall=last.number_overall + n)
        for n in range(1, count + 1)
    ]


def page(client, url):
    response = client.get(url)
    return response, response.content.decode()


def main_of(html):
    """What the page itself shows, without the header (whose reading control lists every episode)."""
    return html[html.index("<main") : html.index("</main>")]


def grid_table(html):
    document = html5lib.parse(html, namespaceHTMLElements=False)
    return document.find(".//table[@class='data-table appearance-grid']")


def rows_of(table):
    """{character name: [cell texts after the name]} of the grid's body."""
    rows = {}
    for row in table.findall("./tbody/tr"):
        name = "".join(row.find("th").itertext()).strip()
        rows[name] = ["".join(cell.itertext()).strip() for cell in row.findall("td")]
    return rows


def episode_headers(table):
    return [
        "".join(th.itertext()).strip() for th in table.findall("./thead/tr[2]/th") if th.get("scope") == "col"
    ]


def test_the_story_views_have_their_addresses():
    assert resolve("/episodes/appearances/").view_name == "episodes:appearances"
    assert resolve("/episodes/timeline/").view_name == "episodes:timeline"


# The appearances grid ---------------------------------------------------------------


def test_grid_has_a_column_per_episode_and_a_row_per_character_who_appears(client, story):
    response, html = page(client, GRID + "?upto=all")
    assert response.status_code == 200
    table = grid_table(html)
    assert episode_headers(table) == [
        f"Season {s}, Episode {e}" for s, e in ((1, 1), (1, 2), (1, 3), (2, 1), (2, 2))
    ]
    rows = rows_of(table)
    # Rows in order of first appearance.
    assert list(rows) == ["James Blood", "Monica Campbell", "Sarah Sinclair", "Tina Herst", "Wyatt"]
    # One cell per episode, then the first and last appearance.
    assert rows["James Blood"] == [
        "●appears",
        "●appears",
        "",
        "●appears",
        "",
        "S1 E1Season 1, Episode 1",
        "S2 E1Season 2, Episode 1",
    ]
    assert rows["Tina Herst"][:5] == ["", "", "", "●appears", "●appears"]


def test_grid_marks_are_told_to_screen_readers_as_words(client, story):
    _, html = page(client, GRID + "?upto=all")
    assert '<span aria-hidden="true">●</span><span class="visually-hidden">appears</span>' in html


def test_grid_headers_are_scoped_and_captioned_in_a_labelled_scroll_region(client, story):
    _, html = page(client, GRID + "?upto=all")
    table = grid_table(html)
    assert "".join(table.find("caption").itertext()).startswith("Appearances by episode")
    assert all(th.get("scope") in ("col", "colgroup", "row") for th in table.iter("th"))
    assert [th.get("scope") for th in table.findall("./tbody/tr/th")] == ["row"] * 5
    assert 'role="region" aria-labelledby="appearances-caption"' in html
    assert 'tabindex="0"' in html


def test_grid_links_go_to_the_character_and_episode_pages(client, story):
    _, html = page(client, GRID + "?upto=all")
    james, first = story["james"], story["episodes"][0]
    assert f'<a href="{james.get_absolute_url()}">James Blood</a>' in html
    assert (
        f'<a href="{first.get_absolute_url()}"><span class="visually-hidden">Season 1, Episode </span>1</a>'
        in html
    )
    assert f'<a href="{first.season.get_absolute_url()}">{first.season.title}</a>' in html


def test_grid_at_s1e2_shows_only_episodes_watched_and_characters_met(client, story):
    response, html = page(client, GRID + "?upto=s1e2")
    assert response.status_code == 200
    table = grid_table(html)
    assert episode_headers(table) == ["Season 1, Episode 1", "Season 1, Episode 2"]
    rows = rows_of(table)
    assert list(rows) == ["James Blood", "Monica Campbell", "Sarah Sinclair"]
    # Last appearances are counted from the episodes watched: James's in s2e1 is not.
    assert rows["James Blood"][-2:] == ["S1 E1Season 1, Episode 1", "S1 E2Season 1, Episode 2"]
    assert rows["Monica Campbell"][-2:] == ["S1 E1Season 1, Episode 1", "S1 E1Season 1, Episode 1"]
    shown = main_of(html)
    for later in ("Tina Herst", "Wyatt", "Season 2", "Episode 3", story["tina"].get_absolute_url()):
        assert later not in shown
    for episode in story["episodes"][2:]:
        assert episode.get_absolute_url() not in html


def test_grid_before_the_first_episode_says_there_is_nothing_yet(client, story):
    response, html = page(client, GRID + "?upto=start")
    assert response.status_code == 200
    assert "You have not watched any episode yet" in html
    assert "<table" not in html
    assert "James Blood" not in html and "Monica Campbell" not in html


def test_grid_filtered_by_season_has_that_seasons_columns_and_first_appearances_across_the_story(
    client, story
):
    _, html = page(client, GRID + "?upto=all&season=2")
    table = grid_table(html)
    assert episode_headers(table) == ["Season 2, Episode 1", "Season 2, Episode 2"]
    rows = rows_of(table)
    # Sarah appears only in season 1.
    assert list(rows) == ["James Blood", "Monica Campbell", "Tina Herst", "Wyatt"]
    assert rows["James Blood"] == [
        "●appears",
        "",
        "S1 E1Season 1, Episode 1",
        "S2 E1Season 2, Episode 1",
    ]
    assert '<option value="2" selected>' in html


def test_grid_filtered_by_role_has_only_that_roles_characters(client, story):
    _, html = page(client, GRID + "?upto=all&role=main")
    assert list(rows_of(grid_table(html))) == ["James Blood", "Sarah Sinclair"]
    assert '<option value="main" selected>' in html


def test_grid_of_a_season_after_the_limit_says_it_is_not_watched_yet(client, story):
    response, html = page(client, GRID + "?upto=s1e2&season=2")
    assert response.status_code == 200
    assert "You have not watched any episode of" in html
    assert "<table" not in html


def test_grid_with_a_role_nobody_met_has_says_so(client, story):
    response, html = page(client, GRID + "?upto=s1e2&role=antagonist")
    assert response.status_code == 200
    assert "No antagonist you have met appears in these episodes." in html


def test_grid_filter_form_has_labels_and_a_submit_button_and_keeps_the_limit(client, story):
    _, html = page(client, GRID + "?upto=s1e2")
    assert '<label for="id_season">Season</label>' in html
    assert '<label for="id_role">Role</label>' in html
    assert '<button type="submit">Show</button>' in html
    assert '<input type="hidden" name="upto" value="s1e2">' in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("season=9", "“9” is not a season of the series"),
        ("season=one", "“one” is not a season of the series"),
        ("season=1.5", "“1.5” is not a season of the series"),
        ("role=villain", "“villain” is not a role"),
        ("role=%3Cscript%3E", "“&lt;script&gt;” is not a role"),
    ],
)
def test_grid_with_a_bad_filter_value_is_a_400_that_says_why(client, story, query, message):
    response, html = page(client, f"{GRID}?upto=all&{query}")
    assert response.status_code == 400
    assert message in html
    assert "The grid cannot be shown with these filters" in html
    assert "<table" not in html
    # The form is there to choose again.
    assert '<select name="season"' in html


def test_grid_query_count_does_not_grow_with_the_story(client, story):
    urls = (GRID + "?upto=all&role=main", GRID + "?upto=s1e2&season=1")
    small = [queries_for(client, url) for url in urls]
    episodes = story["episodes"] + lengthen(story, 20)
    for number in range(30):
        character = CharacterFactory(role=Role.MAIN)
        for episode in episodes[number % 5 :: 3]:
            AppearanceFactory(episode=episode, character=character)
    assert [queries_for(client, url) for url in urls] == small


# The timeline -----------------------------------------------------------------------


@pytest.fixture
def releases(story):
    """The releases of the anime and of the manga, as the source gives them."""
    anime = story["episodes"][0].season.work
    seasons = [story["episodes"][0].season, story["episodes"][3].season]
    manga = WorkFactory(title="Hero Mask: A lost memory", medium="manga", adaptation_of=anime)
    netflix = OrganizationFactory(title="Netflix", sphere="real")
    for season, start in zip(seasons, (datetime.date(2018, 12, 3), datetime.date(2019, 8, 23)), strict=True):
        ReleaseFactory(work=anime, season=season, organization=netflix, start_date=start)
    ReleaseFactory(
        work=anime,
        organization=OrganizationFactory(title="Tokyo MX", sphere="real"),
        medium=Release.Medium.TELEVISION,
        region="Japan",
        start_date=datetime.date(2020, 7, 2),
        end_date=datetime.date(2020, 12, 10),
    )
    ReleaseFactory(
        work=manga,
        organization=OrganizationFactory(title="LINE Manga", sphere="real"),
        medium=Release.Medium.DIGITAL,
        region="",
        start_date=datetime.date(2020, 7, 7),
    )
    ReleaseFactory(
        work=manga,
        medium=Release.Medium.PRINT,
        region="",
        start_date=datetime.date(2021, 3, 1),
        start_precision="month",
        note="One tankōbon volume.",
    )
    ReleaseFactory(
        work=anime,
        medium=Release.Medium.BLU_RAY,
        region="North America",
        start_date=datetime.date(2021, 1, 1),
        start_precision="year",
    )
    ReleaseFactory(
        work=anime,
        medium=Release.Medium.BLU_RAY,
        region="United Kingdom",
        start_date=datetime.date(2025, 4, 21),
    )
    return {"anime": anime, "manga": manga, "netflix": netflix, "story": story}


RELEASE_DATES = [
    '<time datetime="2018-12-03">3 December 2018</time>',
    '<time datetime="2019-08-23">23 August 2019</time>',
    '<time datetime="2020-07-02">2 July 2020</time> – <time datetime="2020-12-10">10 December 2020</time>',
    'From <time datetime="2020-07-07">7 July 2020</time>',
    '<time datetime="2021">2021</time>',
    '<time datetime="2021-03">March 2021</time>',
    '<time datetime="2025-04-21">21 April 2025</time>',
]


@pytest.mark.parametrize("limit", ["all", "start", "s1e2"])
def test_timeline_lists_every_release_in_date_order_at_any_limit(client, releases, limit):
    response, html = page(client, f"{TIMELINE}?upto={limit}")
    assert response.status_code == 200
    lane = html[html.index('id="timeline-releases"') : html.index('id="timeline-story"')]
    positions = [lane.index(date) for date in RELEASE_DATES]
    assert positions == sorted(positions)
    for name in ("Netflix", "Tokyo MX", "LINE Manga", "One tankōbon volume.", "United Kingdom"):
        assert name in lane
    assert f'<a href="{releases["netflix"].get_absolute_url()}">Netflix</a>' in lane
    assert f'<a href="{releases["manga"].get_absolute_url()}">Hero Mask: A lost memory</a>' in lane


def test_timeline_tells_the_story_episode_by_episode_up_to_the_limit(client, story):
    response, html = page(client, TIMELINE + "?upto=s1e2")
    assert response.status_code == 200
    lane = html[html.index('id="timeline-story"') :]
    first, second = story["episodes"][:2]
    assert f'<a href="{first.get_absolute_url()}">Season 1, Episode 1</a>' in lane
    assert "meets <a" in lane and "at the courthouse" in lane
    assert f'<a href="{story["sarah"].get_absolute_url()}" title="Sarah Sinclair">Sarah Sinclair</a>' in lane
    # Later episodes: their number and date, never their summary or their link.
    assert lane.count("Revealed when you watch it.") == 3
    for label in ("Season 1, Episode 3", "Season 2, Episode 1", "Season 2, Episode 2"):
        assert label in lane
    for later in ("warehouse", "Tina Herst", "returns to the city", "The King", "unmasked"):
        assert later not in html
    for episode in story["episodes"][2:]:
        assert episode.get_absolute_url() not in html


def test_timeline_at_everything_shows_every_summary(client, story):
    _, html = page(client, TIMELINE + "?upto=all")
    assert "Revealed when you watch it" not in html
    for text in ("at the courthouse", "warehouse", "returns to the city", "The King is unmasked"):
        assert text in html


def test_timeline_before_the_first_episode_shows_no_summary(client, story):
    _, html = page(client, TIMELINE + "?upto=start")
    assert html.count("Revealed when you watch it.") == 5
    assert "courthouse" not in html and "James Blood" not in html


def test_timeline_lanes_are_ordered_lists_under_headings(client, releases):
    _, html = page(client, TIMELINE + "?upto=all")
    document = html5lib.parse(html, namespaceHTMLElements=False)
    lanes = document.findall(".//section[@class='timeline__lane']")
    assert ["".join(lane.find("h2").itertext()) for lane in lanes] == [
        "Release history",
        "The story, episode by episode",
    ]
    assert len(lanes[0].findall("./ol/li")) == 7
    assert [len(ol.findall("li")) for ol in lanes[1].findall("ol")] == [3, 2]


def test_timeline_query_count_does_not_grow_with_the_story(client, releases):
    limits = ("all", "s1e2")
    small = [queries_for(client, f"{TIMELINE}?upto={limit}") for limit in limits]
    anime = releases["anime"]
    for number in range(20):
        ReleaseFactory(work=anime, start_date=datetime.date(2022, 1, 1) + datetime.timedelta(days=number))
    for episode in lengthen(releases["story"], 20):
        episode.lead = "[[James Blood]] and [[Monica Campbell]] meet [[Someone new]]."
        episode.save()
    assert [queries_for(client, f"{TIMELINE}?upto={limit}") for limit in limits] == small


def test_grid_filtered_by_other_role_has_the_characters_the_source_gives_no_role(client, story):
    jasper = CharacterFactory(title="Jasper", role="", revealed_at=None)
    AppearanceFactory(episode=story["episodes"][0], character=jasper)
    _, html = page(client, GRID + "?upto=all&role=other")
    assert list(rows_of(grid_table(html))) == ["Jasper"]
    assert '<option value="other" selected>' in html
    # An empty role is every role.
    _, html = page(client, GRID + "?upto=all&role=")
    assert "Jasper" in rows_of(grid_table(html)) and "James Blood" in rows_of(grid_table(html))
