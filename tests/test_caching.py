"""The anonymous page cache: what it stores, whom it serves, and that a change
to anything a page showed takes that page (and only such pages) out of it.

The module doubles as a small URLconf of pages with known dependencies, so
the rules are tested independently of the reader templates; the real pages
are tested too, in-process and across processes sharing Redis.
"""

import io
import uuid

import html5lib
import pytest
import redis
from django.core.management import call_command
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import override_settings
from django.urls import include, path

from articles.models import Page
from characters.models import Character
from episodes.models import Appearance
from heromask_wiki import pagecache
from tests import serving
from tests.factories import (
    AppearanceFactory,
    CategoryFactory,
    CharacterFactory,
    EpisodeFactory,
    StaffUserFactory,
)

REDIS_URL = "redis://127.0.0.1:6379/0"


def character_page(request, pk):
    character = Character.objects.get(pk=pk)
    episodes = [appearance.episode.title for appearance in Appearance.objects.filter(character=character)]
    return HttpResponse(f"{character.title}: {character.lead} Episodes: {', '.join(episodes)}")


def character_list(request):
    return HttpResponse(", ".join(c.title for c in Character.objects.order_by("title")))


def category_pages(request, pk):
    return HttpResponse(", ".join(page.title for page in Page.objects.filter(categories=pk)))


def search(request):
    query = request.GET.get("q", "")
    return HttpResponse(", ".join(p.title for p in Page.objects.filter(lead__icontains=query)))


def page_with_form(request):
    return HttpResponse(
        f'<form method="post"><input name="csrfmiddlewaretoken" value="{get_token(request)}">'
    )


def page_changed_while_rendering(request, pk):
    character = Character.objects.get(pk=pk)
    # As if another process committed an edit of this character just now.
    pagecache.bump(pagecache.instance_keys("articles.page", pk))
    return HttpResponse(character.lead)


urlpatterns = [
    path("character/<int:pk>/", character_page, name="character"),
    path("characters/", character_list, name="characters"),
    path("category/<int:pk>/", category_pages, name="category"),
    path("search/", search, name="search"),
    path("form/", page_with_form, name="form"),
    path("racing/<int:pk>/", page_changed_while_rendering, name="racing"),
    path("random/", character_list, name="random"),
]
urlpatterns = [path("t/", include(urlpatterns)), path("", include("heromask_wiki.urls"))]

pytestmark = [pytest.mark.django_db]
uses_these_urls = pytest.mark.urls("tests.test_caching")
cache_on = override_settings(
    PAGE_CACHE_ENABLED=True, PAGE_CACHE_BROAD_VIEWS={"search"}, PAGE_CACHE_EXCLUDED_VIEWS={"random"}
)


def fetch(client, url, **kwargs):
    response = client.get(url, **kwargs)
    assert response.status_code == 200
    return response.headers.get("X-Page-Cache"), response.content.decode()


@uses_these_urls
@cache_on
def test_second_anonymous_visit_is_served_from_the_cache_without_queries(client, django_assert_num_queries):
    character = CharacterFactory(title="James Blood", lead="A detective.")
    url = f"/t/character/{character.pk}/"
    assert fetch(client, url) == ("miss", "James Blood: A detective. Episodes: ")
    with django_assert_num_queries(0):
        assert fetch(client, url) == ("hit", "James Blood: A detective. Episodes: ")


@uses_these_urls
@cache_on
def test_editing_the_shown_page_refreshes_it_and_leaves_other_pages_cached(client):
    james, sarah = CharacterFactory(title="James Blood"), CharacterFactory(title="Sarah Sinclair")
    fetch(client, f"/t/character/{james.pk}/")
    fetch(client, f"/t/character/{sarah.pk}/")

    james.lead = "A detective of the SSC."
    james.save()

    assert fetch(client, f"/t/character/{james.pk}/") == (
        "miss",
        "James Blood: A detective of the SSC. Episodes: ",
    )
    assert fetch(client, f"/t/character/{sarah.pk}/")[0] == "hit"


@uses_these_urls
@cache_on
def test_a_new_related_row_refreshes_the_page_it_belongs_to(client):
    james = CharacterFactory(title="James Blood")
    fetch(client, f"/t/character/{james.pk}/")
    AppearanceFactory(character=james, episode=EpisodeFactory(title="Episode 1"))
    assert fetch(client, f"/t/character/{james.pk}/") == (
        "miss",
        "James Blood: James Blood is a page of the encyclopedia. Episodes: Episode 1",
    )


