"""Whatever is typed into the search box, the search page and the suggestions
answer with a clear page: no server error, no query-language error, and the
query shown back escaped."""

import pytest
from django.urls import reverse

from tests.factories import AliasFactory, ArticleFactory, CharacterFactory
from wiki.search import queries as search
from wiki.search.text import MAX_QUERY_LENGTH

pytestmark = pytest.mark.django_db

SEARCH = reverse("wiki:search")
SUGGEST = reverse("wiki:suggest")

NASTY_QUERIES = [
    "",
    " ",
    "\t\n\r",
    '"',
    '""',
    "'",
    "'; DROP TABLE articles_page; --",
    "' OR '1'='1",
    "1; SELECT * FROM auth_user",
    "%",
    "%%",
    "_",
    "\\",
    "*",
    "blood*",
    "*blood",
    "^blood",
    "-blood",
    "+blood",
    "NEAR(james blood)",
    "NEAR(james blood, 2)",
    "james NEAR blood",
    "AND",
    "OR",
    "NOT",
    "james AND NOT blood",
    "james OR",
    "(james",
    "james)",
    "((()))",
    "title:james",
    "{title aliases}: james",
    "col:",
    ":",
    "james:*",
    "'james':* & !blood",
    "james <-> blood",
    "!",
    "&|!",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "&amp; &lt;",
    "日本語",
    "ヒーローマスク",
    "🦸‍♂️🎭",
    "ﬁsh",  # a ligature NFKC turns into "fish"
    "e\u0301",  # combining accent
    "\u202eevil",  # right-to-left override
    "\u200b",
    "james\x00blood",
    "\x00",
    "\x01\x02\x03\x1b[31m",
    "\ud7ff\ue000\uffff",
    "a" * 201,
    "x " * 5000,
    "word " * 50,
    "🎭" * 2500,
    "james" * 2000,
    "null",
    "None",
    "0",
    "-1",
    "1e309",
    "../../etc/passwd",
    "https://example.com/?q=1&page=2",
]


@pytest.fixture
def pages(db):
    character = CharacterFactory(title="James Blood", lead="An agent & a <b>hero</b>.")
    AliasFactory(title="Jimmy", page=character)
    ArticleFactory(title="Hero Mask", lead="The series, 日本語 title ヒーローマスク.")


@pytest.mark.parametrize("query", NASTY_QUERIES)
def test_search_page_answers_any_query_with_a_clear_page(client, pages, query):
    response = client.get(SEARCH, {"q": query, "fulltext": 1})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="search-heading"' in html
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    results = response.context["results"]
    assert len(results.query.text) <= MAX_QUERY_LENGTH
    assert "\x00" not in results.query.text


@pytest.mark.parametrize("query", NASTY_QUERIES)
def test_go_search_answers_any_query(client, pages, query):
    response = client.get(SEARCH, {"q": query})

    assert response.status_code in (200, 302)


@pytest.mark.parametrize("query", NASTY_QUERIES)
def test_suggestions_answer_any_query_with_json(client, pages, query):
    response = client.get(SUGGEST, {"q": query})

    assert response.status_code == 200
    data = response.json()
    assert isinstance(data["results"], list)
    assert len(data["results"]) <= search.SUGGESTION_LIMIT
    assert len(data["query"]) <= MAX_QUERY_LENGTH


@pytest.mark.parametrize("page", ["1", "2", "999999"])
def test_a_page_number_past_the_last_gives_the_last_results_page(client, pages, page):
    response = client.get(SEARCH, {"q": "james", "fulltext": 1, "page": page})

    assert response.status_code == 200
    assert [hit.title for hit in response.context["results"].hits] == ["James Blood"]


@pytest.mark.parametrize("page", ["", "0", "-1", "abc", "9999999999999999999999", "1.5", "\x00", "2'--"])
def test_a_page_number_that_is_not_one_is_a_bad_request_that_says_so(client, pages, page):
    response = client.get(SEARCH, {"q": "james", "fulltext": 1, "page": page})

    assert response.status_code == 400
    assert "The “page” in the address" in response.content.decode()


def test_operators_are_searched_as_plain_words(client, pages):
    response = client.get(SEARCH, {"q": "james AND NOT blood", "fulltext": 1})

    # "and" is a stop word and "not" an ordinary word that no page contains:
    # no page has all the words, and "NOT" excludes nothing.
    results = response.context["results"]
    assert results.partial
    assert "James Blood" in [hit.title for hit in results.hits]


def test_quoted_and_starred_words_still_find_pages(client, pages):
    titles = [hit.title for hit in search.search('"james" blood*').hits]

    assert titles == ["James Blood"]


def test_japanese_text_is_found(client, pages):
    assert [hit.title for hit in search.search("日本語").hits] == ["Hero Mask"]


def test_long_query_is_shortened_with_a_note(client, pages):
    response = client.get(SEARCH, {"q": "james " + "x" * 10_000, "fulltext": 1})

    assert response.status_code == 200
    assert "only its first 200 characters were searched" in response.content.decode()
    assert len(response.context["results"].query.text) == MAX_QUERY_LENGTH


def test_query_is_shown_back_escaped(client, pages):
    html = client.get(SEARCH, {"q": '<b>"bold"</b>', "fulltext": 1}).content.decode()

    assert "Search results for “&lt;b&gt;&quot;bold&quot;&lt;/b&gt;”" in html


def test_query_with_nothing_but_symbols_explains_what_to_search_for(client, pages):
    html = client.get(SEARCH, {"q": "!!! ???", "fulltext": 1}).content.decode()

    assert "Searches look for words made of letters or digits" in html


def test_empty_search_page_invites_a_search(client, pages):
    response = client.get(SEARCH)

    assert response.status_code == 200
    assert "Type a name, a title or some words" in response.content.decode()
