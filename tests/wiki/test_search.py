"""Full-text search: ranking, snippets, "go" redirects, spelling suggestions,
suggestions as you type, pagination, and an index that follows every edit."""

import json
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from episodes.models import Role as StaffRole
from tests.factories import (
    AliasFactory,
    ArticleFactory,
    CharacterFactory,
    EpisodeFactory,
    OrganizationFactory,
    PersonFactory,
    SeasonFactory,
    StaffCreditFactory,
    VoiceCreditFactory,
    WorkFactory,
)
from wiki.models import Alias, Page
from wiki.search import queries as search
from wiki.search.backends import INDEX_TABLE
from wiki.search.text import highlight

pytestmark = pytest.mark.django_db

SEARCH = reverse("wiki:search")
SUGGEST = reverse("wiki:suggest")


def result_titles(client, query, **params):
    response = client.get(SEARCH, {"q": query, "fulltext": 1, **params})
    assert response.status_code == 200
    return [hit.title for hit in response.context["results"].hits]


def suggestion_titles(client, query):
    response = client.get(SUGGEST, {"q": query})
    assert response.status_code == 200
    return [result["title"] for result in response.json()["results"]]


# Ranking


def test_title_match_ranks_above_body_only_match(client):
    ArticleFactory(title="Hospital records", lead="Paperwork.", body="Nothing about detectives here.")
    ArticleFactory(title="A quiet day", lead="The detective walks to the hospital.", body="")
    CharacterFactory(title="Detective Ray", lead="A police officer.")

    titles = result_titles(client, "detective")

    assert titles[0] == "Detective Ray"
    assert set(titles) == {"Detective Ray", "A quiet day", "Hospital records"}


def test_word_in_title_ranks_above_word_in_body(client):
    ArticleFactory(title="Weather report", lead="Rain falls on the mask makers.", body="")
    ArticleFactory(title="The golden mask", lead="An heirloom.", body="")

    assert result_titles(client, "mask") == ["The golden mask", "Weather report"]


def test_long_page_with_the_word_in_its_title_ranks_above_short_pages_mentioning_it(client):
    ArticleFactory(title="Hero Mask", lead="An anime series.", body="Plot and production. " * 400 + "A mask.")
    ArticleFactory(title="Wakaiki", lead="Wakaiki drew the manga of Hero Mask.")
    ArticleFactory(title="Season 1", lead="The first season of Hero Mask.")

    assert result_titles(client, "mask")[0] == "Hero Mask"


def test_alias_prefix_match_ranks_above_body_only_match(client):
    ArticleFactory(title="Street market", lead="Sally buys apples.")
    sarah = CharacterFactory(title="Sarah Sinclair", lead="An agent of the SSC.")
    AliasFactory(title="Sally", page=sarah)

    response = client.get(SEARCH, {"q": "sally", "fulltext": 1})

    assert [hit.title for hit in response.context["results"].hits] == ["Sarah Sinclair", "Street market"]
    assert "also called Sally" in response.content.decode()


def test_every_kind_of_page_is_searchable_and_labelled(client):
    work = WorkFactory(title="Zebra Work", lead="A zebra story.")
    season = SeasonFactory(work=work, title="Zebra season 1")
    EpisodeFactory(season=season, title="Zebra episode 1")
    CharacterFactory(title="Zebra Character")
    PersonFactory(title="Zebra Person")
    OrganizationFactory(title="Zebra Organization")
    ArticleFactory(title="Zebra Article")

    response = client.get(SEARCH, {"q": "zebra", "fulltext": 1})

    kinds = {hit.title: hit.kind for hit in response.context["results"].hits}
    assert kinds == {
        "Zebra Work": "Work",
        "Zebra season 1": "Season",
        "Zebra episode 1": "Episode",
        "Zebra Character": "Character",
        "Zebra Person": "Person",
        "Zebra Organization": "Organization",
        "Zebra Article": "Article",
    }
    html = response.content.decode()
    for page in Page.objects.all():
        assert f'href="{page.get_absolute_url()}"' in html


def test_every_word_must_match_and_the_last_may_be_a_prefix(client):
    ArticleFactory(title="Red harbour", lead="Boats in the harbour.")
    ArticleFactory(title="Red hill", lead="A hill.")

    assert result_titles(client, "red harb") == ["Red harbour"]
    # "harb" is no word of either page: both have only some of the words.
    assert search.search("harb red").partial


