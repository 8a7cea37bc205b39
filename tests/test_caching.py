"""The anonymous page cache (``wiki.cache``) as readers see it: which answers
it stores and to whom it serves them, and that after any change made through
the write path the next reader sees the change, in this process and in every
other process sharing the database, with a per-process cache or with Redis.

Every stored page is keyed by the content generation (``wiki.models.Generation``),
so what matters is the page a reader gets: the ``X-Page-Cache`` header says
whether it was stored ("miss") or served from the cache ("hit"), the text
says whether it is up to date.

The module doubles as a small URLconf (``uses_these_urls``): a few views whose
answers must not be stored for reasons no reader page of the site has today
(a CSRF cookie, ``Cache-Control: private``, another ``Vary``, a change made
while rendering), and a plain page under the admin's prefix.
"""

import concurrent.futures
import contextlib
import io
import json
import os
import re
import shutil
import uuid

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import override_settings
from django.urls import include, path

from characters.models import Character, Language, VoiceCredit
from episodes.models import Appearance, Episode
from tests import serving
from tests.admin_forms import admin_form_data
from tests.factories import (
    AliasFactory,
    AppearanceFactory,
    CategoryFactory,
    CharacterFactory,
    EpisodeFactory,
    OrganizationFactory,
    PersonFactory,
    StaffUserFactory,
    UserFactory,
    VoiceCreditFactory,
)
from tests.serving import Browser
from wiki.models import Category, Generation, Page

REDIS_SERVER = "redis://127.0.0.1:6379"


def plain_page(request):
    return HttpResponse("<p>A plain page.</p>")


def page_with_form(request):
    return HttpResponse(
        f'<form method="post"><input name="csrfmiddlewaretoken" value="{get_token(request)}"></form>'
    )


def private_page(request):
    response = HttpResponse("<p>A page for one reader.</p>")
    response["Cache-Control"] = "private, max-age=60"
    return response


def page_per_language(request):
    response = HttpResponse("<p>A page in the reader's language.</p>")
    response["Vary"] = "Accept-Language"
    return response


def page_changing_content_while_rendering(request):
    # As if an edit committed while the page was being rendered.
    Generation.objects.advance()
    return HttpResponse("<p>A page rendered while the content changed.</p>")


urlpatterns = [
    path("t/plain/", plain_page),
    path("t/form/", page_with_form, name="t-form"),
    path("t/private/", private_page, name="t-private"),
    path("t/vary/", page_per_language, name="t-vary"),
    path("t/changing/", page_changing_content_while_rendering, name="t-changing"),
    path("admin/t-plain/", plain_page, name="t-admin-plain"),
    path("", include("heromask_wiki.urls")),
]

pytestmark = [pytest.mark.django_db]
uses_these_urls = pytest.mark.urls(__name__)
cache_on = override_settings(PAGE_CACHE_ENABLED=True)
cache_off = override_settings(PAGE_CACHE_ENABLED=False)


def visit(client, url, **extra):
    """An anonymous GET that must succeed: (X-Page-Cache header or None, page text)."""
    response = client.get(url, **extra)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return response.headers.get("X-Page-Cache"), response.content.decode()


def stored(client, url):
    """Visit ``url`` twice: the first visit stores the page, the second is
    served from the cache, identical. Returns the page's text."""
    state, page = visit(client, url)
    assert state == "miss", f"{url} was not stored"
    assert visit(client, url) == ("hit", page), f"{url} was not served from the cache"
    return page


def refreshed(client, url):
    """The page at ``url`` on the next visit, which must not come from the
    cache, and is stored again for the visit after. Returns the page's text."""
    state, page = visit(client, url)
    assert state == "miss", f"{url} was served from the cache after a change"
    assert visit(client, url) == ("hit", page), f"{url} was not stored again"
    return page


def lead_of(page):
    return re.search(r'<div class="lead">(.*?)</div>', page, re.S).group(1)


# What is stored, and whom it is served to ------------------------------------------


@cache_on
def test_an_anonymous_visit_is_stored_and_the_next_is_served_from_the_cache_with_one_query(
    client, django_assert_num_queries
):
    james = CharacterFactory(title="James Blood", lead="James Blood is a detective.")
    state, page = visit(client, james.get_absolute_url())
    assert state == "miss"
    assert "James Blood is a detective." in page
    # The one query of a hit: the content generation the page is keyed by.
    with django_assert_num_queries(1):
        assert visit(client, james.get_absolute_url()) == ("hit", page)


