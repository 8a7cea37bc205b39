"""The link table behind "What links here", kept current as pages and aliases change."""

import io

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from tests.factories import AliasFactory, ArticleFactory, CharacterFactory, OrganizationFactory
from wiki.models import Page, PageLink

pytestmark = pytest.mark.django_db


def outgoing(page):
    """{title: target title or None} of the links stored for ``page``."""
    return {
        link.target_title: link.target.title if link.target else None
        for link in PageLink.objects.filter(source=page).select_related("target")
    }


def test_saving_a_page_stores_its_wiki_links_automatic_links_and_red_links():
    CharacterFactory(title="James Blood")
    AliasFactory(title="SSC", page=OrganizationFactory(title="Special Services Command"))
    page = ArticleFactory(lead="[[James Blood|Blood]] joined.", body="The SSC and [[Grimm]].")
    assert outgoing(page) == {"James Blood": "James Blood", "SSC": "Special Services Command", "Grimm": None}


def test_editing_a_page_replaces_its_links():
    CharacterFactory(title="James Blood")
    CharacterFactory(title="Sarah Sinclair")
    page = ArticleFactory(lead="[[James Blood]]")
    page.lead = "[[Sarah Sinclair]]"
    page.save()
    assert outgoing(page) == {"Sarah Sinclair": "Sarah Sinclair"}


def test_a_red_link_is_attached_when_a_page_with_its_title_is_created():
    page = ArticleFactory(lead="The prisoner [[Grimm]].")
    grimm = CharacterFactory(title="Grimm")
    assert outgoing(page) == {"Grimm": "Grimm"}
    assert list(Page.objects.linking_to(grimm)) == [Page.objects.get(pk=page.pk)]


def test_a_red_link_is_attached_when_an_alias_with_its_title_is_added():
    page = ArticleFactory(lead="[[Mr Blood]]")
    AliasFactory(title="Mr Blood", page=CharacterFactory(title="James Blood"))
    assert outgoing(page) == {"Mr Blood": "James Blood"}


def test_a_new_character_is_found_in_existing_text_as_an_automatic_link():
    page = ArticleFactory(lead="Anna Winehouse knows.")
    CharacterFactory(title="Anna Winehouse")
    assert outgoing(page) == {"Anna Winehouse": "Anna Winehouse"}


def test_renaming_a_page_turns_links_to_its_old_title_red():
    blood = CharacterFactory(title="James Blood")
    page = ArticleFactory(lead="[[James Blood]]")
    blood.title = "Jim Blood"
    blood.save()
    assert outgoing(page) == {"James Blood": None}


def test_deleting_the_target_leaves_a_red_link_and_deleting_the_source_removes_its_links():
    blood = CharacterFactory(title="James Blood")
    source = ArticleFactory(lead="[[James Blood]]")
    other = ArticleFactory(lead="[[Sarah Sinclair]]")
    blood.delete()
    assert outgoing(source) == {"James Blood": None}
    source.delete()
    assert not PageLink.objects.filter(source_id=source.pk).exists()
    assert outgoing(other) == {"Sarah Sinclair": None}


def test_deleting_an_alias_turns_links_through_it_red():
    alias = AliasFactory(title="Mr Blood", page=CharacterFactory(title="James Blood"))
    page = ArticleFactory(lead="[[Mr Blood]]")
    alias.delete()
    assert outgoing(page) == {"Mr Blood": None}


def test_what_links_here_lists_each_linking_page_once(client):
    blood = CharacterFactory(title="James Blood")
    AliasFactory(title="Mr Blood", page=blood)
    first = ArticleFactory(title="Agents", lead="[[James Blood]] and [[Mr Blood]].")
    second = ArticleFactory(title="Bombings", lead="James Blood investigates.")
    ArticleFactory(title="Unrelated", lead="Nothing.")
    response = client.get(reverse("wiki:backlinks", kwargs={"pk": blood.pk}))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Pages that link to James Blood" in html
    listed = html[html.index('<ul class="backlink-list">') :]
    listed = listed[: listed.index("</ul>")]
    assert listed.count("<li>") == 2
    assert f'<a href="{first.get_absolute_url()}">Agents</a>' in listed
    assert f'<a href="{second.get_absolute_url()}">Bombings</a>' in listed


def test_what_links_here_follows_deletion_of_a_linking_page(client):
    blood = CharacterFactory(title="James Blood")
    ArticleFactory(title="Agents", lead="[[James Blood]]").delete()
    html = client.get(reverse("wiki:backlinks", kwargs={"pk": blood.pk})).content.decode()
    assert "No page links to James Blood yet." in html


def test_what_links_here_is_linked_from_every_page(client):
    page = ArticleFactory(title="Agents")
    html = client.get(page.get_absolute_url()).content.decode()
    assert f'href="{reverse("wiki:backlinks", kwargs={"pk": page.pk})}">What links here</a>' in html


def test_what_links_here_of_a_missing_page_is_not_found(client):
    assert client.get(reverse("wiki:backlinks", kwargs={"pk": 999})).status_code == 404


def test_loaddata_fills_the_link_table_once_every_fixture_is_in(content):
    blood = Page.objects.get(title="James Blood")
    linking = set(Page.objects.linking_to(blood).values_list("title", flat=True))
    assert "Hero Mask" in linking
    assert "Sarah Sinclair" in linking
    assert not PageLink.objects.filter(source=blood, target=blood).exists()
    assert not PageLink.objects.filter(target__isnull=True).exists()


def test_rebuild_links_reads_every_page_afresh(content):
    PageLink.objects.all().delete()
    output = io.StringIO()
    call_command("rebuild_links", stdout=output)
    assert output.getvalue().startswith(f"Read the links of {Page.objects.count()} pages")
    blood = Page.objects.get(title="James Blood")
    assert Page.objects.linking_to(blood).filter(title="Hero Mask").exists()


@override_settings(PAGE_CACHE_ENABLED=True)
def test_a_reader_sees_red_links_turn_blue_even_through_the_page_cache(client):
    blood = CharacterFactory(title="James Blood")
    page = ArticleFactory(title="Prison", lead="The prisoner [[Grimm]] and [[Mr Blood]].")
    client.get(page.get_absolute_url())
    cached = client.get(page.get_absolute_url())
    assert cached.headers.get("X-Page-Cache") == "hit"
    assert cached.content.decode().count('class="new"') == 2
    AliasFactory(title="Mr Blood", page=blood)
    html = client.get(page.get_absolute_url()).content.decode()
    assert '<a href="/go/Mr%20Blood/" title="James Blood">Mr Blood</a>' in html
    grimm = CharacterFactory(title="Grimm")
    html = client.get(page.get_absolute_url()).content.decode()
    assert f'<a href="{grimm.get_absolute_url()}" title="Grimm">Grimm</a>' in html
