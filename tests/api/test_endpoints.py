"""The read-only JSON API (``api``): every operation with factory data, its
filters and pagination, what it answers to bad parameters, reading limits,
conditional requests, CORS, the page cache and query counts (the real content:
``test_real_content``)."""

import json

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from characters.models import Character, Role
from tests.factories import (
    AppearanceFactory,
    ArticleFactory,
    CategoryFactory,
    CharacterFactory,
    OrganizationFactory,
    StaffCreditFactory,
    VoiceCreditFactory,
    make_series,
)
from wiki import reading

pytestmark = pytest.mark.django_db

LISTS = ("works", "seasons", "episodes", "characters", "people", "organizations", "articles", "categories")


def get(client, url, status=200, **extra):
    response = client.get(url, **extra)
    assert response.status_code == status, (url, response.status_code, response.content[:500])
    return response.json() if response.content else None


def api(name, *args, **query):
    url = reverse(f"api:{name}", args=args)
    return url + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


# Every operation -------------------------------------------------------------------------


def test_the_index_names_every_list_the_documentation_and_the_schema(client, story):
    data = get(client, api("index"))
    assert set(data["collections"]) == set(LISTS)
    assert data["collections"]["characters"] == "http://testserver/api/v1/characters/"
    assert data["documentation"] == "http://testserver/api/v1/docs/"
    assert data["openapi"] == "http://testserver/api/v1/openapi.json"
    assert data["reading_limit"] == {"code": "all", "label": "Everything", "note": ""}


@pytest.mark.parametrize("name", LISTS)
def test_every_list_answers_its_items_with_their_page_and_api_addresses(client, story, name):
    data = get(client, api(name))
    assert data["count"] == len(data["results"]) > 0
    assert data["page"] == data["pages"] == 1 and data["next"] is None and data["previous"] is None
    for item in data["results"]:
        assert item["url"].startswith("http://testserver/")
        detail = client.get(item["api_url"])
        assert detail.status_code == 200, item["api_url"]
        assert detail.json()["url"] == item["url"]


def test_the_character_page_has_role_affiliations_relationships_voices_and_appearances(client, story):
    data = get(client, api("character", "hero-person"))
    assert data["title"] == "Hero Person" and data["kind"] == "character"
    assert data["url"] == "http://testserver/characters/hero-person/"
    assert data["api_url"] == "http://testserver/api/v1/characters/hero-person/"
    assert (data["role"], data["role_label"], data["occupation"]) == ("main", "Main character", "Detective")
    assert [a["organization"]["title"] for a in data["affiliations"]] == ["The Agency"]
    assert [(r["character"]["slug"], r["description"]) for r in data["relationships"]] == [
        ("late-comer", "rival")
    ]
    assert {(v["person"]["title"], v["language"], v["language_label"]) for v in data["voice_cast"]} == {
        ("Voice One", "ja", "Japanese"),
        ("Voice Two", "en", "English"),
    }
    assert [(a["episode"]["code"], a["kind"]) for a in data["appearances"]] == [
        ("s1e1", "appears"),
        ("s2e1", "appears"),
    ]
    assert data["categories"][0]["api_url"] == "http://testserver/api/v1/categories/heroes/"
    assert "Hero Person" in data["lead_html"]


def test_the_person_page_has_voice_roles_with_language_and_staff_roles(client, story):
    data = get(client, api("person", "voice-one"))
    assert {(v["character"]["title"], v["language"]) for v in data["voice_roles"]} == {
        ("Hero Person", "ja"),
        ("Late Comer", "ja"),
    }
    assert data["credit_summary"] == "Voice actor"
    staff = get(client, api("person", "direct-or"))["staff_roles"]
    assert [(s["work"]["slug"], s["role"], s["role_label"]) for s in staff] == [
        (story["work"].slug, "director", "Director")
    ]


