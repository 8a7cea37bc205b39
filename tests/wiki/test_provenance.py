"""Provenance: every statement to the sentence of the source text it rests on.

Pages cite units of the source (``[^season-1-1]``) and get a References list
quoting them; the wiki's own text is marked (``{{editorial|...}}``); rows and
page fields name their units; ``/source/`` shows the source unit by unit with
the pages using each, at the reader's limit; the admin quotes the sentences
next to the facts. A small source text (``tests.source_text``) stands in for
the real one.
"""

import html5lib
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from characters.models import Character
from episodes.models import Appearance
from tests.conftest import queries_for
from tests.factories import (
    AliasFactory,
    AppearanceFactory,
    ArticleFactory,
    CharacterFactory,
    MembershipFactory,
    PersonFactory,
    StaffUserFactory,
    VoiceCreditFactory,
    make_series,
)
from tests.source_text import source_text  # noqa: F401 -- a fixture
from tests.wiki.test_xss import find_problems
from wiki import markup, reading
from wiki.models import Page, TitleResolver

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("source_text")]

SOURCE_URL = reverse("wiki:source")


def parse(html):
    return html5lib.parseFragment(str(html), treebuilder="etree", namespaceHTMLElements=False)


def marks(html):
    """(id, link target, label) of every citation mark in ``html``, in order."""
    return [
        (sup.get("id"), sup.find("a").get("href"), sup.find("a").text)
        for sup in parse(html).iter("sup")
        if sup.get("class") == "reference"
    ]


def element_by_id(html, element_id):
    """The element of ``html`` with ``element_id``, as HTML-ish text (its text and its links' targets)."""
    for element in parse(html).iter():
        if isinstance(element.tag, str) and element.get("id") == element_id:
            return element
    raise AssertionError(f"no element with id {element_id!r}")


def section_of(html, heading_id):
    """The <section> labelled by the heading ``heading_id``."""
    for element in parse(html).iter("section"):
        if element.get("aria-labelledby") == heading_id:
            return element
    raise AssertionError(f"no section labelled by {heading_id!r}")


def text_of(element):
    return " ".join("".join(element.itertext()).split())


def hrefs(element):
    return [a.get("href") for a in element.iter("a") if a.get("href")]


def references_of(html):
    start = html.index('<section class="references"')
    return html[start : html.index("</section>", start)]


def render(text, limit=None):
    return str(markup.render(text, resolver=TitleResolver(), limit=limit).html)


# Citations and the References list -------------------------------------------------------


def test_citations_are_numbered_per_page_in_order_of_first_citation_across_lead_and_body():
    page = ArticleFactory(
        lead="They meet.[^season-1-1] A note of the source.[^16]",
        body="A detective.[^main-characters-1] They meet again.[^season-1-1]",
    )
    page = Page.objects.get(pk=page.pk)
    assert marks(page.lead_html) == [
        ("cite-ref-1-1", "#cite-note-1", "[1]"),
        ("cite-ref-2-1", "#cite-note-2", "[2]"),
    ]
    assert marks(page.body_html) == [
        ("cite-ref-3-1", "#cite-note-3", "[3]"),
        ("cite-ref-1-2", "#cite-note-1", "[1]"),
    ]


def test_marks_are_numbered_in_the_order_of_the_text_even_inside_lists_and_tables():
    html = render(
        "First.[^introduction-1]\n\n- In a list.[^season-1-1]\n\n"
        "| A | B |\n|---|---|\n| In a table.[^season-1-2] | x |\n\nLast.[^season-2-1]"
    )
    assert [label for _, _, label in marks(html)] == ["[1]", "[2]", "[3]", "[4]"]


def test_a_unit_cited_twice_is_one_reference_quoting_its_sentence_with_back_links(client):
    page = ArticleFactory(
        title="The plot",
        lead="They meet at the station.[^season-1-1]",
        body="They meet again.[^season-1-1] They fight.[^season-1-2]",
    )
    references = references_of(client.get(page.get_absolute_url()).content.decode())
    first, second = element_by_id(references, "cite-note-1"), element_by_id(references, "cite-note-2")
    assert hrefs(first) == ["#cite-ref-1-1", "#cite-ref-1-2", f"{SOURCE_URL}#season-1-1"]
    assert [text_of(a) for a in first.iter("a")][:2] == ["a", "b"]
    assert text_of(first.find(".//q")) == "Ann meets Bob at the station."
    assert "Plot summary › Season 1." in text_of(first)
    assert "source notes [5]" in text_of(second) and "They fight the King together." in text_of(second)
    assert 'id="cite-note-3"' not in references
    # What the source's notes lack is said once, in the list's introduction.
    assert references.count("no list of their titles or publishers") == 1