# Snippets


def test_snippet_escapes_html_and_highlights_the_searched_words(client):
    ArticleFactory(
        title="Unsafe text",
        lead='The <script>alert("x")</script> villain & the <b>crime</b> boss, 5 < 6.',
        body="",
    )

    html = client.get(SEARCH, {"q": "crime villain", "fulltext": 1}).content.decode()

    assert "<script>alert" not in html
    assert (
        "The alert(&quot;x&quot;) <mark>villain</mark> &amp; the <mark>crime</mark> boss, 5 &lt; 6." in html
    )


def test_snippet_shows_wiki_link_labels_without_markup_or_citations(client):
    ArticleFactory(
        title="Case file",
        lead="Filed by [[James Blood|Agent Blood]] and [[Sarah Sinclair]].[^3] **Solved** quickly.",
    )

    html = client.get(SEARCH, {"q": "solved", "fulltext": 1}).content.decode()

    assert "Filed by Agent Blood and Sarah Sinclair. <mark>Solved</mark> quickly." in html
    assert "[[" not in html
    assert "[^3]" not in html


def test_page_is_found_by_the_title_it_links_to_under_another_label(client):
    ArticleFactory(title="Case file", lead="Filed by [[James Blood|the agent]].")

    assert result_titles(client, "blood") == ["Case file"]


def test_snippet_starts_near_a_match_deep_in_the_body(client):
    ArticleFactory(title="Long page", lead="Intro.", body=("filler " * 200) + "needle found here.")

    hit = client.get(SEARCH, {"q": "needle", "fulltext": 1}).context["results"].hits[0]

    assert hit.snippet.startswith("… ")
    assert "<mark>needle</mark> found here." in hit.snippet


def test_highlight_never_marks_inside_escaped_entities():
    snippet = highlight('Tom & "amp" <lt>', ["amp", "lt"])

    assert snippet == "Tom &amp; &quot;<mark>amp</mark>&quot; &lt;<mark>lt</mark>&gt;"


# "Go": exact titles and aliases


def test_exact_title_search_goes_straight_to_the_page(client):
    character = CharacterFactory(title="James Blood")

    response = client.get(SEARCH, {"q": "  jAMES blood "})

    assert response.status_code == 302
    assert response["Location"] == character.get_absolute_url()


def test_exact_alias_search_goes_to_the_aliased_page(client):
    character = CharacterFactory(title="James Blood")
    AliasFactory(title="Jimmy B", page=character)

    response = client.get(SEARCH, {"q": "jimmy b"}, follow=True)

    assert response.status_code == 200
    assert urlsplit(response.redirect_chain[-1][0]).path == character.get_absolute_url()


def test_fulltext_search_lists_results_and_names_the_exact_page(client):
    character = CharacterFactory(title="James Blood")
    ArticleFactory(title="Case file", lead="James Blood solved it.")

    response = client.get(SEARCH, {"q": "James Blood", "fulltext": 1})

    assert response.status_code == 200
    assert [hit.title for hit in response.context["results"].hits] == ["James Blood", "Case file"]
    assert (
        f'There is a page named “<a href="{character.get_absolute_url()}">James Blood</a>”'
        in response.content.decode()
    )


def test_partial_title_search_lists_results_instead_of_going(client):
    CharacterFactory(title="James Blood")

    response = client.get(SEARCH, {"q": "James"})

    assert response.status_code == 200
    assert [hit.title for hit in response.context["results"].hits] == ["James Blood"]


# "Did you mean"


def correction(query):
    """What a search offers instead of ``query``: the correction whose results
    it shows, or the one it suggests ("" for none)."""
    results = search.search(query)
    return results.query.text if results.typed else results.suggestion


def test_misspelt_title_shows_the_results_of_its_correction_with_a_way_back(client):
    CharacterFactory(title="James Blood")
    CharacterFactory(title="Sarah Sinclair")

    response = client.get(SEARCH, {"q": "jmes blod"})

    html = response.content.decode()
    assert [hit.title for hit in response.context["results"].hits] == ["James Blood"]
    assert (
        "Showing results for <b>James Blood</b> — search instead for "
        '<a href="/search/?q=jmes+blod&amp;fulltext=1&amp;exact=1">jmes blod</a>'
    ) in html