def test_the_work_season_and_episode_pages_link_each_other(client, story):
    work = get(client, api("work", story["work"].slug))
    assert [season["number"] for season in work["seasons"]] == [1, 2]
    assert work["staff"][0]["person"]["title"] == "Direct Or"
    assert work["companies"][0]["organization"]["title"] == "Studio Z"
    assert work["releases"][0]["start"] == "2018-12-03" and work["releases"][0]["season"]["number"] == 1
    season = get(client, work["seasons"][1]["api_url"])
    assert [episode["code"] for episode in season["episodes"]] == ["s2e1", "s2e2"]
    assert season["work"]["slug"] == story["work"].slug and season["episode_count"] == 2
    episode = get(client, season["episodes"][0]["api_url"])
    assert (episode["number"], episode["number_overall"], episode["season"]["number"]) == (1, 4, 2)
    assert [c["title"] for c in episode["appearing"]] == ["Hero Person"]
    assert [c["title"] for c in episode["mentioned"]] == ["Late Comer"]


def test_the_organization_article_and_category_pages(client, story):
    agency = get(client, api("organization", "the-agency"))
    assert agency["organization_type"] == "Police division" and agency["sphere"] == "fictional"
    assert [m["character"]["title"] for m in agency["members"]] == ["Hero Person"]
    assert get(client, api("article", "about"))["is_disambiguation"] is False
    heroes = get(client, api("category", "heroes"))
    assert heroes["name"] == "Heroes" and [p["title"] for p in heroes["pages"]] == ["Hero Person"]
    counts = {c["slug"]: c["page_count"] for c in get(client, api("categories"))["results"]}
    assert counts == {"heroes": 1, "villains": 1}


def test_search_and_suggestions_answer_with_api_addresses(client, story):
    data = get(client, api("search", q="hero"))
    assert data["query"] == "hero" and data["count"] >= 1
    hit = next(hit for hit in data["results"] if hit["title"] == "Hero Person")
    assert hit["api_url"] == "http://testserver/api/v1/characters/hero-person/"
    assert "<mark>" in hit["snippet_html"]
    exact = get(client, api("search", q="Hero%20Person"))["exact_page"]
    assert exact["api_url"] == "http://testserver/api/v1/characters/hero-person/"
    suggestions = get(client, api("suggest", q="her"))["results"]
    assert {"title": "Hero Person", "kind_label": "Character", "url": "http://testserver/characters/hero-person/",
            "api_url": "http://testserver/api/v1/characters/hero-person/"} in suggestions  # fmt: skip
    assert get(client, api("suggest"))["results"] == []


# Filters and pagination -----------------------------------------------------------------------


def test_characters_of_an_episode_by_slug_or_code(client, story):
    episode = story["episodes"][3]
    by_slug = get(client, api("characters", episode=episode.slug))["results"]
    by_code = get(client, api("characters", episode="s2e1"))["results"]
    assert [c["title"] for c in by_slug] == [c["title"] for c in by_code] == ["Hero Person", "Late Comer"]
    assert [c["title"] for c in get(client, api("characters", episode="s1e2"))["results"]] == []


def test_characters_by_role_and_other_characters_by_the_empty_role(client, story):
    CharacterFactory(title="Nobody Special", slug="nobody-special", role="")
    assert [c["slug"] for c in get(client, api("characters", role="antagonist"))["results"]] == ["late-comer"]
    assert [c["slug"] for c in get(client, api("characters", role=""))["results"]] == ["nobody-special"]
    both = get(client, api("characters", role="main", episode="s2e1"))["results"]
    assert [c["slug"] for c in both] == ["hero-person"]


def test_episodes_of_a_character(client, story):
    data = get(client, api("episodes", character="hero-person"))
    assert [episode["code"] for episode in data["results"]] == ["s1e1", "s2e1"]
    assert data["count"] == 2