def test_an_unknown_unit_is_a_visible_error_in_the_text_and_no_reference():
    page = ArticleFactory(lead="A claim.[^no-such-sentence] Another.[^season-1-1]")
    assert '<span class="citation-error">[unknown source sentence: no-such-sentence]</span>' in page.lead_html
    assert [reference.key for reference in page.cited_references()] == ["season-1-1"]


def test_the_references_of_a_page_quote_names_not_met_as_the_page_text_does(client):
    make_series((3, 2))
    AliasFactory(title="Bob", page=CharacterFactory(title="Bob Best", revealed_at=2))
    page = ArticleFactory(title="Station", lead="They meet.[^season-1-2018-e1]")
    html = client.get(page.get_absolute_url() + "?upto=s1e1").content.decode()
    quote = element_by_id(references_of(html), "cite-note-1").find(".//q")
    assert text_of(quote) == "Ann meets [not met yet] at the station."


def test_a_sentence_beside_a_hidden_passage_is_not_quoted_until_the_passage_is_revealed(client):
    make_series((3, 2))
    page = ArticleFactory(
        title="Dog",
        lead="Ann is a detective{{reveal s1e3| with a dog}}.[^main-characters-1] Known.[^introduction-1]",
    )
    early = references_of(client.get(page.get_absolute_url() + "?upto=s1e1").content.decode())
    assert "with a dog" not in early
    assert "The source sentence is hidden at your reading limit, until Season 1, Episode 3." in text_of(
        element_by_id(early, "cite-note-1")
    )
    assert element_by_id(early, "cite-note-2").find(".//q") is not None
    later = references_of(client.get(page.get_absolute_url() + "?upto=s1e3").content.decode())
    assert "Ann Able is a detective with a dog." in later


@pytest.mark.parametrize(
    ("text", "withheld"),
    [
        ("Ann{{reveal s1e3| and Bob}} meet.[^season-1-1] Known.[^introduction-1]", ["season-1-1"]),
        ("Ann meets Bob.[^season-1-1] {{reveal s1e3|They fight.[^season-1-2]}} Known.[^introduction-1]", []),
        (
            "A detective{{reveal s1e3| with a dog.}}[^main-characters-1] Known.[^introduction-1]",
            ["main-characters-1"],
        ),
        (
            "- Ann{{reveal s1e3| and Bob}}[^season-1-1][^season-1-2]\n- Known[^introduction-1]",
            ["season-1-1", "season-1-2"],
        ),
        ("{{reveal s1e3}}\nA whole paragraph.[^season-1-2]\n{{/reveal}}\n\nKnown.[^introduction-1]", []),
    ],
)
def test_only_the_citations_of_a_sentence_partly_hidden_are_withheld(text, withheld):
    make_series((3, 2))
    with reading.reading_at(1) as limit:
        rendering = markup.render(text, resolver=TitleResolver(), limit=limit)
    assert [key for key, _ in rendering.withheld] == withheld
    assert markup.render(text, resolver=TitleResolver()).withheld == ()


# Editorial text ----------------------------------------------------------------------


def test_editorial_text_is_marked_as_the_wikis_own():
    html = render(
        "Known.[^introduction-1] {{editorial|See also the other page.}}\n\n"
        "{{editorial}}\nThe source spells the name two ways.\n\n- one\n- two\n{{/editorial}}\n"
    )
    assert '<span class="editorial">See also the other page.</span>' in html
    block = parse(html).find(".//div[@class='editorial']")
    assert text_of(block).startswith("Editors’ note The source spells the name two ways.")
    assert len(block.findall(".//li")) == 2


