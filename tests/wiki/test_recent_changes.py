"""Recent changes (page and Atom feed) and the random page."""

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from tests.factories import (
    CharacterFactory,
    EpisodeFactory,
    OrganizationFactory,
    SeasonFactory,
    UserFactory,
)
from wiki.models import Page, Revision

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def edits():
    """Edits to pages of three apps, oldest first: an episode (after the creation
    of its work and season), a character, an organization."""
    alice = UserFactory(username="alice")
    season = SeasonFactory(work__title="Hero Mask", title="Hero Mask season 1")
    episode = EpisodeFactory.build(season=season, title="Episode 1", lead="Short.")
    episode.save(user=alice, summary="Create episode")
    episode.lead = "Short, then longer."
    episode.save(user=alice, summary="Expand lead")
    character = CharacterFactory.build(title="Sarah Sinclair")
    character.save(summary="Import <Sarah>")
    organization = OrganizationFactory.build(title="SSC")
    organization.save(user=alice, summary="Create SSC")
    return episode, character, organization


def test_recent_changes_lists_edits_to_every_kind_of_page_newest_first(client, edits):
    episode, character, organization = edits

    response = client.get(reverse("wiki:recent"))

    html = response.content.decode()
    assert response.status_code == 200
    positions = [html.index(summary) for summary in ("Create SSC", "Import &lt;Sarah&gt;", "Expand lead")]
    assert positions == sorted(positions)
    assert f'<a href="{organization.get_absolute_url()}">SSC</a>' in html
    assert f'<a href="{character.get_absolute_url()}">Sarah Sinclair</a>' in html
    diff_url = reverse("wiki:diff", args=[episode.pk])
    assert f'<a href="{diff_url}?from=1&amp;to=2">diff</a>' in html
    assert f'<a href="{diff_url}?from=0&amp;to=1">new page</a>' in html
    assert f'<a href="{reverse("wiki:history", args=[episode.pk])}">history</a>' in html
    assert '<td class="numeric" data-label="Change">+13</td>' in html


def test_recent_changes_takes_the_same_queries_however_many_edits_it_lists(
    client, edits, django_assert_num_queries
):
    # The list, its count, the content generation every anonymous read looks
    # up, and the story's episodes for the reading control (once per edit).
    with django_assert_num_queries(4):
        client.get(reverse("wiki:recent"))
    for page in Page.objects.all():
        page.save(summary="Another edit")

    with django_assert_num_queries(4):
        response = client.get(reverse("wiki:recent"))

    assert response.content.decode().count("Another edit") == Page.objects.count() == 5


def test_recent_changes_is_paginated(client):
    character = CharacterFactory()
    for number in range(1, 53):
        character.save(summary=f"Edit {number}.")

    first = client.get(reverse("wiki:recent")).content.decode()
    second = client.get(reverse("wiki:recent"), {"page": 2}).content.decode()

    assert "Edit 52." in first and "Edit 3." in first and "Edit 2." not in first
    assert "Edit 2." in second and "Edit 1." in second
    assert 'href="?page=2" rel="next"' in first


def test_recent_changes_feed_is_atom_with_an_entry_per_edit(client, edits):
    episode, _character, organization = edits

    response = client.get(reverse("wiki:recent_feed"))

    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    assert feed.find(f"{ATOM}title").text == "Hero Mask Wiki: recent changes"
    entries = feed.findall(f"{ATOM}entry")
    assert [entry.find(f"{ATOM}title").text for entry in entries] == [
        "SSC (revision 1)",
        "Sarah Sinclair (revision 1)",
        "Episode 1 (revision 2)",
        "Episode 1 (revision 1)",
        "Hero Mask season 1 (revision 1)",
        "Hero Mask (revision 1)",
    ]
    newest, imported, expanded = entries[0], entries[1], entries[2]
    diff_url = reverse("wiki:diff", args=[episode.pk])
    assert expanded.find(f"{ATOM}link").get("href") == f"http://testserver{diff_url}?from=1&to=2"
    assert newest.find(f"{ATOM}author/{ATOM}name").text == "alice"
    assert imported.find(f"{ATOM}summary").text == "<p>Import &lt;Sarah&gt;</p><p>+45 characters.</p>"
    assert all(entry.find(f"{ATOM}id").text and entry.find(f"{ATOM}updated").text for entry in entries)
    assert len({entry.find(f"{ATOM}id").text for entry in entries}) == len(entries)


def test_random_page_redirects_to_an_existing_page_in_one_query(client, django_assert_num_queries):
    """One query for the page, besides the content generation every anonymous read looks up."""
    CharacterFactory()
    EpisodeFactory()
    OrganizationFactory()
    urls = {page.get_absolute_url() for page in Page.objects.all()}

    with django_assert_num_queries(2):
        response = client.get(reverse("wiki:random"))

    assert response.status_code == 302
    assert response.url in urls
    assert "no-cache" in response["Cache-Control"]
    assert client.get(response.url).status_code == 200


def test_random_page_of_an_empty_wiki_is_not_found(client):
    assert client.get(reverse("wiki:random")).status_code == 404


def test_revision_links_to_what_it_changed():
    character = CharacterFactory()
    character.save()
    first, second = Revision.objects.filter(page=character).order_by("number")

    diff_url = reverse("wiki:diff", args=[character.pk])
    assert (first.get_absolute_url(), second.get_absolute_url()) == (
        f"{diff_url}?from=0&to=1",
        f"{diff_url}?from=1&to=2",
    )
    sizes = Revision.objects.filter(page=character).with_sizes().order_by("number")
    assert [revision.size_change for revision in sizes] == [len(character.lead), 0]
