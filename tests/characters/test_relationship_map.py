"""The relationship map at the reader's limit: a drawing (inline SVG) whose
characters link to their pages, and the table that says the same."""

import html5lib
import pytest
from django.urls import resolve, reverse

from characters.models import RelationshipMap, Role
from tests.conftest import queries_for
from tests.factories import CharacterFactory, CharacterRelationshipFactory, make_series
from wiki import reading

pytestmark = pytest.mark.django_db

MAP = reverse("characters:relationships")
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def cast():
    """Season 1: s1e1-s1e3 (positions 1-3); season 2: s2e1, s2e2 (4, 5)."""
    make_series(seasons=(3, 2))
    james = CharacterFactory(title="James Blood", role=Role.MAIN, revealed_at=None)
    sarah = CharacterFactory(title="Sarah Sinclair", role=Role.MAIN, revealed_at=2)
    monica = CharacterFactory(title="Monica Campbell", role=Role.SUPPORTING, revealed_at=1)
    tina = CharacterFactory(title="Tina Herst", role=Role.SUPPORTING, revealed_at=4)
    william = CharacterFactory(title="William Herst", role=Role.SUPPORTING, revealed_at=4)
    # "description" is what the related character is to the character.
    CharacterRelationshipFactory(character=james, related_character=monica, description="mentor")
    CharacterRelationshipFactory(character=monica, related_character=james, description="protégé")
    CharacterRelationshipFactory(
        character=james, related_character=sarah, description="partner", revealed_at=2
    )
    CharacterRelationshipFactory(
        character=sarah, related_character=james, description="partner", revealed_at=2
    )
    CharacterRelationshipFactory(
        character=sarah, related_character=monica, description="superior", revealed_at=2, ended_at=3
    )
    # Revealed later, between characters met at s1e2.
    CharacterRelationshipFactory(
        character=monica, related_character=sarah, description="rival", revealed_at=5
    )
    CharacterRelationshipFactory(
        character=tina, related_character=william, description="father", revealed_at=4
    )
    return {"james": james, "sarah": sarah, "monica": monica, "tina": tina, "william": william}


def page(client, limit):
    response = client.get(f"{MAP}?upto={limit}")
    return response, response.content.decode()


def main_of(html):
    """What the page itself shows, without the header (whose reading control lists every episode)."""
    return html[html.index("<main") : html.index("</main>")]


def spoken(element):
    """The text of ``element`` as a screen reader has it: without what is aria-hidden."""
    text = element.text or ""
    for child in element:
        if child.get("aria-hidden") != "true":
            text += spoken(child)
        text += child.tail or ""
    return text


def table_rows(html):
    document = html5lib.parse(html, namespaceHTMLElements=False)
    table = document.find(".//table[@class='data-table relationship-table']")
    return [tuple(" ".join(spoken(cell).split()) for cell in row) for row in table.findall("./tbody/tr")]


def label_texts(svg):
    """The labels of the lines, each as one string (a long one is drawn on two lines)."""
    return [
        " ".join(line.text for line in text)
        for text in svg.iter(f"{SVG}text")
        if "relationship-map__label" in text.get("class", "")
    ]


def drawing(html):
    return html5lib.parse(html).find(f".//{SVG}svg")


def test_the_map_has_its_address():
    assert resolve("/characters/relationships/").view_name == "characters:relationships"


def test_phones_see_episodes_as_short_codes_and_screen_readers_hear_them_whole(client, cast):
    _, html = page(client, "s1e3")
    assert (
        '<span class="moment"><span class="moment__full">Season 1, Episode 3</span>'
        '<span class="moment__short" aria-hidden="true">S1 E3</span></span>'
    ) in html


def test_table_lists_every_relationship_with_since_and_until(client, cast):
    response, html = page(client, "all")
    assert response.status_code == 200
    assert table_rows(html) == [
        ("James Blood", "protégé of", "Monica Campbell", "From the start"),
        ("James Blood", "partner of", "Sarah Sinclair", "From Season 1, Episode 2"),
        ("Monica Campbell", "mentor of", "James Blood", "From the start"),
        (
            "Monica Campbell",
            "superior of",
            "Sarah Sinclair",
            "From Season 1, Episode 2, until Season 1, Episode 3",
        ),
        ("Sarah Sinclair", "partner of", "James Blood", "From Season 1, Episode 2"),
        ("Sarah Sinclair", "rival of", "Monica Campbell", "From Season 2, Episode 2"),
        ("William Herst", "father of", "Tina Herst", "From Season 2, Episode 1"),
    ]