@uses_these_urls
@cache_on
def test_moving_a_related_row_refreshes_the_page_it_left_and_the_page_it_joined(client):
    james, sarah = CharacterFactory(title="James Blood"), CharacterFactory(title="Sarah Sinclair")
    appearance = AppearanceFactory(character=james, episode=EpisodeFactory(title="Episode 1"))
    fetch(client, f"/t/character/{james.pk}/")
    fetch(client, f"/t/character/{sarah.pk}/")
    appearance.character = sarah
    appearance.save()
    assert fetch(client, f"/t/character/{james.pk}/")[1].endswith("Episodes: ")
    assert fetch(client, f"/t/character/{sarah.pk}/")[1].endswith("Episodes: Episode 1")


@uses_these_urls
@cache_on
def test_new_and_deleted_pages_refresh_the_lists_that_would_show_them(client):
    CharacterFactory(title="James Blood")
    fetch(client, "/t/characters/")
    mask = CharacterFactory(title="Mask")
    assert fetch(client, "/t/characters/") == ("miss", "James Blood, Mask")
    mask.delete()
    assert fetch(client, "/t/characters/") == ("miss", "James Blood")


@uses_these_urls
@cache_on
def test_renaming_a_page_refreshes_lists_that_sort_by_title(client):
    CharacterFactory(title="James Blood")
    fetch(client, "/t/characters/")
    CharacterFactory(title="Sarah Sinclair")
    fetch(client, "/t/characters/")
    james = Character.objects.get(title="James Blood")
    james.title = "Zed"
    james.save()
    assert fetch(client, "/t/characters/")[1] == "Sarah Sinclair, Zed"


@uses_these_urls
@cache_on
def test_adding_a_page_to_a_category_refreshes_the_category_page(client):
    category, james = CategoryFactory(name="Detectives"), CharacterFactory(title="James Blood")
    fetch(client, f"/t/category/{category.pk}/")
    james.categories.add(category)
    assert fetch(client, f"/t/category/{category.pk}/") == ("miss", "James Blood")
    james.categories.clear()
    assert fetch(client, f"/t/category/{category.pk}/") == ("miss", "")


@uses_these_urls
@cache_on
def test_search_results_refresh_when_an_unshown_page_starts_to_match(client):
    CharacterFactory(title="James Blood", lead="A detective.")
    sarah = CharacterFactory(title="Sarah Sinclair", lead="A student.")
    assert fetch(client, "/t/search/?q=detective")[1] == "James Blood"
    assert fetch(client, "/t/search/?q=detective")[0] == "hit"
    sarah.lead = "A student detective."
    sarah.save()
    assert fetch(client, "/t/search/?q=detective") == ("miss", "James Blood, Sarah Sinclair")


@uses_these_urls
@cache_on
def test_logged_in_editors_neither_get_nor_fill_the_cache(client):
    james = CharacterFactory(title="James Blood")
    fetch(client, f"/t/character/{james.pk}/")
    client.force_login(StaffUserFactory())
    assert fetch(client, f"/t/character/{james.pk}/")[0] is None
    client.logout()
    assert fetch(client, f"/t/character/{james.pk}/")[0] == "hit"


@uses_these_urls
@cache_on
def test_pages_that_set_cookies_and_excluded_views_are_never_stored(client):
    assert fetch(client, "/t/form/")[0] is None
    assert fetch(client, "/t/form/")[0] is None
    assert fetch(client, "/t/random/")[0] is None
    assert fetch(client, "/t/random/")[0] is None


@uses_these_urls
@cache_on
def test_a_page_whose_data_changed_while_it_rendered_is_not_stored(client):
    james = CharacterFactory(title="James Blood")
    assert fetch(client, f"/t/racing/{james.pk}/")[0] is None
    assert fetch(client, f"/t/racing/{james.pk}/")[0] is None


@uses_these_urls
@cache_on
def test_a_lost_dependency_version_is_a_miss_not_a_stale_page(client):
    from django.core.cache import cache

    james = CharacterFactory(title="James Blood")
    fetch(client, f"/t/character/{james.pk}/")
    cache.delete(pagecache.instance_keys("articles.page", james.pk)[0])
    assert fetch(client, f"/t/character/{james.pk}/")[0] == "miss"
    assert fetch(client, f"/t/character/{james.pk}/")[0] == "hit"


