"""The wiki markup: Markdown, wiki links, automatic links, citations, and the
cache that keeps each rendering until a page, an alias or the text changes."""

import contextlib
import datetime

import html5lib
import pytest

from tests.factories import (
    AliasFactory,
    ArticleFactory,
    CharacterFactory,
    EpisodeFactory,
    OrganizationFactory,
    PersonFactory,
    ReferenceFactory,
)
from wiki import markup
from wiki.models import Generation, Page, TitleResolver


def render_markdown(text, page=None):
    return markup.render_markdown(text, resolver=TitleResolver(), page=page)


pytestmark = pytest.mark.django_db


def links_in(html):
    """(text, href, class) of every link in ``html``, in order."""
    fragment = html5lib.parseFragment(str(html), treebuilder="etree", namespaceHTMLElements=False)
    return [
        ("".join(a.itertext()), a.get("href"), a.get("class")) for a in fragment.iter("a") if a.get("href")
    ]


def render(text, page=None):
    return str(render_markdown(text, page=page))


@contextlib.contextmanager
def reading_the_generation_once():
    """As during a request: the generations are read once (by the page cache
    middleware), so what is counted inside is the rendering's own queries."""
    with Generation.objects.remember_during():
        Generation.objects.current()
        yield


# Markdown ---------------------------------------------------------------------


def test_markdown_tables_footnotes_fenced_code_and_heading_ids_render():
    html = render(
        "## Plot summary\n\n| Episode | Title |\n|---|---|\n| 1 | Start |\n\n"
        "```\ncode here\n```\n\nA claim.[^why]\n\n[^why]: Because.\n\n1. one\n2. two\n"
    )
    assert '<h2 id="plot-summary">Plot summary</h2>' in html
    assert "<td>Start</td>" in html
    assert "<pre><code>code here\n</code></pre>" in html
    assert '<a class="footnote-ref" href="#fn:why">1</a>' in html
    assert '<li id="fn:why">' in html
    assert "<ol>\n<li>one</li>" in html


def test_a_top_level_heading_becomes_a_section_heading_because_the_page_title_is_the_h1():
    assert '<h2 id="history">History</h2>' in render("# History")


def test_table_alignment_becomes_a_class_not_an_inline_style():
    html = render("| a | b |\n|:--|--:|\n| 1 | 2 |")
    assert '<td class="align-left">1</td>' in html
    assert '<td class="align-right">2</td>' in html
    assert "style" not in html


def test_plain_web_addresses_become_external_links_marked_nofollow():
    assert links_in(render("See https://example.com/page.")) == [
        ("https://example.com/page", "https://example.com/page", None)
    ]
    assert 'rel="nofollow"' in render("See https://example.com/page.")


# Wiki links -------------------------------------------------------------------


def test_wiki_link_to_an_existing_page_is_a_blue_link_to_it():
    CharacterFactory(title="James Blood")
    html = render("Meet [[James Blood]].")
    assert '<a href="/characters/james-blood/" title="James Blood">James Blood</a>' in html


def test_wiki_link_label_replaces_the_title_as_the_link_text():
    CharacterFactory(title="James Blood")
    assert links_in(render("[[James Blood|the agent]]")) == [("the agent", "/characters/james-blood/", None)]


def test_wiki_link_targets_ignore_case_and_may_be_slugs():
    CharacterFactory(title="James Blood")
    OrganizationFactory(title="Special Services Command", slug="ssc")
    assert links_in(render("[[james BLOOD]] and [[ssc|the command]]")) == [
        ("james BLOOD", "/characters/james-blood/", None),
        ("the command", "/organizations/ssc/", None),
    ]


def test_wiki_link_to_an_alias_goes_through_the_redirect_so_the_page_can_say_so():
    AliasFactory(title="Eddy Chandler", page=CharacterFactory(title="Edmond Chandler"))
    assert links_in(render("[[Eddy Chandler]]")) == [("Eddy Chandler", "/go/Eddy%20Chandler/", None)]