def test_pages_of_a_list_link_to_each_other_and_stop_at_the_last(client, story):
    first = get(client, api("episodes", per_page=2))
    assert (first["count"], first["pages"], len(first["results"])) == (5, 3, 2)
    assert first["next"] == "http://testserver/api/v1/episodes/?per_page=2&page=2"
    last = get(client, api("episodes", per_page=2, page=3))
    assert [episode["code"] for episode in last["results"]] == ["s2e2"]
    assert last["next"] is None and last["previous"].endswith("page=2")
    past = get(client, api("episodes", per_page=2, page=4), status=404)
    assert past["detail"] == "The “page” in the address, 4, is past the last page (3)."


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("page=0", "The “page” in the address is not valid: input should be greater than or equal to 1"),
        ("page=abc", "The “page” in the address is not valid: must be a whole number"),
        ("page=+1", "The “page” in the address is not valid: must be a whole number"),
        ("page=" + "9" * 30, "The “page” in the address is not valid"),
        ("page=", "The “page” in the address is not valid: must be a whole number"),
        (
            "per_page=101",
            "The “per_page” in the address is not valid: input should be less than or equal to 100",
        ),
        ("role=hero", "The “role” in the address is not valid: input should be 'main'"),
        ("episode=a%20b", "The “episode” in the address is not valid: string should match pattern"),
        ("episode=%00", "The “episode” in the address is not valid"),
        ("page=1&page=2", "The “page” in the address is given 2 times: give it once."),
    ],
)
def test_malformed_parameters_are_a_400_that_says_what_was_wrong(client, story, query, words):
    response = client.get(f"{api('characters')}?{query}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert words in response.json()["detail"]


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("/api/v1/characters/?episode=nope", "The “episode” in the address, “nope”, names no episode"),
        ("/api/v1/episodes/?character=nope", "The “character” in the address, “nope”, names no character."),
        ("/api/v1/characters/nope/", "The “slug” in the address, “nope”, names no character."),
        ("/api/v1/categories/nope/", "The “slug” in the address, “nope”, names no category."),
        ("/api/v1/works/nope/", "names no work."),
    ],
)
def test_names_that_name_nothing_are_a_404_that_says_so(client, story, url, words):
    assert words in get(client, url, status=404)["detail"]


# Reading limits ---------------------------------------------------------------------------------


def test_at_a_limit_a_character_not_met_is_neither_listed_nor_linked_nor_shown(client, story):
    data = get(client, api("characters", upto="s1e3"))
    assert data["reading_limit"] == {"code": "s1e3", "label": "Season 1, Episode 3", "note": ""}
    assert [c["slug"] for c in data["results"]] == ["hero-person"]
    hidden = get(client, api("character", "late-comer", upto="s1e3"), status=404)["detail"]
    assert hidden == (
        "The “slug” in the address names a character first met in Season 2, Episode 1, "
        "after your reading limit (Season 1, Episode 3)."
    )
    hero = get(client, api("character", "hero-person", upto="s1e3"))
    assert hero["relationships"] == [] and [a["episode"]["code"] for a in hero["appearances"]] == ["s1e1"]
    voices = get(client, api("person", "voice-one", upto="s1e3"))["voice_roles"]
    # A voice credit is a production fact: kept, without the name of a character not met yet.
    assert [voice["character"] and voice["character"]["title"] for voice in voices] == ["Hero Person", None]
    assert "Late Comer" not in json.dumps(get(client, api("episode", story["episodes"][3].slug, upto="s1e3")))
    assert [c["slug"] for c in get(client, api("categories", upto="s1e3"))["results"]] == ["heroes"]
    get(client, api("category", "villains", upto="s1e3"), status=404)
    assert get(client, api("characters", episode="s2e1", upto="s1e3"))["results"] == []
    assert get(client, api("episodes", character="hero-person", upto="s1e3"))["count"] == 1


def test_a_limit_that_names_no_episode_is_ignored_with_a_note(client, story):
    limit = get(client, api("characters", upto="s9e9"))["reading_limit"]
    assert limit["code"] == "all" and "“s9e9”" in limit["note"]


def test_the_limit_of_the_cookie_applies_too(client, story):
    client.cookies[reading.COOKIE_NAME] = "s1e1"
    assert get(client, api("characters"))["reading_limit"]["code"] == "s1e1"


# HTTP: conditional requests, CORS, methods, the page cache -------------------------------------------


def test_answers_carry_validators_and_conditional_requests_get_304(client, story):
    url = api("character", "hero-person")
    response = client.get(url)
    etag, modified = response["ETag"], response["Last-Modified"]
    assert etag and modified
    not_modified = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert not_modified["Access-Control-Allow-Origin"] == "*"
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    story["hero"].lead += " Changed."
    story["hero"].save()
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_any_origin_may_read_the_api_and_see_its_etag(client, story):
    for url, status in (
        (api("characters"), 200),
        (api("characters", page=0), 400),
        ("/api/v1/works/x/", 404),
    ):
        response = client.get(url, HTTP_ORIGIN="https://elsewhere.example")
        assert response.status_code == status
        assert response["Access-Control-Allow-Origin"] == "*"
        assert response["Access-Control-Expose-Headers"] == "ETag"
        assert "Access-Control-Allow-Credentials" not in response