@cache_on
def test_the_cached_page_is_the_page_itself_headers_included(client):
    james = CharacterFactory(title="James Blood", lead="James Blood is a detective.")
    with cache_off:
        rendered = client.get(james.get_absolute_url())
    first = client.get(james.get_absolute_url())
    hit = client.get(james.get_absolute_url())
    assert hit.headers["X-Page-Cache"] == "hit"
    assert hit.content == rendered.content == first.content
    for header in ("Content-Type", "Content-Security-Policy", "X-Frame-Options", "Vary"):
        assert hit.headers.get(header) == rendered.headers.get(header), header


@cache_on
def test_a_head_request_stores_the_whole_page_for_the_next_get(client):
    james = CharacterFactory(title="James Blood", lead="James Blood is a detective.")
    with cache_off:
        rendered = visit(client, james.get_absolute_url())[1]
    head = client.head(james.get_absolute_url())
    assert head.status_code == 200
    assert head.headers["X-Page-Cache"] == "miss"
    assert visit(client, james.get_absolute_url()) == ("hit", rendered)
    assert client.head(james.get_absolute_url()).headers["X-Page-Cache"] == "hit"


@cache_on
def test_each_address_query_string_included_is_stored_apart(client):
    CharacterFactory(title="James Blood", lead="A detective.")
    CharacterFactory(title="Sarah Sinclair", lead="A prosecutor.")
    detectives = stored(client, "/search/?q=detective")
    prosecutors = stored(client, "/search/?q=prosecutor")
    assert "James Blood" in detectives and "Sarah Sinclair" not in detectives
    assert "Sarah Sinclair" in prosecutors and "James Blood" not in prosecutors


@cache_on
@pytest.mark.parametrize("user_factory", [StaffUserFactory, UserFactory], ids=["editor", "reader"])
def test_logged_in_users_neither_get_nor_fill_the_cache(client, user_factory):
    james, sarah = CharacterFactory(title="James Blood"), CharacterFactory(title="Sarah Sinclair")
    assert "Edit</a>" not in stored(client, james.get_absolute_url())

    client.force_login(user_factory())
    for url in (james.get_absolute_url(), sarah.get_absolute_url(), sarah.get_absolute_url()):
        state, page = visit(client, url)
        assert state is None
        assert ("Edit</a>" in page) == (user_factory is StaffUserFactory)

    client.logout()
    state, page = visit(client, sarah.get_absolute_url())
    assert state == "miss"
    assert "Edit</a>" not in page


@cache_on
@pytest.mark.parametrize(
    "extra",
    [
        {"HTTP_COOKIE": f"{settings.SESSION_COOKIE_NAME}=no-such-session"},
        {"HTTP_COOKIE": "messages=a-message-for-this-reader"},
        {"HTTP_AUTHORIZATION": "Basic ZWRpdG9yOnNlY3JldA=="},
    ],
    ids=["session cookie", "messages cookie", "credentials"],
)
def test_requests_with_a_session_messages_or_credentials_are_answered_afresh(client, extra):
    james = CharacterFactory(title="James Blood")
    page = stored(client, james.get_absolute_url())
    state, answer = visit(type(client)(), james.get_absolute_url(), **extra)
    assert state is None
    assert "James Blood" in answer
    assert visit(client, james.get_absolute_url()) == ("hit", page)


@cache_on
def test_posts_are_never_answered_from_the_cache(client):
    james = CharacterFactory(title="James Blood")
    page = stored(client, james.get_absolute_url())
    response = client.post(james.get_absolute_url(), {"lead": "Changed."})
    assert response.status_code in (403, 405)
    assert "X-Page-Cache" not in response.headers
    assert response.content.decode() != page
    assert visit(client, james.get_absolute_url()) == ("hit", page)


@uses_these_urls
@cache_on
def test_nothing_under_the_admin_is_stored_or_served_from_the_cache(client):
    assert stored(client, "/t/plain/")  # the same view elsewhere is stored
    for url in ("/admin/t-plain/", "/admin/t-plain/", "/admin/login/", "/admin/login/"):
        state, _ = visit(client, url)
        assert state is None, url