def test_the_search_instead_link_searches_the_words_as_typed_and_suggests_the_correction(client):
    CharacterFactory(title="James Blood")

    response = client.get(SEARCH, {"q": "jmes blod", "fulltext": 1, "exact": 1})

    html = response.content.decode()
    assert response.context["results"].hits == []
    assert "Showing results for" not in html
    assert 'Did you mean <a href="/search/?q=James+Blood">James Blood</a>?' in html


def test_a_correction_that_finds_nothing_more_is_only_suggested(client):
    CharacterFactory(title="James Blood")
    ArticleFactory(title="Notes", lead="Jmes wrote them.")

    results = search.search("jmes blod")

    # "jmes" is a word of a page, so only "blod" is corrected, and "jmes blood" finds nothing.
    assert results.typed is None
    assert results.suggestion == "jmes Blood"


def test_words_of_the_pages_texts_are_not_corrected(client):
    CharacterFactory(title="Police chief")
    PersonFactory(title="Ann Voss", lead="The voice of the chief.")

    assert correction("voice") == ""
    assert [hit.title for hit in search.search("voice").hits] == ["Ann Voss"]


def test_misspelt_alias_word_is_corrected_to_its_spelling(client):
    character = CharacterFactory(title="James Blood")
    AliasFactory(title="Shadow Agent", page=character)

    assert correction("shadw") == "Shadow"


def test_correct_search_gets_no_suggestion(client):
    CharacterFactory(title="James Blood")
    ArticleFactory(title="Case file", lead="Blood on the floor.")

    assert correction("blood") == ""
    assert correction("zzzzqqq") == ""


def test_spelling_vocabulary_follows_renamed_pages(client):
    character = CharacterFactory(title="James Blood")
    assert correction("jmes blod") == "James Blood"

    character.title = "Harold Blood"
    character.save()

    assert correction("harld blod") == "Harold Blood"


# Suggestions as you type


def test_suggest_returns_titles_starting_with_the_query_as_json(client):
    character = CharacterFactory(title="James Blood")
    ArticleFactory(title="Jamboree")
    ArticleFactory(title="Sarah Sinclair")

    response = client.get(SUGGEST, {"q": "JAM"})

    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {
        "query": "JAM",
        "results": [
            {"title": "Jamboree", "url": "/wiki/jamboree/", "kind": "Article"},
            {"title": "James Blood", "url": character.get_absolute_url(), "kind": "Character"},
        ],
    }


def test_suggest_matches_later_words_and_aliases(client):
    CharacterFactory(title="James Blood")
    sarah = CharacterFactory(title="Sarah Sinclair")
    AliasFactory(title="Agent Sally", page=sarah)

    assert suggestion_titles(client, "blo") == ["James Blood"]
    assert suggestion_titles(client, "agent s") == ["Sarah Sinclair"]
    assert suggestion_titles(client, "sal") == ["Sarah Sinclair"]


def test_suggest_lists_at_most_ten_pages_title_prefixes_first(client):
    for number in range(12):
        ArticleFactory(title=f"Mask {number:02}")
    ArticleFactory(title="Golden mask")

    titles = suggestion_titles(client, "mask")

    assert titles == [f"Mask {number:02}" for number in range(10)]


def test_suggest_for_an_empty_query_is_empty(client):
    ArticleFactory(title="Mask")

    assert client.get(SUGGEST, {"q": "  "}).json() == {"query": "", "results": []}


# Pagination


def test_results_come_twenty_to_a_page_with_links_to_the_others(client):
    for number in range(45):
        ArticleFactory(title=f"Report {number:02}", lead="A routine patrol report.")

    first = client.get(SEARCH, {"q": "patrol"})
    third = client.get(SEARCH, {"q": "patrol", "fulltext": 1, "page": 3})

    assert len(first.context["results"].hits) == 20
    html = first.content.decode()
    assert "Results 1–20 of 45" in html
    assert 'href="/search/?q=patrol&amp;fulltext=1&amp;page=2"' in html
    assert 'href="/search/?q=patrol&amp;fulltext=1&amp;page=3"' in html
    assert 'rel="next"' in html
    assert len(third.context["results"].hits) == 5
    assert "Results 41–45 of 45" in third.content.decode()
    all_titles = [
        hit.title
        for page in (1, 2, 3)
        for hit in client.get(SEARCH, {"q": "patrol", "fulltext": 1, "page": page}).context["results"].hits
    ]
    assert sorted(all_titles) == [f"Report {number:02}" for number in range(45)]