def test_a_preflight_allows_conditional_gets_only(client, story):
    response = client.options(
        api("characters"),
        HTTP_ORIGIN="https://elsewhere.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match",
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert "If-None-Match" in response["Access-Control-Allow-Headers"]
    assert response["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize(
    "url", ["/api/v1/characters/", "/api/v1/characters/hero-person/", "/api/v1/openapi.json"]
)
def test_nothing_can_be_written(client, story, method, url):
    response = getattr(client, method)(url, data="{}", content_type="application/json")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert "The API can only be read" in response.json()["detail"]
    assert Character.objects.filter(slug="hero-person").exists()


def test_head_answers_as_get_without_the_body(client, story):
    get_response = client.get(api("characters"))
    head = client.head(api("characters"))
    assert head.status_code == 200 and head.content == b""
    assert head["ETag"] == get_response["ETag"]
    assert head["Content-Length"] == str(len(get_response.content))


@override_settings(PAGE_CACHE_ENABLED=True)
def test_a_cached_answer_keeps_its_headers_and_is_kept_apart_per_limit(client, story):
    url = api("characters")
    first = client.get(url, HTTP_ORIGIN="https://elsewhere.example")
    second = client.get(url, HTTP_ORIGIN="https://elsewhere.example")
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit")
    assert second["Access-Control-Allow-Origin"] == "*" and second["ETag"] == first["ETag"]
    assert second["Content-Type"].startswith("application/json")
    assert second.content == first.content
    limited = client.get(api("characters", upto="s1e3"))
    assert limited.json()["reading_limit"]["code"] == "s1e3"
    assert "late-comer" not in limited.content.decode()
    client.cookies.clear()
    story["late"].title = "Late Comer Renamed"
    story["late"].save()
    assert "Late Comer Renamed" in client.get(url).content.decode()


def test_the_docs_page_and_the_schema_are_served_from_the_site(client, story):
    response = client.get(api("openapi-view"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<script src="/static/ninja/swagger-ui-bundle.js">' in html
    assert 'id="swagger-settings" type="application/json"' in html
    assert "cdn" not in html.lower() and "<script>" not in html
    schema = get(client, api("openapi-json"))
    operations = {(path, method) for path, item in schema["paths"].items() for method in item}
    assert {method for _, method in operations} == {"get"}
    assert ("/api/v1/characters/{slug}/", "get") in operations
    assert len(operations) == 19
    assert 'href="/api/v1/docs/">API</a>' in client.get("/wiki/about/").content.decode()


# Query counts -------------------------------------------------------------------------------------


def grow(count):
    """``count`` rows of every kind the lists show."""
    episodes = make_series(seasons=(count,))
    category = CategoryFactory()
    for episode in episodes:
        character = CharacterFactory(role=Role.MAIN)
        character.categories.add(category)
        AppearanceFactory(episode=episode, character=character)
        VoiceCreditFactory(character=character)
        StaffCreditFactory(work=episodes[0].season.work)
        OrganizationFactory()
        ArticleFactory()
        CategoryFactory().pages.add(character)
    return episodes


def queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context)


@pytest.mark.parametrize("upto", ["all", "s1e1"])
def test_list_query_counts_do_not_grow_with_the_wiki(client, upto):
    grow(2)
    small = {name: queries(client, api(name, upto=upto)) for name in LISTS}
    small["filtered"] = queries(client, api("episodes", character=Character.objects.first().slug, upto=upto))
    small["search"] = queries(client, api("search", q="page", upto=upto))
    grow(8)
    large = {name: queries(client, api(name, upto=upto)) for name in LISTS}
    large["filtered"] = queries(client, api("episodes", character=Character.objects.first().slug, upto=upto))
    large["search"] = queries(client, api("search", q="page", upto=upto))
    assert large == small