@cache_on
def test_the_random_page_is_never_stored(client):
    pages = {CharacterFactory().get_absolute_url() for _ in range(5)}
    reached = set()
    for _ in range(15):
        response = client.get("/random/")
        assert response.status_code == 302
        assert "X-Page-Cache" not in response.headers
        reached.add(response.headers["Location"])
    assert reached <= pages
    assert len(reached) > 1


@cache_on
def test_views_listed_as_excluded_are_never_stored(client):
    CategoryFactory(name="Detectives")
    assert stored(client, "/categories/")
    with override_settings(
        PAGE_CACHE_EXCLUDED_VIEWS={*settings.PAGE_CACHE_EXCLUDED_VIEWS, "wiki:categories"}
    ):
        # (At an address not stored before the view was excluded.)
        for _ in range(2):
            state, page = visit(client, "/categories/?again")
            assert state is None
            assert "Detectives" in page


@uses_these_urls
@cache_on
@pytest.mark.parametrize(
    "url", ["/t/form/", "/t/private/", "/t/vary/"], ids=["sets a cookie", "Cache-Control private", "Vary"]
)
def test_answers_that_set_cookies_are_private_or_vary_otherwise_are_never_stored(client, url):
    assert stored(client, "/t/plain/")
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200
        assert "X-Page-Cache" not in response.headers
        if url == "/t/form/":
            # Every reader gets the CSRF cookie their form needs.
            assert settings.CSRF_COOKIE_NAME in response.cookies


@cache_on
def test_error_pages_are_never_stored(client):
    for _ in range(2):
        response = client.get("/characters/mask/")
        assert response.status_code == 404
        assert "X-Page-Cache" not in response.headers
    CharacterFactory(title="Mask", lead="Mask is a masked intruder.")
    assert "Mask is a masked intruder." in stored(client, "/characters/mask/")


@cache_on
def test_a_page_lost_from_the_cache_is_rendered_again(client):
    james = CharacterFactory(title="James Blood", lead="James Blood is a detective.")
    page = stored(client, james.get_absolute_url())
    cache.clear()
    assert refreshed(client, james.get_absolute_url()) == page


@uses_these_urls
@cache_on
def test_a_page_rendered_while_the_content_changed_is_not_stored(client):
    for _ in range(2):
        state, page = visit(client, "/t/changing/")
        assert state is None
        assert "rendered while the content changed" in page


# Every change shows at once ------------------------------------------------------------


@cache_on
def test_an_edit_shows_at_once_on_the_page_and_on_the_pages_that_show_it(client):
    james = CharacterFactory(title="James Blood", lead="James Blood is a detective.")
    sarah = CharacterFactory(title="Sarah Sinclair", lead="Sarah Sinclair is a prosecutor.")
    stored(client, james.get_absolute_url())
    stored(client, sarah.get_absolute_url())
    assert "Chief inspector" not in stored(client, "/characters/")

    james.lead = "James Blood is a detective of the Special Services Command."
    james.occupation = "Chief inspector"
    james.save()

    assert "of the Special Services Command." in lead_of(refreshed(client, james.get_absolute_url()))
    assert 'James Blood</a><span class="muted"> – Chief inspector' in refreshed(client, "/characters/")
    assert "Sarah Sinclair is a prosecutor." in lead_of(refreshed(client, sarah.get_absolute_url()))


@cache_on
def test_an_admin_edit_shows_at_once(client):
    james = CharacterFactory(title="James Blood", lead="James Blood is a detective.")
    stored(client, james.get_absolute_url())

    editor = type(client)()
    editor.force_login(StaffUserFactory())
    change_url = f"/admin/characters/character/{james.pk}/change/"
    data = admin_form_data(
        editor.get(change_url), lead="James Blood is a detective of the Special Services Command."
    )
    response = editor.post(change_url, data)
    assert response.status_code == 302, response.content.decode()[:3000]

    assert "of the Special Services Command." in lead_of(refreshed(client, james.get_absolute_url()))