def test_title_matches_and_text_matches_paginate_as_one_list(client):
    for number in range(15):
        ArticleFactory(title=f"Patrol {number:02}", lead="Nothing.")
    for number in range(15):
        ArticleFactory(title=f"Report {number:02}", lead="A patrol went out.")

    pages = [[hit.title for hit in search.search("patrol", page=number).hits] for number in (1, 2)]

    # Up to ten title matches lead the list; the rest follow by relevance.
    assert pages[0][:10] == [f"Patrol {number:02}" for number in range(10)]
    assert len(pages[0]) == 20 and len(pages[1]) == 10
    assert len(set(pages[0] + pages[1])) == 30


def test_out_of_range_page_number_shows_the_last_page(client):
    for number in range(25):
        ArticleFactory(title=f"Report {number:02}", lead="A patrol report.")

    response = client.get(SEARCH, {"q": "patrol", "fulltext": 1, "page": 99})

    assert response.status_code == 200
    assert response.context["results"].page.number == 2


def test_search_page_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    for number in range(30):
        ArticleFactory(title=f"Report {number:02}", lead="A patrol report.")
    client.get(SEARCH, {"q": "patrol", "fulltext": 1})  # builds the spelling vocabulary

    with django_assert_max_num_queries(8):
        client.get(SEARCH, {"q": "patrol", "fulltext": 1, "page": 2})


# Keeping the index current


def test_new_page_is_found_at_once(client):
    assert result_titles(client, "lighthouse") == []

    ArticleFactory(title="Lighthouse", lead="A tall tower.")

    assert result_titles(client, "lighthouse") == ["Lighthouse"]
    assert result_titles(client, "tower") == ["Lighthouse"]


def test_edited_text_is_found_and_old_text_is_not(client):
    article = ArticleFactory(title="Harbour", lead="Boats and gulls.")

    article.lead = "Ferries and cranes."
    article.save()

    assert result_titles(client, "gulls") == []
    assert result_titles(client, "cranes") == ["Harbour"]


def test_renamed_page_is_found_by_its_new_title_only(client):
    character = CharacterFactory(title="James Blood", lead="An agent.")

    character.title = "Jim Bloodworth"
    character.save()

    assert result_titles(client, "james") == []
    assert result_titles(client, "bloodworth") == ["Jim Bloodworth"]
    assert suggestion_titles(client, "jim") == ["Jim Bloodworth"]


def test_deleted_page_leaves_the_results(client):
    character = CharacterFactory(title="James Blood")
    ArticleFactory(title="Case file", lead="James was here.")

    character.delete()

    assert result_titles(client, "james") == ["Case file"]
    assert suggestion_titles(client, "james") == []


@pytest.mark.parametrize("how", ["one page", "in bulk"])
def test_rows_deleted_with_a_page_leave_the_entries_of_the_pages_that_showed_them(client, how):
    # A character's entry includes its voice actors, a person's their credits:
    # deleting the person deletes the credits, and the character's entry with them.
    character = CharacterFactory(title="James Blood", lead="A detective.")
    person = PersonFactory(title="Koki Uchiyama", lead="An actor.")
    VoiceCreditFactory(character=character, person=person)
    work = WorkFactory(title="Hero Mask")
    composer = PersonFactory(title="Kenji Kawai", lead="A musician.")
    StaffCreditFactory(work=work, person=composer, role=StaffRole.MUSIC)
    assert set(result_titles(client, "uchiyama")) == {"Koki Uchiyama", "James Blood"}
    assert "Kenji Kawai" in result_titles(client, "composer")

    if how == "one page":
        person.delete()
        work.delete()
    else:
        Page.objects.filter(pk__in=[person.pk, work.pk]).delete()

    assert result_titles(client, "uchiyama") == []
    assert "Kenji Kawai" not in result_titles(client, "composer")


