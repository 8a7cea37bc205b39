"""A page kind is declared in one class: the test-only ``Song`` kind
(``tests/kinds``) gets its address, search, history, backlinks, sitemap
entry, structured data and cache invalidation without any edit of the
engine; and a kind that lacks something is named by a system check."""

import json

import factory
import pytest
from django.db import models
from django.test import override_settings
from django.test.utils import isolate_apps
from django.urls import reverse
from django.utils.text import slugify

from tests.factories import CharacterFactory, PageFactory
from tests.kinds.models import Song
from wiki import checks
from wiki.models import Page, page_link

pytestmark = pytest.mark.django_db


class SongFactory(PageFactory):
    class Meta:
        model = Song

    title = factory.Sequence(lambda n: f"Song {n}")
    slug = factory.LazyAttribute(lambda song: slugify(song.title))
    performer = "ASCA"


@pytest.fixture
def song():
    return SongFactory(title="Hero Mask Opening", lead="The opening theme of the series.", performer="ASCA")


def test_a_new_kind_has_an_address_and_a_page_from_its_own_template(client, song):
    assert song.get_absolute_url() == "/songs/hero-mask-opening/"
    assert Page.kinds()["song"] is Song

    html = client.get(song.get_absolute_url()).content.decode()

    assert '<h1 id="page-title">Hero Mask Opening</h1>' in html
    assert '<th scope="row">Performer</th><td>ASCA</td>' in html
    assert "The opening theme of the series." in html
    assert '<p class="page-kind">Song</p>' in html


def test_a_new_kind_is_found_by_search_and_suggestions(client, song):
    results = client.get(reverse("wiki:search"), {"q": "opening theme", "fulltext": 1}).content.decode()
    suggestions = client.get(reverse("wiki:suggest"), {"q": "hero mask op"}).json()["results"]

    assert 'href="/songs/hero-mask-opening/"' in results
    assert {"title": "Hero Mask Opening", "url": "/songs/hero-mask-opening/", "kind": "Song"} in suggestions


def test_edits_of_a_new_kind_show_in_its_history(client, song):
    song.lead = "The opening theme, sung by ASCA."
    song.save(summary="Name the singer")

    html = client.get(reverse("wiki:history", args=[song.pk])).content.decode()

    assert "Name the singer" in html
    assert "Created the page" in html


def test_pages_linking_to_a_new_kind_show_in_what_links_here(client, song):
    character = CharacterFactory(title="Sarah Sinclair", lead="She hums [[Hero Mask Opening]].")
    other = CharacterFactory(title="James Blood", lead="He hates Hero Mask Opening.")

    html = client.get(reverse("wiki:backlinks", args=[song.pk])).content.decode()
    linked = client.get(other.get_absolute_url()).content.decode()

    assert f'href="{character.get_absolute_url()}"' in html
    # Song is an automatically linked kind: its first mention elsewhere is a link.
    assert '<a href="/songs/hero-mask-opening/" title="Hero Mask Opening">Hero Mask Opening</a>' in linked


def test_a_new_kind_is_in_the_sitemap_and_describes_itself_to_search_engines(client, song):
    sitemap = client.get("/sitemap.xml").content.decode()
    html = client.get(song.get_absolute_url()).content.decode()

    assert "http://testserver/songs/hero-mask-opening/" in sitemap
    assert '<meta property="og:type" content="music.song">' in html
    data = json.loads(html.split('<script type="application/ld+json">')[1].split("</script>")[0])
    assert (data["@type"], data["byArtist"]["name"]) == ("MusicRecording", "ASCA")


@override_settings(PAGE_CACHE_ENABLED=True)
def test_an_edit_of_a_new_kind_takes_its_cached_page_out_of_the_cache(client, song):
    first = client.get(song.get_absolute_url())
    second = client.get(song.get_absolute_url())
    song.performer = "Yui Ogura"
    song.save(summary="Correct the singer")
    third = client.get(song.get_absolute_url())

    assert (first.headers["X-Page-Cache"], second.headers["X-Page-Cache"]) == ("miss", "hit")
    assert third.headers["X-Page-Cache"] == "miss"
    assert "Yui Ogura" in third.content.decode()


def test_every_installed_kind_passes_the_checks():
    assert checks.check_page_kinds() == []


@isolate_apps("tests.kinds")
def test_a_kind_without_an_address_or_template_is_named_by_the_checks():
    class Jingle(Page):
        page_ptr = page_link()
        length = models.PositiveIntegerField()

        class Meta:
            app_label = "kinds"

    errors = checks.kind_errors(Jingle, prefixes={})

    assert {error.id for error in errors} == {"wiki.E001", "wiki.E004"}
    assert all(error.obj is Jingle and "kinds.Jingle" in error.msg for error in errors)


@isolate_apps("tests.kinds")
def test_two_kinds_at_one_address_and_a_kind_without_its_parent_link_are_named():
    class Ballad(Page):
        url_prefix = "songs"
        template_name = "kinds/song_detail.html"

        class Meta:
            app_label = "kinds"

    errors = checks.kind_errors(Ballad, prefixes={"songs": "kinds.Song"})

    assert {error.id for error in errors} == {"wiki.E002", "wiki.E005"}