@uses_these_urls
@cache_on
def test_invalidating_everything_refreshes_pages_after_writes_without_signals(client):
    james = CharacterFactory(title="James Blood", lead="A detective.")
    fetch(client, f"/t/character/{james.pk}/")
    Character.objects.filter(pk=james.pk).update(lead="A detective of the SSC.")
    assert fetch(client, f"/t/character/{james.pk}/")[0] == "hit"
    pagecache.invalidate_everything()
    assert fetch(client, f"/t/character/{james.pk}/") == (
        "miss",
        "James Blood: A detective of the SSC. Episodes: ",
    )


@uses_these_urls
@cache_on
@pytest.mark.parametrize("command", ["rebuild_links", "rebuild_search_index"])
def test_bulk_rebuild_commands_take_every_page_out_of_the_cache(client, command):
    james = CharacterFactory(title="James Blood", lead="A detective.")
    fetch(client, f"/t/character/{james.pk}/")
    Character.objects.filter(pk=james.pk).update(lead="A detective of the SSC.")
    assert fetch(client, f"/t/character/{james.pk}/")[0] == "hit"
    call_command(command, stdout=io.StringIO())
    assert fetch(client, f"/t/character/{james.pk}/")[1] == "James Blood: A detective of the SSC. Episodes: "


# The real pages -------------------------------------------------------------


def admin_form_data(html):
    """The values a browser would submit from the admin's change form."""
    document = html5lib.parse(html, namespaceHTMLElements=False)
    form = next(f for f in document.iter("form") if f.get("id", "").endswith("_form"))
    data = {}
    for element in form.iter():
        name = element.get("name")
        if not name:
            continue
        if element.tag == "textarea":
            data[name] = element.text or ""
        elif element.tag == "select":
            chosen = [o.get("value") for o in element.iter("option") if o.get("selected") is not None]
            if chosen:
                data[name] = chosen if element.get("multiple") is not None else chosen[0]
        elif element.tag == "input" and element.get("type") not in {"submit", "button", "file"}:
            if element.get("type") in {"checkbox", "radio"} and element.get("checked") is None:
                continue
            data[name] = element.get("value", "")
    return data


@cache_on
def test_reader_page_shows_an_admin_edit_at_once(client):
    james = CharacterFactory(title="James Blood", lead="James Blood is a detective.")
    url = james.get_absolute_url()
    assert "is a detective." in fetch(client, url)[1]
    assert fetch(client, url)[0] == "hit"

    editor = type(client)()
    editor.force_login(StaffUserFactory())
    change_url = f"/admin/characters/character/{james.pk}/change/"
    data = admin_form_data(editor.get(change_url).content.decode())
    data["lead"] = "James Blood is a detective of the Special Security Council."
    response = editor.post(change_url, data)
    assert response.status_code == 302, response.content.decode()[:3000]

    cache_state, page = fetch(client, url)
    assert cache_state == "miss"
    assert "of the Special Security Council." in page


@pytest.fixture
def redis_cache_url():
    """A Redis database at 127.0.0.1 under a key prefix of this test's own."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.ConnectionError as error:
        pytest.fail(f"This test needs Redis at {REDIS_URL} (.ci/run starts it): {error}")
    prefix = f"heromask-test-{uuid.uuid4().hex}"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)


def test_no_process_serves_a_stale_page_after_another_process_edits_it(tmp_path, redis_cache_url):
    env = serving.site_environment(
        tmp_path / "wiki.sqlite3", CACHE_URL=REDIS_URL, CACHE_KEY_PREFIX=redis_cache_url
    )
    serving.manage(env, "migrate", "--noinput")
    url = serving.run_python(
        env,
        "from tests.factories import CharacterFactory\n"
        "print(CharacterFactory(title='James Blood', lead='James Blood is a detective.').get_absolute_url())",
    ).strip()

    with serving.gunicorn(env, workers=2, log_path=tmp_path / "gunicorn.log") as port:
        states = set()
        for _ in range(6):
            status, headers, body = serving.get(port, url)
            assert status == 200 and "is a detective." in body
            states.add(headers.get("X-Page-Cache"))
        assert states == {"miss", "hit"}

        serving.run_python(
            env,
            "from characters.models import Character\n"
            "james = Character.objects.get(title='James Blood')\n"
            "james.lead = 'James Blood is a detective of the Special Security Council.'\n"
            "james.save()",
        )

        for _ in range(6):
            status, _, body = serving.get(port, url)
            assert status == 200
            assert "of the Special Security Council." in body