def test_table_headers_are_scoped_and_captioned(client, cast):
    _, html = page(client, "all")
    document = html5lib.parse(html, namespaceHTMLElements=False)
    table = document.find(".//table[@class='data-table relationship-table']")
    assert "".join(table.find("caption").itertext()) == "Relationships between characters, up to Everything"
    assert [th.get("scope") for th in table.findall("./thead/tr/th")] == ["col"] * 4
    assert {th.get("scope") for th in table.findall("./tbody/tr/th")} == {"row"}


def test_map_draws_each_character_as_a_link_to_their_page(client, cast):
    _, html = page(client, "all")
    svg = drawing(html)
    links = {link.get("href"): link.get("aria-label") for link in svg.iter(f"{SVG}a")}
    assert links == {
        character.get_absolute_url(): character.title
        for character in (cast["james"], cast["sarah"], cast["monica"], cast["tina"], cast["william"])
    }


def test_map_is_labelled_and_scales_to_the_screen(client, cast):
    _, html = page(client, "all")
    svg = drawing(html)
    assert svg.get("role") == "group"
    assert svg.get("width") == "100%"
    x, y, width, height = (int(value) for value in svg.get("viewBox").split())
    assert (x, y) == (0, 0) and width > 0 and height > 0
    title = svg.find(f"{SVG}title")
    assert title.text.startswith("Map of the relationships between characters")
    assert set(svg.get("aria-labelledby").split()) == {title.get("id"), svg.find(f"{SVG}desc").get("id")}


def test_map_draws_one_line_per_pair_with_the_descriptions(client, cast):
    _, html = page(client, "all")
    svg = drawing(html)
    assert len(list(svg.iter(f"{SVG}line"))) == 4
    labels = sorted(label_texts(svg))
    # The same both ways: written once.
    assert labels == ["father", "mentor", "partner", "protégé", "rival", "superior (ended)"]
    assert (
        len([line for line in svg.iter(f"{SVG}line") if line.get("class") == "relationship-map__ended"]) == 0
    )


def test_nodes_sit_inside_the_drawing(cast):
    drawn = RelationshipMap()
    for node in drawn.nodes:
        assert 0 < node.x < drawn.width and 0 < node.y < drawn.height
        for line, x, y in node.lines:
            # Half the line's width either side of its middle, at about 0.6 of the 20-unit font a letter.
            half = len(line) * 6
            assert half < x < drawn.width - half
            assert 20 < y < drawn.height - 10


def test_at_s1e2_only_characters_met_and_relationships_revealed_are_shown(client, cast):
    response, html = page(client, "s1e2")
    assert response.status_code == 200
    assert table_rows(html) == [
        ("James Blood", "protégé of", "Monica Campbell", "From the start"),
        ("James Blood", "partner of", "Sarah Sinclair", "From Season 1, Episode 2"),
        ("Monica Campbell", "mentor of", "James Blood", "From the start"),
        # It ends at s1e3: at s1e2 it still holds.
        ("Monica Campbell", "superior of", "Sarah Sinclair", "From Season 1, Episode 2"),
        ("Sarah Sinclair", "partner of", "James Blood", "From Season 1, Episode 2"),
    ]
    shown = main_of(html)
    for later in (
        "Tina Herst",
        "William Herst",
        "father",
        "rival",
        "(ended)",
        "until Season",
        cast["tina"].get_absolute_url(),
    ):
        assert later not in shown


def test_a_relationship_ended_by_the_limit_says_until_when(client, cast):
    _, html = page(client, "s1e3")
    assert (
        "Monica Campbell",
        "superior of",
        "Sarah Sinclair",
        "From Season 1, Episode 2, until Season 1, Episode 3",
    ) in (table_rows(html))
    svg = drawing(html)
    assert "superior (ended)" in label_texts(svg)


def test_a_pair_whose_relationships_all_ended_is_drawn_dashed(cast):
    with reading.reading_at(3):
        drawn = RelationshipMap()
    ended = [edge for edge in drawn.edges if edge.ended]
    assert len(ended) == 1 and " ".join(line for line, _, _ in ended[0].labels[0]) == "superior (ended)"


def test_before_the_first_episode_with_no_pair_met_the_page_says_so(client, cast):
    response, html = page(client, "start")
    assert response.status_code == 200
    assert "You have not met two characters who are related yet." in html
    assert "<svg" not in main_of(html) and "<table" not in main_of(html)
    for name in ("James Blood", "Monica Campbell", "Sarah Sinclair"):
        assert name not in main_of(html)


def test_query_count_does_not_grow_with_the_characters(client, cast):
    limits = ("all", "s1e2")
    small = [queries_for(client, f"{MAP}?upto={limit}") for limit in limits]
    characters = [CharacterFactory(revealed_at=1) for _ in range(30)]
    for one, other in zip(characters, characters[1:], strict=False):
        CharacterRelationshipFactory(
            character=one, related_character=other, description="ally", revealed_at=2
        )
    assert [queries_for(client, f"{MAP}?upto={limit}") for limit in limits] == small