@cache_on
def test_a_new_appearance_shows_on_the_character_and_on_the_episode(client):
    james = CharacterFactory(title="James Blood")
    episode = EpisodeFactory(title="The masked intruder")
    assert "The masked intruder" not in stored(client, james.get_absolute_url())
    assert "James Blood" not in stored(client, episode.get_absolute_url())

    AppearanceFactory(character=james, episode=episode)

    assert "First appearance</th><td><a" in refreshed(client, james.get_absolute_url())
    assert "The masked intruder</a>" in visit(client, james.get_absolute_url())[1]
    assert "James Blood</a>" in refreshed(client, episode.get_absolute_url())


@cache_on
def test_a_moved_appearance_leaves_one_page_and_joins_the_other(client):
    james, sarah = CharacterFactory(title="James Blood"), CharacterFactory(title="Sarah Sinclair")
    appearance = AppearanceFactory(character=james, episode=EpisodeFactory(title="The masked intruder"))
    assert "The masked intruder</a>" in stored(client, james.get_absolute_url())
    assert "The masked intruder</a>" not in stored(client, sarah.get_absolute_url())

    appearance.character = sarah
    appearance.save()

    assert "The masked intruder</a>" not in refreshed(client, james.get_absolute_url())
    assert "The masked intruder</a>" in refreshed(client, sarah.get_absolute_url())


@cache_on
def test_a_voice_credit_added_and_deleted_shows_at_once(client):
    james, kase = CharacterFactory(title="James Blood"), PersonFactory(title="Yasuyuki Kase")
    assert "Japanese voice" not in stored(client, james.get_absolute_url())
    assert "Voice of" not in stored(client, kase.get_absolute_url())

    credit = VoiceCredit.objects.create(character=james, person=kase, language=Language.JAPANESE)

    page = refreshed(client, james.get_absolute_url())
    assert re.search(r"Japanese voice</th><td><a [^>]*>Yasuyuki Kase</a>", page)
    assert re.search(
        r"Voice of</th><td>.*James Blood</a> \(Japanese\)", refreshed(client, kase.get_absolute_url())
    )

    credit.delete()

    assert "Japanese voice" not in refreshed(client, james.get_absolute_url())
    assert "Voice of" not in refreshed(client, kase.get_absolute_url())


@cache_on
def test_categories_added_and_removed_show_at_once_from_either_side(client):
    detectives = CategoryFactory(name="Detectives")
    james = CharacterFactory(title="James Blood")
    category_url = detectives.get_absolute_url()
    assert "This category has no pages yet." in stored(client, category_url)
    assert "Detectives</a>" not in stored(client, james.get_absolute_url())

    james.categories.add(detectives)

    assert "James Blood</a>" in refreshed(client, category_url)
    assert "Detectives</a>" in refreshed(client, james.get_absolute_url())

    detectives.pages.remove(james)

    assert "This category has no pages yet." in refreshed(client, category_url)
    assert "Detectives</a>" not in refreshed(client, james.get_absolute_url())

    detectives.pages.add(james)
    assert "James Blood</a>" in refreshed(client, category_url)

    james.categories.clear()

    assert "This category has no pages yet." in refreshed(client, category_url)


@cache_on
def test_an_affiliation_added_shows_on_the_character(client):
    james = CharacterFactory(title="James Blood")
    ssc = OrganizationFactory(title="Special Services Command")
    assert "Affiliation" not in stored(client, james.get_absolute_url())

    ssc.members.add(james)

    assert re.search(
        r"Affiliation</th><td>.*Special Services Command</a>", refreshed(client, james.get_absolute_url())
    )


# Bulk changes of a character's rows: each returns (text the page must now
# show, text it must no longer show), either may be None.


def move_voice_to_english(james):
    VoiceCredit.objects.filter(character=james).update(language=Language.ENGLISH)
    return "English voice", "Japanese voice"


def delete_appearances(james):
    Appearance.objects.filter(character=james).delete()
    return None, "The masked intruder</a>"


def bulk_create_appearances(james):
    Appearance.objects.bulk_create(
        [Appearance(character=james, episode=Episode.objects.get(title="Who is Mask?"))]
    )
    return "Who is Mask?</a>", None


def update_pages_in_bulk(james):
    Character.objects.filter(pk=james.pk).update(lead="James Blood is a chief inspector.")
    return "James Blood is a chief inspector.", "James Blood is a detective."


def rename_categories_in_bulk(james):
    Category.objects.filter(name="Detectives").update(name="Inspectors")
    return "Inspectors</a>", "Detectives</a>"