def test_wiki_link_to_a_missing_page_is_a_red_link_to_the_new_article_form():
    html = render("[[Grimm|the prisoner]]")
    assert links_in(html) == [
        ("the prisoner", "/admin/articles/article/add/?title=Grimm", "new"),
    ]
    assert 'title="Grimm (page does not exist)"' in html


def test_wiki_links_are_left_alone_inside_code():
    CharacterFactory(title="James Blood")
    html = render("`[[James Blood]]`\n\n    [[James Blood]]\n\n```\n[[James Blood]]\n```")
    assert links_in(html) == []
    assert html.count("[[James Blood]]") == 3


def test_wiki_link_with_a_label_works_inside_a_table_cell_with_an_escaped_pipe():
    CharacterFactory(title="James Blood")
    html = render("| Who | Role |\n|---|---|\n| [[James Blood\\|Blood]] | agent |")
    assert links_in(html) == [("Blood", "/characters/james-blood/", None)]
    assert "<td>agent</td>" in html


def test_every_wiki_link_of_a_text_is_resolved_with_one_query(django_assert_num_queries):
    CharacterFactory(title="James Blood")
    CharacterFactory(title="Sarah Sinclair")
    AliasFactory(title="Eddy", page=CharacterFactory(title="Edmond Chandler"))
    OrganizationFactory(title="Special Services Command", slug="ssc")
    render("warm the cache of automatic link names")
    text = "[[James Blood]], [[Sarah Sinclair]], [[Eddy]], [[ssc]], [[Grimm]], [[Anna Winehouse]]."
    with reading_the_generation_once(), django_assert_num_queries(1):
        html = render(text)
    assert [css for _, _, css in links_in(html)] == [None, None, None, None, "new", "new"]


# Automatic links --------------------------------------------------------------


def test_known_names_are_loaded_with_one_query_and_then_come_from_the_cache(django_assert_num_queries):
    CharacterFactory(title="James Blood")
    CharacterFactory(title="Sarah Sinclair")
    Generation.objects.advance(links=True)
    with reading_the_generation_once():
        with django_assert_num_queries(1):
            assert len(links_in(render("James Blood and Sarah Sinclair."))) == 2
        with django_assert_num_queries(0):
            assert len(links_in(render("Sarah Sinclair and James Blood."))) == 2


@pytest.fixture
def cast():
    return {
        "blood": CharacterFactory(title="James Blood"),
        "eddy": AliasFactory(title="Eddy", page=CharacterFactory(title="Edmond Chandler")).page,
        "ssc": AliasFactory(title="SSC", page=OrganizationFactory(title="Special Services Command")).page,
        "kase": PersonFactory(title="Yasuyuki Kase"),
    }


def test_first_mention_of_a_character_person_or_organization_becomes_a_link(cast):
    html = render("James Blood of the SSC, voiced by Yasuyuki Kase. James Blood again; the SSC again.")
    assert links_in(html) == [
        ("James Blood", "/characters/james-blood/", None),
        ("SSC", "/organizations/special-services-command/", None),
        ("Yasuyuki Kase", "/people/yasuyuki-kase/", None),
    ]


def test_aliases_link_to_their_page_and_count_as_its_first_mention(cast):
    html = render("Eddy helps. Later Edmond Chandler returns.")
    assert links_in(html) == [("Eddy", "/characters/edmond-chandler/", None)]


def test_automatic_links_match_whole_words_with_the_names_capitals_only(cast):
    assert links_in(render("Eddyson and eddy and SSCs and ssc are not names here.")) == []


def test_names_shorter_than_three_characters_are_never_linked(cast):
    AliasFactory(title="JB", page=cast["blood"])
    assert links_in(render("JB was there.")) == []


def test_articles_and_episodes_are_not_linked_automatically(cast):
    ArticleFactory(title="Bio-mask")
    EpisodeFactory(title="Pilot")
    assert links_in(render("The Bio-mask appears in the Pilot.")) == []


