"""The one write path as a user sees it: whoever saves a page (a script, the
shell, a bulk update, a delete, ``loaddata``), its history, search, links and
"What links here" follow, and a write that fails leaves nothing behind."""

import json
import re
import weakref

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.urls import reverse

from characters.models import Character, Role
from tests.factories import ArticleFactory, CharacterFactory
from wiki.models import Page, PageLink, Revision
from wiki.models.pages import UNRECORDED_SUMMARY

pytestmark = pytest.mark.django_db

OUR_APPS = ("wiki", "articles", "characters", "episodes", "heromask_wiki")


def search_titles(client, query):
    """Titles of the full search results for ``query``, as the search page lists them."""
    response = client.get(reverse("wiki:search"), {"q": query, "fulltext": 1})
    assert response.status_code == 200
    return [hit.title for hit in response.context["results"].hits]


def history_rows(client, page):
    """(number, summary) of each revision the page's History page lists, newest first."""
    response = client.get(reverse("wiki:history", args=[page.pk]))
    assert response.status_code == 200
    return [(revision.number, revision.summary) for revision in response.context["revisions"]], (
        response.content.decode()
    )


def backlink_titles(client, page):
    response = client.get(reverse("wiki:backlinks", args=[page.pk]))
    assert response.status_code == 200
    return [linking.title for linking in response.context["linking_pages"]], response.content.decode()


def links_in_reader_view(client, page, title):
    """The ``<a>`` tags of ``page``'s reader view whose text is ``title``."""
    response = client.get(page.get_absolute_url())
    assert response.status_code == 200
    return re.findall(rf"<a [^>]*>{re.escape(title)}</a>", response.content.decode())


# A script or the shell ------------------------------------------------------------------


def test_a_save_from_the_shell_shows_in_the_pages_history_with_its_summary(client):
    created = CharacterFactory(title="Anna Winehouse", lead="An informant.")

    page = Character.objects.get(pk=created.pk)
    page.lead = "An informant of the SSC."
    page.save(summary="Fixed from the shell")

    rows, html = history_rows(client, page)
    assert rows == [(2, "Fixed from the shell"), (1, "Created the page")]
    assert '<td data-label="Summary">Fixed from the shell</td>' in html
    assert Character.objects.get(pk=page.pk).version == 2
    assert Revision.objects.latest_of(page).lead == "An informant of the SSC."


def test_a_save_from_the_shell_of_a_page_written_in_bulk_keeps_its_unrecorded_state_first(client):
    created = CharacterFactory(title="Anna Winehouse", lead="An informant.")
    Revision.objects.filter(page_id=created.pk).delete()

    page = Character.objects.get(pk=created.pk)
    page.lead = "An informant of the SSC."
    page.save(summary="Fixed from the shell")

    rows, _html = history_rows(client, page)
    assert rows == [(2, "Fixed from the shell"), (1, UNRECORDED_SUMMARY)]
    assert Revision.objects.get(page=page, number=1).lead == "An informant."
    assert Character.objects.get(pk=page.pk).version == 2


def test_a_page_created_through_the_write_path_is_searchable_and_listed_in_what_links_here(client):
    father = CharacterFactory(title="William Herst")
    assert backlink_titles(client, father)[0] == []

    daughter = Character(
        title="Tina Herst",
        slug="tina-herst",
        role=Role.SUPPORTING,
        lead="The daughter of [[William Herst]], and a zeppelin pilot.",
    )
    daughter.save(summary="New page from a script")

    assert search_titles(client, "zeppelin") == ["Tina Herst"]
    titles, html = backlink_titles(client, father)
    assert titles == ["Tina Herst"]
    assert f'<a href="{daughter.get_absolute_url()}">Tina Herst</a>' in html
    assert history_rows(client, daughter)[0] == [(1, "New page from a script")]


def test_renaming_a_page_through_save_turns_a_red_link_elsewhere_into_a_working_link(client):
    article = ArticleFactory(title="Case file", lead="The prisoner [[Grimm]] escaped.")
    prisoner = CharacterFactory(title="Prisoner 42", slug="prisoner-42")
    (red,) = links_in_reader_view(client, article, "Grimm")
    assert 'class="new"' in red and "Grimm (page does not exist)" in red

    prisoner = Character.objects.get(pk=prisoner.pk)
    prisoner.title = "Grimm"
    prisoner.save(summary="His real name")

    (link,) = links_in_reader_view(client, article, "Grimm")
    assert f'href="{prisoner.get_absolute_url()}"' in link
    assert 'class="new"' not in link and "does not exist" not in link
    assert backlink_titles(client, prisoner)[0] == ["Case file"]


# A failed write --------------------------------------------------------------------------


def stored_state():
    """Everything the write path writes: pages, revisions and the link table."""
    return (
        sorted(Page.objects.values_list("pk", "title", "slug", "lead", "version")),
        sorted(Revision.objects.values_list("page_id", "number", "summary", "title", "lead")),
        sorted(PageLink.objects.values_list("source_id", "target_id", "target_title")),
    )


def test_an_error_after_a_save_in_a_transaction_leaves_page_history_links_and_search_as_they_were(client):
    partner = CharacterFactory(title="Sarah Sinclair")
    page = CharacterFactory(title="James Blood", lead="The partner of [[Sarah Sinclair]].")
    before = stored_state()

    with pytest.raises(RuntimeError), transaction.atomic():
        page = Character.objects.get(pk=page.pk)
        page.title, page.slug = "Jim Blood", "jim-blood"
        page.lead = "The partner of [[Anna Winehouse]], and a zeppelin pilot."
        page.save(summary="Never happened")
        raise RuntimeError("the script failed after saving")

    assert stored_state() == before
    assert Character.objects.get(pk=page.pk).title == "James Blood"
    assert search_titles(client, "zeppelin") == []
    assert search_titles(client, "partner") == ["James Blood"]
    assert backlink_titles(client, partner)[0] == ["James Blood"]
    assert history_rows(client, page)[0] == [(1, "Created the page")]