@cache_on
@pytest.mark.parametrize(
    "change",
    [
        move_voice_to_english,
        delete_appearances,
        bulk_create_appearances,
        update_pages_in_bulk,
        rename_categories_in_bulk,
    ],
)
def test_bulk_changes_show_at_once(client, change):
    james = CharacterFactory(title="James Blood", lead="James Blood is a detective.")
    james.categories.add(CategoryFactory(name="Detectives"))
    VoiceCreditFactory(character=james, language=Language.JAPANESE)
    AppearanceFactory(character=james, episode=EpisodeFactory(title="The masked intruder"))
    EpisodeFactory(title="Who is Mask?")
    before = stored(client, james.get_absolute_url())

    shown, gone = change(james)

    page = refreshed(client, james.get_absolute_url())
    if shown is not None:
        assert shown not in before and shown in page
    if gone is not None:
        assert gone in before and gone not in page


@cache_on
def test_an_alias_created_and_deleted_shows_at_once_in_the_links_to_it(client):
    james = CharacterFactory(title="James Blood", lead="James Blood is an agent of the [[SSC]].")
    ssc = OrganizationFactory(title="Special Services Command")
    assert 'title="SSC (page does not exist)">SSC</a>' in lead_of(stored(client, james.get_absolute_url()))

    alias = AliasFactory(title="SSC", page=ssc)

    assert '<a href="/go/SSC/" title="Special Services Command">SSC</a>' in lead_of(
        refreshed(client, james.get_absolute_url())
    )

    alias.delete()

    assert 'title="SSC (page does not exist)">SSC</a>' in lead_of(refreshed(client, james.get_absolute_url()))


@cache_on
def test_pages_created_renamed_and_deleted_show_at_once_in_lists_and_links(client):
    james = CharacterFactory(title="James Blood", lead="James Blood hunts [[Mask]].")
    assert 'title="Mask (page does not exist)"' in lead_of(stored(client, james.get_absolute_url()))
    assert "Mask</a>" not in stored(client, "/characters/")

    mask = CharacterFactory(title="Mask", lead="Mask is a masked intruder.")

    assert '<a href="/characters/mask/" title="Mask">Mask</a>' in lead_of(
        refreshed(client, james.get_absolute_url())
    )
    assert "Mask</a>" in refreshed(client, "/characters/")

    mask.title = "Zed"
    mask.save()

    characters = refreshed(client, "/characters/")
    assert characters.index("James Blood</a>") < characters.index("Zed</a>")
    assert "Mask</a>" not in characters
    stored(client, mask.get_absolute_url())

    mask.delete()

    assert client.get(mask.get_absolute_url()).status_code == 404
    assert "Zed</a>" not in refreshed(client, "/characters/")
    assert 'title="Mask (page does not exist)"' in lead_of(refreshed(client, james.get_absolute_url()))


@cache_on
def test_search_results_refresh_when_another_page_starts_to_match(client):
    CharacterFactory(title="James Blood", lead="A detective.")
    sarah = CharacterFactory(title="Sarah Sinclair", lead="A prosecutor.")
    results = stored(client, "/search/?q=detective")
    assert "James Blood" in results and "Sarah Sinclair" not in results

    sarah.lead = "A prosecutor turned detective."
    sarah.save()

    results = refreshed(client, "/search/?q=detective")
    assert "James Blood" in results and "Sarah Sinclair" in results


@cache_on
@pytest.mark.parametrize("command", ["rebuild_links", "rebuild_search_index", "loaddata"])
def test_bulk_commands_show_writes_made_outside_the_write_path(client, command, tmp_path):
    james = CharacterFactory(title="James Blood", lead="James Blood is a detective.")
    assert "is a detective." in stored(client, james.get_absolute_url())
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {connection.ops.quote_name(Page._meta.db_table)} SET lead = %s WHERE id = %s",
            ["James Blood is a chief inspector.", james.pk],
        )
    # A raw write does not move the generation: the stored page is still served...
    assert "is a detective." in visit(client, james.get_absolute_url())[1]

    arguments = []
    if command == "loaddata":
        fixture = tmp_path / "categories.json"
        fixture.write_text(
            json.dumps([{"model": "wiki.category", "fields": {"name": "Detectives", "slug": "detectives"}}])
        )
        arguments = [str(fixture)]
    call_command(command, *arguments, stdout=io.StringIO())

    # ...until a command for databases written by other means (or in bulk) runs.
    assert "is a chief inspector." in refreshed(client, james.get_absolute_url())