def test_editorial_markers_and_reveal_passages_nest_either_way():
    make_series((3, 2))
    text = (
        "Known {{editorial|see {{reveal s1e3|the rooftop}} too}} and {{reveal s1e3|later "
        "{{editorial|an aside}} text}}.\n\n"
        "{{editorial}}\nNavigation {{reveal s1e3|with a secret}}.\n{{/editorial}}\n\n"
        "{{reveal s1e3}}\n{{editorial}}\nA hidden note.\n{{/editorial}}\n{{/reveal}}\n"
    )
    everything = render(text)
    assert '<span class="editorial">see the rooftop too</span>' in everything
    assert 'later <span class="editorial">an aside</span> text' in everything
    assert "with a secret" in everything and "A hidden note." in everything
    assert everything.count('<div class="editorial"') == 2
    with reading.reading_at(1) as limit:
        early = render(text, limit=limit)
    assert "rooftop" not in early and "an aside" not in early and "secret" not in early
    assert "A hidden note." not in early
    assert early.count('class="hidden-passage"') == 4
    assert '<span class="editorial">see <span class="hidden-passage"' in early
    assert early.count('<div class="editorial"') == 1
    assert "{{" not in everything + early and "}}" not in everything + early


HOSTILE = [
    "{{editorial|<script>alert(1)</script>}}",
    "{{editorial}}\n<img src=x onerror=alert(1)>\n{{/editorial}}",
    '{{editorial|<a href="javascript:alert(1)">x</a>}}',
    "{{editorial|[x](javascript:alert(1))}}",
    "[^<script>alert(1)</script>]",
    '[^season-1-1" onmouseover="alert(1)]',
    "[^a<img src=x onerror=alert(1)>]",
    '{{editorial|[^x"><script>alert(1)</script>]}}',
    "{{reveal s1e3|{{editorial|<svg onload=alert(1)>}}}}",
    "{{editorial}}\n{{reveal s1e3}}\n<iframe src=javascript:alert(1)></iframe>\n{{/reveal}}\n{{/editorial}}",
    "</span></div><script>alert(1)</script>{{editorial|x}}",
    '{{editorial|<span class="editorial" onclick="alert(1)">forged</span>}}',
    "[^" + "a" * 200 + "]",
    "[^season-1-1][^<b onclick=alert(1)>]",
]


@pytest.mark.parametrize("vector", HOSTILE)
def test_hostile_text_in_citations_and_editorial_markers_cannot_inject_markup(vector):
    make_series((3, 2))
    text = f"Known.[^season-1-1]\n\n{vector}\n\nAfter.[^16]"
    with reading.reading_at(1) as limit:
        early = render(text, limit=limit)
    for html in (render(text), early):
        assert find_problems(html) == [], html
        assert "<script" not in html.lower()


# The source page ---------------------------------------------------------------------------


@pytest.fixture
def cited():
    """Pages and rows that use units of the source, each in one of the ways."""
    ann = CharacterFactory(
        title="Ann Able",
        lead="Ann Able is a detective.[^main-characters-1]",
        occupation="detective",
        field_sources={"occupation": "main-characters-1"},
    )
    voice = VoiceCreditFactory(
        character=ann, person=PersonFactory(title="Kei Voice"), sources="introduction-3"
    )
    plot = ArticleFactory(title="The plot", lead="They meet at the station.[^season-1-1]")
    return {"ann": ann, "voice": voice, "plot": plot}


def test_the_source_page_shows_the_source_by_section_sentence_by_sentence(client, cited):
    html = client.get(SOURCE_URL).content.decode()
    headings = [text_of(h) for h in parse(html).iter() if h.tag in ("h2", "h3")]
    assert headings[:3] == ["Coverage", "Introduction", "Plot summary"]
    assert {"Season 1", "Season 2", "Characters", "Main characters", "Episodes", "Season 1 (2018)"} <= set(
        headings
    )
    for unit_id in (
        "introduction-1",
        "season-1-2",
        "main-characters-2",
        "season-1-2018-e3",
        "season-2-2019-e2",
    ):
        assert f'id="{unit_id}"' in html
    row = element_by_id(html, "season-2-2019-e2")
    assert [text_of(cell) for cell in row.findall("td")][:3] == [
        "2",
        "Episode 2",
        "Bob is unmasked as the King.",
    ]
    assert "[1][2]" in text_of(element_by_id(html, "introduction-1"))
    inconsistencies = reverse("wiki:go", kwargs={"title": "Source inconsistencies"})
    assert f'href="{inconsistencies}"' in html


