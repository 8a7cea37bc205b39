"""Search at the reader's limit: nothing revealed after it can be found,
matched, suggested, corrected to or shown in a snippet, on either database."""

from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from tests.factories import AliasFactory, ArticleFactory, CharacterFactory, make_series
from wiki import reading
from wiki.models import Page
from wiki.search import index as search_index
from wiki.search import queries as search
from wiki.search.backends import EVERYTHING_LEVEL, INDEX_TABLE, UNTIL_THE_END
from wiki.search.text import Query

pytestmark = pytest.mark.django_db

SEARCH = reverse("wiki:search")
SUGGEST = reverse("wiki:suggest")

# make_series(): Season 1 has episodes 1-3, Season 2 episodes 4-5.
S1E3, S2E1, S2E2 = 3, 4, 5


@pytest.fixture
def episodes(db):
    return make_series()


def found(query, at):
    with reading.reading_at(at):
        return [hit.title for hit in search.search(query).hits]


def suggested(query, at):
    with reading.reading_at(at):
        return [result["title"] for result in search.suggest(query)]


def exact(query, at):
    with reading.reading_at(at):
        page = search.find_exact_page(Query.parse(query))[0]
    return page and page.pk


def index_rows(page):
    """``(visible_from, visible_until, lead)`` of the page's rows in the index, in order."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT visible_from, visible_until, lead FROM {INDEX_TABLE} WHERE page_id = %s "
                "ORDER BY visible_from",
                [page.pk],
            )
        else:
            cursor.execute(
                f"SELECT visible_from, visible_until, lead FROM {INDEX_TABLE} "
                "WHERE rowid >= %s * 256 AND rowid < (%s + 1) * 256 ORDER BY rowid",
                [page.pk, page.pk],
            )
        return cursor.fetchall()


def whole_index():
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT visible_from, visible_until, title, aliases, lead, body FROM {INDEX_TABLE} "
            "ORDER BY title, visible_from"
        )
        return cursor.fetchall()


# Passages revealed later


def test_a_word_only_in_a_passage_revealed_later_is_found_from_that_episode_on(episodes):
    ArticleFactory(title="Crash site", lead="The agents meet. {{reveal s2e1|The zeppelin falls.}}")

    assert found("zeppelin", at=S1E3) == []
    assert found("zeppelin", at=S2E1) == ["Crash site"]
    assert found("zeppelin", at=S2E2) == ["Crash site"]
    assert found("zeppelin", at=None) == ["Crash site"]
    assert found("agents", at=0) == ["Crash site"]


def test_a_block_passage_is_hidden_until_its_episode(episodes):
    ArticleFactory(
        title="Crash site",
        lead="The agents meet.",
        body="Before.\n\n{{reveal s2e2}}\nThe **zeppelin** falls.\n\n- a list item\n{{/reveal}}\n\nAfter.",
    )

    assert found("zeppelin", at=S2E1) == []
    assert found("zeppelin", at=S2E2) == ["Crash site"]


def test_the_reader_limit_in_the_address_applies_to_the_search_page(client, episodes):
    ArticleFactory(title="Crash site", lead="The agents meet. {{reveal s2e1|The zeppelin falls.}}")

    early = client.get(SEARCH, {"q": "zeppelin", "fulltext": 1, "upto": "s1e3"})
    late = client.get(SEARCH, {"q": "zeppelin", "fulltext": 1, "upto": "s2e1"})

    assert [hit.title for hit in early.context["results"].hits] == []
    assert "falls" not in early.content.decode()
    assert [hit.title for hit in late.context["results"].hits] == ["Crash site"]


def test_a_passage_whose_code_names_no_episode_is_found_only_at_everything(episodes):
    ArticleFactory(title="Crash site", lead="The agents meet. {{reveal s9e9|The zeppelin falls.}}")

    assert found("zeppelin", at=S2E2) == []
    assert found("zeppelin", at=None) == ["Crash site"]
    assert [row[:2] for row in index_rows(Page.objects.get(title="Crash site"))] == [
        (0, EVERYTHING_LEVEL),
        (EVERYTHING_LEVEL, UNTIL_THE_END),
    ]


def test_a_page_keeps_one_row_per_level_at_which_its_text_changes(episodes):
    article = ArticleFactory(
        title="Crash site",
        lead="Start. {{reveal s1e3|Third.}} {{reveal s2e2|Fifth.}} {{reveal s1e3|Also third.}}",
    )

    assert index_rows(article) == [
        (0, S1E3, "Start."),
        (S1E3, S2E2, "Start. Third. Also third."),
        (S2E2, UNTIL_THE_END, "Start. Third. Fifth. Also third."),
    ]


def test_levels_at_which_nothing_a_reader_can_read_changes_share_a_row(gary):
    article = ArticleFactory(title="Notes", lead="Start. {{reveal s9e9|Later [[Gary Evans]] laughs.}}")

    assert index_rows(article) == [
        (0, EVERYTHING_LEVEL, "Start."),
        (EVERYTHING_LEVEL, UNTIL_THE_END, "Start. Later Gary Evans laughs."),
    ]


# Snippets


def test_the_snippet_at_a_limit_never_contains_hidden_words(episodes):
    ArticleFactory(
        title="Harry",
        lead="Harry joins LIVE. {{reveal s2e1|Harry betrays the zeppelin crew.}} Harry trains hard.",
        body="{{reveal s2e2}}\nHarry flees the **city**.\n{{/reveal}}\n\nHarry rests.",
    )

    for at in (0, 1, S1E3):
        with reading.reading_at(at):
            (hit,) = search.search("harry").hits
        assert "betrays" not in hit.snippet and "zeppelin" not in hit.snippet and "flees" not in hit.snippet
        assert "<mark>Harry</mark> trains hard" in hit.snippet
    with reading.reading_at(S2E1):
        (hit,) = search.search("harry").hits
    assert "betrays the zeppelin crew" in hit.snippet and "flees" not in hit.snippet
    with reading.reading_at(None):
        (hit,) = search.search("city").hits
    assert "<mark>city</mark>" in hit.snippet


# Pages the reader has not met


@pytest.fixture
def gary(episodes):
    character = CharacterFactory(
        title="Gary Evans", lead="The man behind the Sculpture Company.", revealed_at=S2E2
    )
    AliasFactory(title="The Masked King", page=character)
    return character


def test_an_unmet_character_cannot_be_found_by_title_alias_text_or_suggestion(gary):
    for at in (0, S1E3, S2E1):
        assert found("gary", at) == []
        assert found("masked king", at) == []
        assert found("sculpture", at) == []
        assert suggested("gar", at) == []
        assert suggested("mask", at) == []
        assert suggested("king", at) == []
        assert exact("Gary Evans", at) is None
        assert exact("the masked king", at) is None
    for at in (S2E2, None):
        assert found("gary", at) == ["Gary Evans"]
        assert found("sculpture", at) == ["Gary Evans"]
        assert suggested("gar", at) == ["Gary Evans"]
        assert suggested("king", at) == ["Gary Evans"]
        assert exact("gary evans", at) == gary.pk
        assert exact("The Masked King", at) == gary.pk


def test_an_exact_title_search_does_not_jump_to_a_page_not_met_yet(client, gary):
    early = client.get(SEARCH, {"q": "Gary Evans", "upto": "s2e1"})
    late = client.get(SEARCH, {"q": "Gary Evans", "upto": "s2e2"}, follow=True)

    assert early.status_code == 200
    assert early.context["results"].hits == []
    assert "Gary" not in early.context["results"].suggestion
    assert urlsplit(late.redirect_chain[-1][0]).path == gary.get_absolute_url()


def test_suggestions_endpoint_follows_the_reader_limit(client, gary):
    early = client.get(SUGGEST, {"q": "gar", "upto": "s1e3"}).json()
    late = client.get(SUGGEST, {"q": "gar", "upto": "s2e2"}).json()

    assert early["results"] == []
    assert [result["title"] for result in late["results"]] == ["Gary Evans"]


def test_a_name_not_met_yet_is_hidden_in_the_text_of_other_pages(gary):
    ArticleFactory(title="Company history", lead="[[Gary Evans]] founded the company.")
    ArticleFactory(title="Rumours", lead="They say The Masked King runs the company.")
    ArticleFactory(title="Case file", lead="Filed by [[Gary Evans|the chairman]] for the company.")

    assert found("gary", at=S2E1) == []
    assert found("masked", at=S2E1) == []
    assert found("chairman", at=S2E1) == []
    with reading.reading_at(S2E1):
        snippets = {hit.title: hit.snippet for hit in search.search("company").hits}
    assert set(snippets) == {"Company history", "Rumours", "Case file"}
    assert snippets["Company history"] == "[not met yet] founded the <mark>company</mark>."
    assert snippets["Rumours"] == "They say [not met yet] runs the <mark>company</mark>."
    assert snippets["Case file"] == "Filed by [not met yet] for the <mark>company</mark>."
    assert found("gary", at=S2E2) == ["Gary Evans", "Company history", "Case file"]
    assert found("masked", at=S2E2) == ["Gary Evans", "Rumours"]


def test_meeting_a_character_earlier_reindexes_the_pages_that_name_it(gary):
    ArticleFactory(title="Rumours", lead="They say The Masked King runs the company.")
    assert found("king", at=1) == []

    gary.revealed_at = 1
    gary.save()

    assert found("king", at=1) == ["Gary Evans", "Rumours"]


def test_an_alias_added_to_an_unmet_character_is_hidden_in_other_pages(gary):
    ArticleFactory(title="Rumours", lead="They say the Chairman runs the company.")
    assert found("chairman", at=S1E3) == ["Rumours"]

    AliasFactory(title="Chairman", page=gary)

    assert found("chairman", at=S1E3) == []
    assert found("chairman", at=S2E2) == ["Gary Evans", "Rumours"]


def correction(query):
    """The correction a search shows the results of, or suggests ("" for none)."""
    results = search.search(query)
    return results.query.text if results.typed else results.suggestion


def test_spelling_does_not_suggest_a_name_the_reader_has_not_met(gary):
    CharacterFactory(title="James Blood")

    with reading.reading_at(S1E3):
        assert correction("gari evens") == ""
        assert correction("maskd") == ""
        assert correction("jmes blod") == "James Blood"
    with reading.reading_at(S2E2):
        assert correction("gari evens") == "Gary Evans"
        assert correction("maskd") == "Masked"
    assert correction("gari evens") == "Gary Evans"


# Episodes


def test_episode_summaries_are_not_searchable_before_their_episode(episodes):
    episode = episodes[S2E1 - 1]
    episode.title = "The fall"
    episode.lead = "The zeppelin crashes into the harbour."
    episode.save()

    assert found("zeppelin", at=S1E3) == []
    assert found("fall", at=S1E3) == ["The fall"]
    with reading.reading_at(S1E3):
        (hit,) = search.search("fall").hits
    assert "zeppelin" not in hit.snippet
    assert found("zeppelin", at=S2E1) == ["The fall"]
    assert found("zeppelin", at=None) == ["The fall"]


# Keeping the index right


def test_rebuilding_the_index_gives_the_same_rows_and_results_as_saving(gary):
    ArticleFactory(
        title="Company history", lead="[[Gary Evans]] founded the company. {{reveal s1e3|It grew.}}"
    )
    ArticleFactory(
        title="Plain", lead="Nothing to hide.", body="{{reveal s2e1}}\nThe grew **zeppelin**.\n{{/reveal}}"
    )
    saved = whole_index()
    results = {at: (found("grew", at), found("company", at)) for at in (0, S1E3, S2E1, S2E2, None)}

    call_command("rebuild_search_index", verbosity=0)

    assert whole_index() == saved
    assert {at: (found("grew", at), found("company", at)) for at in results} == results


def test_an_emptied_index_is_filled_again_after_migrate(gary):
    ArticleFactory(title="Crash site", lead="The agents meet. {{reveal s2e1|The zeppelin falls.}}")
    saved = whole_index()
    search_index.clear()
    assert found("zeppelin", at=None) == []

    search_index.prune_after_migrate(sender=None)

    assert whole_index() == saved
    assert found("zeppelin", at=S2E1) == ["Crash site"]


def test_a_renumbered_episode_moves_the_passages_it_reveals(episodes):
    ArticleFactory(title="Crash site", lead="The agents meet. {{reveal s2e1|The zeppelin falls.}}")
    assert found("zeppelin", at=S2E1) == ["Crash site"]

    first_of_season_2 = episodes[S2E1 - 1]
    first_of_season_2.number_overall = 6
    first_of_season_2.save()

    assert found("zeppelin", at=S2E2) == []
    assert found("zeppelin", at=6) == ["Crash site"]