# Transactions -------------------------------------------------------------------------------


@cache_on
def test_a_rolled_back_change_leaves_the_stored_page_served_and_right(client):
    james = CharacterFactory(title="James Blood", lead="James Blood is a detective.")
    detectives = CategoryFactory(name="Detectives")
    page = stored(client, james.get_absolute_url())

    with pytest.raises(RuntimeError), transaction.atomic():
        james.lead = "James Blood is a traitor."
        james.save()
        james.categories.add(detectives)
        AppearanceFactory(character=james, episode=EpisodeFactory(title="The masked intruder"))
        raise RuntimeError("the editor's request failed")

    assert visit(client, james.get_absolute_url()) == ("hit", page)
    assert "is a detective." in page and "traitor" not in page

    james.refresh_from_db()
    james.lead = "James Blood is a detective of the Special Services Command."
    james.save()

    page = refreshed(client, james.get_absolute_url())
    assert "of the Special Services Command." in page
    assert "traitor" not in page and "The masked intruder" not in page and "Detectives</a>" not in page


# The real content -------------------------------------------------------------------------------


@cache_on
def test_the_real_pages_show_edits_of_a_page_its_rows_and_its_categories_at_once(client, content):
    james = Character.objects.get(title="James Blood")
    episode = Page.objects.get(title="Season 1, Episode 3").specific
    ssc_members = Category.objects.get(name="SSC members")
    home = stored(client, "/")
    assert "Detective inspector" in home and "Chief inspector" not in home
    assert "Season 1, Episode 3</a>" not in stored(client, james.get_absolute_url())
    assert "James Blood</a>" not in stored(client, episode.get_absolute_url())
    assert "James Blood</a>" in stored(client, ssc_members.get_absolute_url())

    james.occupation = "Chief inspector"
    james.save()
    home = refreshed(client, "/")
    assert "Chief inspector" in home and "Detective inspector" not in home

    AppearanceFactory(character=james, episode=episode)
    assert "Season 1, Episode 3</a>" in refreshed(client, james.get_absolute_url())
    assert "James Blood</a>" in refreshed(client, episode.get_absolute_url())

    james.categories.remove(ssc_members)
    assert "James Blood</a>" not in refreshed(client, ssc_members.get_absolute_url())


# Other processes -----------------------------------------------------------------------------


def read(port, url):
    """(X-Page-Cache header or None, page text) of an anonymous GET from the server on ``port``."""
    status, headers, page = Browser(port).request("GET", url)
    assert status == 200, f"{url} on port {port}: {status}"
    return headers.get("X-Page-Cache"), page


@pytest.fixture(scope="module")
def site_database(tmp_path_factory):
    """A migrated SQLite file with James Blood's page and an editor in it, to
    copy for each test: (path, James's page id, James's address)."""
    database = tmp_path_factory.mktemp("site") / "wiki.sqlite3"
    pk, url = serving.run_python(
        serving.site_environment(database),
        "from django.core.management import call_command\n"
        "call_command('migrate', interactive=False, verbosity=0)\n"
        "from tests.factories import CharacterFactory, StaffUserFactory\n"
        "StaffUserFactory(username='editor', password='correct horse battery staple')\n"
        "james = CharacterFactory(title='James Blood', lead='James Blood is a detective.')\n"
        "print(james.pk, james.get_absolute_url())",
    ).split()
    return database, pk, url


def site(tmp_path, site_database, **overrides):
    """The site's environment on a copy of ``site_database``; returns
    (environment, James's page id, James's address)."""
    template, pk, url = site_database
    database = tmp_path / "wiki.sqlite3"
    shutil.copyfile(template, database)
    return serving.site_environment(database, **overrides), pk, url


def edit_james(env, lead):
    """An edit through the write path, committed by a process of its own."""
    serving.run_python(
        env,
        "from characters.models import Character\n"
        "james = Character.objects.get(title='James Blood')\n"
        f"james.lead = {lead!r}\n"
        "james.save()",
    )