def test_no_automatic_link_inside_links_code_or_headings(cast):
    html = render(
        "## James Blood\n\n[the SSC site](https://example.com/ssc) and `Eddy` and\n\n"
        '```\nYasuyuki Kase\n```\n\n<a href="/x">James Blood</a> then Eddy.'
    )
    assert links_in(html) == [
        ("the SSC site", "https://example.com/ssc", None),
        ("James Blood", "/x", None),
        ("Eddy", "/characters/edmond-chandler/", None),
    ]


def test_a_wiki_link_earlier_in_the_text_is_the_first_mention(cast):
    html = render("[[James Blood|Blood]] works with James Blood's team.")
    assert links_in(html) == [("Blood", "/characters/james-blood/", None)]


def test_a_page_never_links_to_itself(cast):
    html = render("James Blood works with Eddy.", page=cast["blood"])
    assert links_in(html) == [("Eddy", "/characters/edmond-chandler/", None)]


def test_automatic_linking_follows_new_pages_and_aliases():
    assert links_in(render("Anna Winehouse knows.")) == []
    anna = CharacterFactory(title="Anna Winehouse")
    assert links_in(render("Anna Winehouse knows.")) == [("Anna Winehouse", anna.get_absolute_url(), None)]
    AliasFactory(title="Anna", page=anna)
    assert links_in(render("Anna knows.")) == [("Anna", anna.get_absolute_url(), None)]


# Citations and references -----------------------------------------------------


def test_a_citation_is_a_superscript_link_to_the_references_list():
    # Numbered per page: the source's note 4, cited first, is reference 1.
    html = render("Claim.[^4]")
    assert '<sup class="reference" id="cite-ref-1-1"><a href="#cite-note-1">[1]</a></sup>' in html


def test_each_citation_of_the_same_reference_gets_its_own_anchor_across_lead_and_body():
    page = ArticleFactory(lead="One.[^1] Two.[^2]", body="Again.[^1] More.[^1]")
    assert 'id="cite-ref-1-1"' in page.lead_html
    assert 'id="cite-ref-1-2"' in page.body_html
    assert 'id="cite-ref-1-3"' in page.body_html


def test_a_numbered_footnote_with_a_definition_stays_a_footnote():
    html = render("Note.[^1]\n\n[^1]: An aside.")
    assert "footnote-ref" in html
    assert "cite-ref" not in html


def test_cited_references_are_numbered_in_order_of_first_citation_with_their_back_links(
    django_assert_num_queries,
):
    ReferenceFactory(number=1, title="First")
    ReferenceFactory(number=16, title="Sixteenth")
    ReferenceFactory(number=3, title="Never cited")
    page = ArticleFactory(lead="A.[^16] B.[^1]", body="C.[^16] D.[^7]")
    page = Page.objects.get(pk=page.pk)
    page.lead_html, page.body_html  # noqa: B018 -- rendered as the page view does
    with django_assert_num_queries(1):
        references = page.cited_references()
    assert [(ref.number, ref.reference.number, ref.reference.title) for ref in references] == [
        (1, 16, "Sixteenth"),
        (2, 1, "First"),
        (3, 7, ""),
    ]
    assert references[0].backlinks == [("cite-ref-1-1", "a"), ("cite-ref-1-2", "b")]


def test_page_shows_references_with_the_details_that_are_known(client):
    ReferenceFactory(
        number=1,
        title="Hero Mask review",
        url="https://example.com/review",
        publisher="Anime News",
        published=datetime.date(2018, 12, 3),
    )
    ReferenceFactory(number=2, title="A book")
    ReferenceFactory(number=3, url="javascript:alert(1)")
    page = ArticleFactory(title="Reception", lead="Liked.[^1] Read.[^2]", body="Again.[^1] Odd.[^3]")
    response = client.get(page.get_absolute_url())
    html = response.content.decode()
    references = html[html.index('<section class="references"') :]
    references = references[: references.index("</section>")]
    assert '<li id="cite-note-1" value="1">' in references
    assert 'href="#cite-ref-1-1"' in references and 'href="#cite-ref-1-2"' in references
    assert (
        '<a class="external" href="https://example.com/review" rel="nofollow">Hero Mask review</a>'
        in references
    )
    assert "Anime News" in references
    assert '<time datetime="2018-12-03">3 December 2018</time>' in references
    assert "<cite>A book</cite>" in references
    assert "javascript" not in references
    assert references.index("cite-note-1") < references.index("cite-note-2") < references.index("cite-note-3")


