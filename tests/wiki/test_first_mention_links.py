"""Wikipedia's rule on duplicate links: a page is linked at its first mention
in the lead and in each section, and in the first row of a table that names
it, not at every mention."""

import re

import pytest

from tests.factories import CharacterFactory, EpisodeFactory, SeasonFactory
from wiki.markup import render
from wiki.models import TitleResolver

pytestmark = pytest.mark.django_db


def links_to(html, url):
    return len(re.findall(rf'<a href="{re.escape(url)}"', html))


def rendered(text, page=None):
    return render(text, resolver=TitleResolver(), page=page, field="body").html


def test_a_name_mentioned_three_times_in_one_section_is_linked_once():
    sarah = CharacterFactory(title="Sarah Sinclair")
    html = rendered(
        "## Plot\n\nSarah Sinclair arrives. Later Sarah Sinclair leaves.\n\nSarah Sinclair returns."
    )
    assert links_to(html, sarah.get_absolute_url()) == 1
    assert html.count(">Sarah Sinclair") + html.count(" Sarah Sinclair") == 3


def test_a_name_is_linked_again_in_each_section():
    sarah = CharacterFactory(title="Sarah Sinclair")
    html = rendered(
        "Sarah Sinclair in the lead of the body.\n\n## First\n\nSarah Sinclair, Sarah Sinclair.\n\n"
        "### Second\n\nSarah Sinclair again.\n\n#### Detail\n\nSarah Sinclair once more."
    )
    # Before the first heading, under the h2 and under the h3; an h4 is part of its h3's section.
    assert links_to(html, sarah.get_absolute_url()) == 3


def test_an_editors_wiki_link_stays_a_link_and_counts_as_the_first_mention():
    sarah = CharacterFactory(title="Sarah Sinclair")
    html = rendered("[[Sarah Sinclair]] meets Sarah Sinclair, as [[Sarah Sinclair|she]] planned.")
    assert links_to(html, sarah.get_absolute_url()) == 2
    assert ">she</a>" in html


def test_a_page_never_links_to_itself():
    sarah = CharacterFactory(title="Sarah Sinclair")
    html = rendered("Sarah Sinclair is [[Sarah Sinclair]].", page=sarah)
    assert links_to(html, sarah.get_absolute_url()) == 0
    assert "<p>Sarah Sinclair is <span>Sarah Sinclair</span>.</p>" in html


def test_a_name_in_an_episode_table_is_linked_in_its_first_row_only(client):
    james = CharacterFactory(title="James Blood")
    sarah = CharacterFactory(title="Sarah Sinclair")
    season = SeasonFactory(title="Season One")
    EpisodeFactory(season=season, number=1, lead="[[James Blood]] takes the case.")
    EpisodeFactory(season=season, number=2, lead="James Blood and [[Sarah Sinclair]] give chase.")
    EpisodeFactory(season=season, number=3, lead="[[James Blood]] and Sarah Sinclair win.")

    html = client.get(season.get_absolute_url()).content.decode()
    table = re.search(r"<table[^>]*episode-table.*?</table>", html, re.DOTALL).group(0)
    summaries = re.findall(r'<td class="summary"[^>]*>(.*?)</td>', table, re.DOTALL)
    assert [links_to(summary, james.get_absolute_url()) for summary in summaries] == [1, 0, 0]
    assert [links_to(summary, sarah.get_absolute_url()) for summary in summaries] == [0, 1, 0]
    assert all("James Blood" in summary for summary in summaries)
    # Each episode's own page still links what its summary names.
    episode_html = client.get(season.episodes.get(number=3).get_absolute_url()).content.decode()
    assert links_to(episode_html.split('class="lead"', 1)[1], james.get_absolute_url()) >= 1


def test_the_home_pages_episode_tables_link_each_name_once_per_table(content, client):
    html = client.get("/").content.decode()
    tables = re.findall(r"<table[^>]*episode-table.*?</table>", html, re.DOTALL)
    assert len(tables) == 2
    for table in tables:
        summaries = "".join(re.findall(r'<td class="summary"[^>]*>(.*?)</td>', table, re.DOTALL))
        targets = re.findall(r'<a href="([^"]+)"', summaries)
        assert targets, "the summaries still link the names they mention first"
        assert len(targets) == len(set(targets)), "a page linked twice in one table"
        assert "/works/hero-mask/" not in targets
    # 126 links before the rule (102 in the summaries); 54 after (30 in the summaries).
    assert sum(table.count("<a ") for table in tables) <= 60