def servers(stack, env, tmp_path, count=2):
    """``count`` server processes of one worker each on ``env``'s database,
    started side by side and stopped with ``stack``; their ports."""
    managers = [
        serving.gunicorn(env, workers=1, log_path=tmp_path / f"gunicorn-{n}.log") for n in range(count)
    ]
    with concurrent.futures.ThreadPoolExecutor(count) as pool:
        started = [pool.submit(manager.__enter__) for manager in managers]
    for manager, future in zip(managers, started, strict=True):
        if future.exception() is None:
            stack.push(manager)
    return [future.result() for future in started]


def test_servers_with_caches_of_their_own_serve_every_committed_edit_at_once(tmp_path, site_database):
    """Two server processes on one SQLite file, each with its own local-memory cache."""
    env, pk, url = site(tmp_path, site_database)
    assert env["CACHE_URL"] == "locmem://"
    with contextlib.ExitStack() as stack:
        first, second = servers(stack, env, tmp_path)
        for port in (first, second):
            # Each process stores the page in a cache of its own.
            state, page = read(port, url)
            assert state == "miss" and "James Blood is a detective." in page
            assert read(port, url) == ("hit", page)

        edit_james(env, "James Blood is a detective of the Special Services Command.")

        for port in (first, second):
            state, page = read(port, url)
            assert "of the Special Services Command." in page, f"port {port} served a stale page"
            assert state == "miss"
            assert read(port, url) == ("hit", page)

        # An edit committed by one server is what the other serves at once.
        editor = Browser(first)
        editor.log_in("editor", "correct horse battery staple")
        editor.edit(f"/admin/characters/character/{pk}/change/", lead="James Blood is a chief inspector.")
        for port in (second, first):
            state, page = read(port, url)
            assert "James Blood is a chief inspector." in page, f"port {port} served a stale page"
            assert state == "miss"


def redis_location():
    """The Redis database at 127.0.0.1:6379 to use: the one CI claimed for
    this run if the run's cache is there, else 0."""
    location = os.environ.get("CACHE_URL", "")
    return location if location.startswith(f"{REDIS_SERVER}/") else f"{REDIS_SERVER}/0"


def require_redis(location):
    """Fail (under CI, which starts Redis) or skip (elsewhere) unless Redis answers."""
    try:
        redis.Redis.from_url(location, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        message = f"This test needs Redis at {location} (.ci/run starts it): {error}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def redis_prefix():
    """A cache key prefix of this test's own, whose keys are deleted afterwards."""
    prefix = f"heromask-test-{uuid.uuid4().hex}"
    yield prefix
    with contextlib.suppress(redis.RedisError):
        client = redis.Redis.from_url(redis_location(), socket_connect_timeout=2)
        for key in client.scan_iter(match=f"{prefix}:*"):
            client.delete(key)


def test_servers_sharing_redis_share_pages_and_serve_every_committed_edit_at_once(
    tmp_path, site_database, redis_prefix
):
    location = redis_location()
    require_redis(location)
    env, pk, url = site(
        tmp_path,
        site_database,
        CACHE_URL=location,
        CACHE_KEY_PREFIX=redis_prefix,
        # Each server keeps the generation it read until Redis tells it of a
        # change: for ten minutes, so that only the notice can show the edit.
        DJANGO_PAGE_CACHE_TRUST_SECONDS="600",
    )
    with contextlib.ExitStack() as stack:
        first, second = servers(stack, env, tmp_path)
        state, page = read(first, url)
        assert state == "miss" and "James Blood is a detective." in page
        # Stored by one process, served by the other.
        assert read(second, url) == ("hit", page)

        edit_james(env, "James Blood is a detective of the Special Services Command.")

        state, page = read(second, url)
        assert "of the Special Services Command." in page, "a stale page was served"
        assert state == "miss"
        assert read(first, url) == ("hit", page)

        # An edit committed by one server is what the other serves at once.
        editor = Browser(first)
        editor.log_in("editor", "correct horse battery staple")
        assert read(second, url) == ("hit", page)
        editor.edit(f"/admin/characters/character/{pk}/change/", lead="James Blood is a chief inspector.")
        for port in (second, first):
            state, page = read(port, url)
            assert "James Blood is a chief inspector." in page, f"port {port} served a stale page"
            assert read(port, url) == ("hit", page)