def test_the_source_page_links_each_unit_to_the_pages_that_use_it_and_marks_the_unused(client, cited):
    html = client.get(SOURCE_URL).content.decode()
    described = element_by_id(html, "main-characters-1")
    assert cited["ann"].get_absolute_url() in hrefs(described)
    assert "(text, field: occupation)" in text_of(described)
    cast = element_by_id(html, "introduction-3")
    assert cited["ann"].get_absolute_url() in hrefs(cast)
    assert cited["voice"].person.get_absolute_url() in hrefs(cast)
    assert "(voice credit)" in text_of(cast)
    unused = element_by_id(html, "season-2-1")
    assert "source-unit--unused" in unused.get("class")
    assert "Unused" in text_of(unused)
    assert "source-unit--unused" not in element_by_id(html, "season-1-1").get("class")
    assert "3 of 15 (12 unused, marked below)" in html


def test_a_citing_page_and_the_source_page_link_both_ways(client, cited):
    page_html = client.get(cited["plot"].get_absolute_url()).content.decode()
    assert f"{SOURCE_URL}#season-1-1" in hrefs(element_by_id(references_of(page_html), "cite-note-1"))
    source_html = client.get(SOURCE_URL).content.decode()
    assert cited["plot"].get_absolute_url() in hrefs(element_by_id(source_html, "season-1-1"))
    footer = source_html[source_html.index('<footer class="site-footer">') :]
    assert f'<a href="{SOURCE_URL}">Source text</a>' in footer


def test_the_source_page_hides_units_after_the_readers_limit_and_masks_names_not_met(client):
    make_series((3, 2))
    CharacterFactory(title="Ann Able")
    bob = CharacterFactory(
        title="Bob Best", revealed_at=2, lead="Bob Best is a prosecutor.[^main-characters-2]"
    )
    AliasFactory(title="Bob", page=bob)
    html = client.get(SOURCE_URL + "?upto=s1e1").content.decode()
    cells = [text_of(cell) for cell in element_by_id(html, "season-1-2018-e1").findall("td")]
    assert cells[:2] == ["1", "Ann meets [not met yet] at the station.[9]"]
    for unit_id, label in (
        ("season-1-2018-e2", "Season 1, Episode 2"),
        ("season-1-1", "Season 1, Episode 3"),
        ("season-2-1", "Season 2, Episode 2"),
    ):
        unit = element_by_id(html, unit_id)
        assert f"[revealed in {label}: show once]" in text_of(unit)
        assert f"?show=page#{unit_id}" in hrefs(unit)
    assert "chase a thief" not in html and "turns out to be" not in html
    premise = text_of(element_by_id(html, "introduction-1"))
    assert premise.startswith(
        "Test Show (stylized as TEST≠SHOW) is an anime about Ann Able and [not met yet]."
    )
    assert "Bob Best" not in html[html.index('id="section-introduction"') :]
    # A description is quoted once the reader meets the character whose page cites it.
    described = element_by_id(html, "main-characters-2")
    assert "[revealed in Season 1, Episode 2: show once]" in text_of(described)
    assert bob.get_absolute_url() not in hrefs(described)
    assert "1 page you have not met yet" in text_of(described)
    shown = client.get(SOURCE_URL + "?upto=s1e1&show=page").content.decode()
    assert "chase a thief" in shown and "turns out to be" in shown and "is a prosecutor" in shown


def test_a_sentence_is_hidden_on_the_source_page_until_every_page_citing_it_shows_it(client):
    make_series((3, 2))
    CharacterFactory(title="Ann Able", lead="Ann Able is a detective.[^main-characters-1]")
    ArticleFactory(title="Dogs", lead="A dog{{reveal s1e3| helps a detective}}.[^main-characters-1]")
    ArticleFactory(
        title="Fights",
        lead="Known.[^introduction-1] {{reveal s1e2|Bob is a prosecutor.[^main-characters-2]}}",
    )
    html = client.get(SOURCE_URL + "?upto=s1e1").content.decode()
    assert "[revealed in Season 1, Episode 3: show once]" in text_of(element_by_id(html, "main-characters-1"))
    assert "[revealed in Season 1, Episode 2: show once]" in text_of(element_by_id(html, "main-characters-2"))
    assert "show once" not in text_of(element_by_id(html, "introduction-1"))
    html = client.get(SOURCE_URL + "?upto=s1e3").content.decode()
    assert "Ann Able is a detective with a dog." in text_of(element_by_id(html, "main-characters-1"))