def test_a_reference_without_known_details_says_so_instead_of_showing_a_bare_number(client):
    ReferenceFactory(number=16)
    page = ArticleFactory(title="Episode guide", lead="Summarised.[^16]")
    html = client.get(page.get_absolute_url()).content.decode()
    references = html[html.index('<section class="references"') :]
    assert "Note [16] of the source text." in references
    # What the source does not give is said once, for the whole list.
    assert references.count("no list of their titles or publishers") == 1


def test_a_page_without_citations_has_no_references_section(client):
    page = ArticleFactory(lead="Nothing cited.")
    assert 'class="references"' not in client.get(page.get_absolute_url()).content.decode()


# Caching ----------------------------------------------------------------------


def test_a_rendering_is_served_from_the_cache_until_something_changes(django_assert_num_queries):
    CharacterFactory(title="James Blood")
    page = ArticleFactory(lead="[[James Blood]] and [[Grimm]].")
    Page.objects.get(pk=page.pk).lead_html  # noqa: B018
    fresh = Page.objects.get(pk=page.pk)
    with reading_the_generation_once(), django_assert_num_queries(0):
        assert "James Blood" in fresh.lead_html


def test_a_red_link_turns_blue_once_its_page_is_created():
    page = ArticleFactory(lead="The prisoner [[Grimm]].")
    assert links_in(Page.objects.get(pk=page.pk).lead_html)[0][2] == "new"
    grimm = CharacterFactory(title="Grimm")
    assert links_in(Page.objects.get(pk=page.pk).lead_html) == [("Grimm", grimm.get_absolute_url(), None)]


def test_a_red_link_turns_blue_once_an_alias_with_its_title_is_added():
    page = ArticleFactory(lead="[[Mr Blood]]")
    AliasFactory(title="Mr Blood", page=CharacterFactory(title="James Blood"))
    assert links_in(Page.objects.get(pk=page.pk).lead_html) == [("Mr Blood", "/go/Mr%20Blood/", None)]


def test_a_blue_link_turns_red_when_its_page_is_renamed_or_deleted():
    blood = CharacterFactory(title="James Blood")
    page = ArticleFactory(lead="[[James Blood]]")
    blood.title = "Jim Blood"
    blood.save()
    assert links_in(Page.objects.get(pk=page.pk).lead_html)[0][2] == "new"
    blood.title = "James Blood"
    blood.save()
    assert links_in(Page.objects.get(pk=page.pk).lead_html)[0][2] is None
    blood.delete()
    assert links_in(Page.objects.get(pk=page.pk).lead_html)[0][2] == "new"


def test_an_edited_text_is_rendered_afresh():
    page = ArticleFactory(lead="Old words.")
    assert "Old words." in Page.objects.get(pk=page.pk).lead_html
    Page.objects.filter(pk=page.pk).update(lead="New words.")
    assert "New words." in Page.objects.get(pk=page.pk).lead_html


def test_a_rendering_keeps_nothing_of_the_text_rendered_before_it():
    # Each thread reuses one Markdown instance: footnotes, heading ids and
    # stashed HTML must start afresh for every text, also after a text whose
    # links alone were read (``links_in`` stops the pipeline half-way).
    first = render("## Plot\n\nA claim.[^a]\n\n[^a]: The first note.\n\n<b>bold</b>")
    assert "The first note." in first and 'id="plot"' in first
    markup.links_in("## Plot\n\nAn [[Other page]].[^b]\n\n[^b]: A stopped note.", None, TitleResolver())
    second = render("## Plot\n\nAnother claim.[^c]\n\n[^c]: The second note.")
    assert "The first note." not in second and "A stopped note." not in second
    assert "The second note." in second and 'id="plot"' in second and "<b>" not in second