def test_a_rolled_back_rename_leaves_no_stale_links_behind_after_the_next_change(client):
    blood = CharacterFactory(title="James Blood")
    article = ArticleFactory(title="Case file", lead="Filed by [[James Blood]].")
    assert 'class="new"' not in links_in_reader_view(client, article, "James Blood")[0]

    with pytest.raises(RuntimeError), transaction.atomic():
        renamed = Character.objects.get(pk=blood.pk)
        renamed.title = "Jim Blood"
        renamed.save()
        raise RuntimeError("the script failed after saving")
    # The next change to the names pages can be linked by, committed this time.
    CharacterFactory(title="Sarah Sinclair")

    (link,) = links_in_reader_view(client, article, "James Blood")
    assert f'href="{blood.get_absolute_url()}"' in link and 'class="new"' not in link


# Bulk writes ------------------------------------------------------------------------------


@pytest.mark.parametrize("model", [Page, Character], ids=["Page", "Character"])
def test_a_bulk_update_keeps_the_search_index_current(client, model):
    page = CharacterFactory(title="Anna Winehouse", lead="An informant.")
    assert search_titles(client, "informant") == ["Anna Winehouse"]

    assert model.objects.filter(pk=page.pk).update(lead="A zeppelin pilot.") == 1

    assert search_titles(client, "zeppelin") == ["Anna Winehouse"]
    assert search_titles(client, "informant") == []


@pytest.mark.parametrize("how", ["page", "queryset"])
def test_deleting_a_page_removes_it_from_search_and_turns_links_to_it_red(client, how):
    grimm = CharacterFactory(title="Grimm", lead="A prisoner of the SSC.")
    article = ArticleFactory(title="Case file", lead="[[Grimm]] escaped.")
    assert search_titles(client, "prisoner") == ["Grimm"]
    assert 'class="new"' not in links_in_reader_view(client, article, "Grimm")[0]

    if how == "page":
        Character.objects.get(pk=grimm.pk).delete()
    else:
        Page.objects.filter(pk=grimm.pk).delete()

    assert search_titles(client, "prisoner") == []
    assert "Grimm" not in search_titles(client, "grimm")
    (red,) = links_in_reader_view(client, article, "Grimm")
    assert 'class="new"' in red and "Grimm (page does not exist)" in red
    links = PageLink.objects.filter(source=article).values_list("target_title", "target")
    assert list(links) == [("Grimm", None)]


# loaddata ---------------------------------------------------------------------------------


def test_loaddata_of_a_fixture_with_a_broken_foreign_key_fails_and_changes_nothing(client, tmp_path):
    existing = CharacterFactory(title="William Herst")
    before = stored_state()
    fixture = tmp_path / "broken.json"
    fixture.write_text(
        json.dumps(
            [
                {
                    "model": "wiki.page",
                    "pk": 9001,
                    "fields": {
                        "kind": "character",
                        "title": "Tina Herst",
                        "slug": "tina-herst",
                        "lead": "The daughter of [[William Herst]], and a zeppelin pilot.",
                        "body": "",
                        "version": 1,
                        "created_at": "2026-11-25T00:00:00Z",
                        "updated_at": "2026-11-25T00:00:00Z",
                        "categories": [],
                    },
                },
                {
                    "model": "characters.character",
                    "pk": 9001,
                    "fields": {"role": "supporting", "occupation": "Pilot", "affiliations": []},
                },
                {
                    "model": "characters.characterrelationship",
                    "pk": 9001,
                    "fields": {"character": 9001, "related_character": 999999, "description": "sister"},
                },
            ]
        )
    )

    with pytest.raises(IntegrityError, match="(?i)foreign key"):
        call_command("loaddata", str(fixture), verbosity=0)

    assert stored_state() == before
    assert not Page.objects.filter(pk=9001).exists()
    assert search_titles(client, "zeppelin") == []
    assert backlink_titles(client, existing)[0] == []


# No receiver listens to every model ----------------------------------------------------------


def receivers_of_every_sender(signal):
    """Our apps' receivers of ``signal`` connected without a sender: Django keys
    each receiver by ``(receiver id, sender id)``, and "any sender" is ``id(None)``."""
    found = []
    for (_receiver_key, sender_key), reference, *_ in signal.receivers:
        receiver = reference() if isinstance(reference, weakref.ReferenceType) else reference
        module = getattr(receiver, "__module__", None) or ""
        if module.split(".")[0] in OUR_APPS and sender_key == id(None):
            found.append(f"{module}.{getattr(receiver, '__qualname__', receiver)}")
    return found


def test_the_check_for_receivers_of_every_sender_finds_one():
    def listens_to_everything(sender, **kwargs):
        pass

    listens_to_everything.__module__ = "wiki.example"
    post_save.connect(listens_to_everything)
    try:
        assert receivers_of_every_sender(post_save) == [
            "wiki.example.test_the_check_for_receivers_of_every_sender_finds_one.<locals>.listens_to_everything"
        ]
    finally:
        post_save.disconnect(listens_to_everything)


@pytest.mark.parametrize(
    "signal",
    [post_save, post_delete, pre_save, pre_delete, m2m_changed],
    ids=["post_save", "post_delete", "pre_save", "pre_delete", "m2m_changed"],
)
def test_no_receiver_of_ours_listens_to_every_model(signal):
    assert receivers_of_every_sender(signal) == []