def test_the_source_page_takes_the_same_queries_however_many_pages_cite_it(client):
    def add_pages(count, start):
        for n in range(start, start + count):
            character = CharacterFactory(
                title=f"Person {n}",
                lead=f"Met.[^season-1-{1 + n % 2}]",
                field_sources={"role": "main-characters-1"},
            )
            MembershipFactory(character=character, sources="season-2-1")

    add_pages(2, 0)
    few = queries_for(client, SOURCE_URL)
    add_pages(6, 2)
    assert queries_for(client, SOURCE_URL) == few


# Fields ------------------------------------------------------------------------------------


def test_a_sources_field_names_the_unknown_ids():
    membership = MembershipFactory(sources="season-1-1 no-such-1 Bad_Id")
    with pytest.raises(ValidationError) as error:
        membership.full_clean()
    message = " ".join(error.value.message_dict["sources"])
    assert "no-such-1" in message and "Bad_Id" in message and "season-1-1" not in message


def test_field_sources_name_fields_of_the_pages_kind_and_known_ids():
    character = Character(
        title="Ann Able",
        slug="ann-able",
        field_sources={"occupation": "main-characters-1", "nickname": "season-1-1", "role": "gone-1"},
    )
    with pytest.raises(ValidationError) as error:
        character.clean()
    messages = error.value.message_dict["field_sources"]
    assert any("nickname" in message for message in messages)
    assert any(message.startswith("role:") and "gone-1" in message for message in messages)
    assert not any("occupation" in message for message in messages)
    Character(title="Bob", slug="bob", field_sources={"occupation": "main-characters-1"}).clean()


def test_the_admin_shows_a_characters_provenance_next_to_its_facts(client, cited):
    client.force_login(StaffUserFactory())
    MembershipFactory(character=cited["ann"], sources="season-1-2")
    opts = Character._meta
    html = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[cited["ann"].pk]))
    html = html.content.decode()
    assert "<h2>Provenance</h2>" in html or ">Provenance</h2>" in html
    provenance = html[html.index('class="provenance"') :]
    assert "<dt>Occupation</dt>" in provenance
    assert "Ann Able is a detective with a dog." in provenance
    assert f'href="{SOURCE_URL}#main-characters-1"' in provenance
    # Inline rows: the field to edit, with help, and the sentences quoted beside it.
    assert 'name="memberships-0-sources" value="season-1-2"' in html
    assert "Ids of the sentences of the source text this fact rests on" in html
    assert "source sentences, quoted" in html.lower()
    assert "They fight the King together." in html


# The data fixes the source asks for ------------------------------------------------------------


def test_mentioned_characters_are_listed_apart_and_do_not_count_as_appearances(client):
    first, second, third, *_ = make_series((3, 2))
    monica = CharacterFactory(title="Monica Campbell")
    AppearanceFactory(episode=first, character=monica)
    AppearanceFactory(episode=second, character=monica, kind=Appearance.Kind.MENTIONED)
    james = CharacterFactory(title="James Blood")
    AppearanceFactory(episode=second, character=james)
    AppearanceFactory(episode=first, character=james, kind=Appearance.Kind.MENTIONED)
    html = client.get(second.get_absolute_url()).content.decode()
    appearing = section_of(html, "episode-characters")
    mentioned = section_of(html, "episode-mentions")
    assert hrefs(appearing) == [james.get_absolute_url()]
    assert hrefs(mentioned) == [monica.get_absolute_url()]
    html = client.get(james.get_absolute_url()).content.decode()
    assert html.count("Mentioned only") == 1
    first_appearance = html[html.index('class="first-appearance"') :]
    assert first_appearance.index(second.get_absolute_url()) < first_appearance.index(
        "First appearance</strong>"
    )
    infobox = html[html.index('<th scope="row">First appearance</th>') :]
    assert infobox.index(second.get_absolute_url()) < infobox.index("</tr>")


def test_a_hedged_runtime_reads_about_and_the_stylized_title_is_labelled_so(client):
    episode = make_series((2,))[0]
    work = episode.season.work
    work.native_title = "TEST≠SHOW"
    work.save()
    episode.runtime_is_approximate = True
    episode.save()
    assert "<td>about 24 minutes</td>" in client.get(episode.get_absolute_url()).content.decode()
    html = client.get(work.get_absolute_url()).content.decode()
    assert '<th scope="row">Stylized as</th><td>TEST≠SHOW</td>' in html
    assert "<td>about 24 minutes per episode</td>" in html