def test_added_renamed_and_deleted_aliases_follow_in_the_index(client):
    character = CharacterFactory(title="James Blood")
    alias = AliasFactory(title="Shadow Agent", page=character)
    assert result_titles(client, "shadow") == ["James Blood"]

    alias.title = "Night Agent"
    alias.save()
    assert result_titles(client, "shadow") == []
    assert result_titles(client, "night") == ["James Blood"]

    alias.delete()
    assert result_titles(client, "night") == []


def test_alias_moved_to_another_page_leaves_the_first(client):
    james = CharacterFactory(title="James Blood")
    sarah = CharacterFactory(title="Sarah Sinclair")
    alias = AliasFactory(title="The Agent", page=james)

    alias.page = sarah
    alias.save()

    assert result_titles(client, "agent") == ["Sarah Sinclair"]


def test_rebuild_command_indexes_text_written_around_the_write_path(client):
    article = ArticleFactory(title="Harbour", lead="Boats.")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Page._meta.db_table} SET lead = %s WHERE id = %s", ["Lighthouses.", article.pk]
        )
    assert result_titles(client, "lighthouses") == []

    call_command("rebuild_search_index", verbosity=0)

    assert result_titles(client, "lighthouses") == ["Harbour"]
    assert result_titles(client, "boats") == []


def test_loaded_fixtures_are_searchable_whatever_order_aliases_come_in(client, tmp_path):
    character = CharacterFactory(title="James Blood", lead="An agent of the SSC.")
    AliasFactory(title="Jimmy", page=character)
    ArticleFactory(title="Case file", lead="Solved by James.")
    fixture = tmp_path / "pages.json"
    call_command("dumpdata", "wiki.page", "articles.article", "characters.character",
                 "wiki.alias", output=str(fixture), verbosity=0)  # fmt: skip
    objects = json.loads(fixture.read_text())
    # Aliases first, before the pages they name.
    objects.sort(key=lambda obj: obj["model"] != "wiki.alias")
    fixture.write_text(json.dumps(objects))
    Alias.objects.all().delete()
    Page.objects.all().delete()
    assert result_titles(client, "james") == []

    call_command("loaddata", str(fixture), verbosity=0)

    assert result_titles(client, "james") == ["James Blood", "Case file"]
    assert result_titles(client, "jimmy") == ["James Blood"]
    assert suggestion_titles(client, "jim") == ["James Blood"]


# The real content, loaded from fixtures/ as `make run` loads it


def test_loaded_content_is_searchable_at_once(client, content):
    assert "James Blood" in result_titles(client, "detective inspector")
    assert suggestion_titles(client, "jam")[0] == "James Blood"


def test_abbreviation_alias_goes_to_its_organization(client, content):
    response = client.get(SEARCH, {"q": "ssc"}, follow=True)

    assert urlsplit(response.redirect_chain[-1][0]).path == "/organizations/special-services-command/"


def test_misspelt_name_in_real_content_shows_the_results_of_its_correction(client, content):
    html = client.get(SEARCH, {"q": "jmes blod"}).content.decode()

    assert "Showing results for <b>James Blood</b>" in html
    assert '<a href="/characters/james-blood/">James Blood</a>' in html


@pytest.mark.django_db(transaction=True)
def test_flushing_the_database_empties_the_index(client):
    ArticleFactory(title="Lighthouse", lead="A tall tower.")

    call_command("flush", interactive=False, verbosity=0)

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {INDEX_TABLE}")
        assert cursor.fetchone()[0] == 0
    assert search.search("tower").count == 0


def test_results_past_the_ranking_window_follow_without_gaps_or_repeats(client, monkeypatch):
    monkeypatch.setattr(search, "RANKING_WINDOW", 7)
    for number in range(30):
        ArticleFactory(title=f"Report {number:02}", lead="A patrol went out." + " Patrol." * (number % 4))

    titles = [
        hit.title
        for number in (1, 2)
        for hit in client.get(SEARCH, {"q": "patrol", "fulltext": 1, "page": number}).context["results"].hits
    ]

    assert sorted(titles) == [f"Report {number:02}" for number in range(30)]
    # The seven oldest are ranked first; the rest follow oldest first.
    assert sorted(titles[:7]) == [f"Report {number:02}" for number in range(7)]
    assert titles[7:] == [f"Report {number:02}" for number in range(7, 30)]
