"""Revisions recorded by admin saves, the history and diff pages, and reverts."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from characters.models import Character, Role
from episodes.models import Work
from tests.admin_forms import admin_form_data
from tests.factories import (
    CategoryFactory,
    CharacterFactory,
    EpisodeFactory,
    OrganizationFactory,
    SeasonFactory,
    StaffUserFactory,
    UserFactory,
)
from wiki import history
from wiki.management.commands.loaddata import LOADED_SUMMARY
from wiki.models import Page, Revision
from wiki.models.pages import UNRECORDED_SUMMARY

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client):
    user = StaffUserFactory(username="alice")
    client.force_login(user)
    return user


def change_url(page):
    opts = page._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[page.pk])


def edit_in_admin(client, page, **changes):
    """Open ``page``'s admin change form and save it with ``changes``."""
    form_page = client.get(change_url(page))
    response = client.post(change_url(page), admin_form_data(form_page, **changes))
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


def without_revisions(page):
    """``page`` as if written in bulk (``bulk_create``, raw SQL): a row with no revision yet."""
    Revision.objects.filter(page_id=page.pk).delete()
    return page


def add_character_in_admin(client, **fields):
    add_url = reverse("admin:characters_character_add")
    data = admin_form_data(client.get(add_url), **fields)
    response = client.post(add_url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return Character.objects.get(title=fields["title"])


def test_adding_a_page_in_the_admin_records_revision_1_with_editor_and_summary(client, editor):
    character = add_character_in_admin(
        client,
        title="Sarah Sinclair",
        slug="sarah-sinclair",
        role=Role.MAIN,
        lead="Sarah Sinclair is an agent of the SSC.",
        edit_summary="New character page",
    )

    revision = Revision.objects.get(page=character)
    assert (revision.number, revision.user, revision.summary) == (1, editor, "New character page")
    assert (revision.title, revision.lead) == ("Sarah Sinclair", "Sarah Sinclair is an agent of the SSC.")
    assert revision.data["role"] == "main"
    assert character.version == 1


def test_every_admin_save_records_the_next_revision_and_increments_the_version(client, editor):
    character = add_character_in_admin(client, title="James Blood", slug="james-blood", role=Role.MAIN)

    edit_in_admin(client, character, body="A detective.", edit_summary="Add body")
    edit_in_admin(client, character, body="A detective of the police.", edit_summary="More detail")

    revisions = list(Revision.objects.filter(page=character).order_by("number"))
    assert [(r.number, r.summary, r.body) for r in revisions] == [
        (1, "Created the page", ""),
        (2, "Add body", "A detective."),
        (3, "More detail", "A detective of the police."),
    ]
    assert all(r.user == editor for r in revisions)
    assert Page.objects.get(pk=character.pk).version == 3


def test_first_edit_of_an_imported_page_keeps_the_imported_text_as_revision_1(client, editor):
    character = without_revisions(CharacterFactory(title="Harry Lewis", lead="Imported lead."))

    edit_in_admin(client, character, lead="Edited lead.", edit_summary="Rewrite lead")

    imported, edited = Revision.objects.filter(page=character).order_by("number")
    assert (imported.number, imported.summary, imported.user, imported.lead) == (
        1,
        UNRECORDED_SUMMARY,
        None,
        "Imported lead.",
    )
    assert imported.created_at == character.updated_at
    assert (edited.number, edited.user, edited.lead) == (2, editor, "Edited lead.")


def test_revision_data_holds_the_page_kinds_other_fields_as_json(client, editor):
    category = CategoryFactory(name="Episodes of season 1")
    episode = EpisodeFactory(number=3, number_overall=3, runtime_minutes=24)

    edit_in_admin(client, episode, categories=[str(category.pk)], name="The Mask", edit_summary="Name")

    data = Revision.objects.get(page=episode, number=2).data
    assert data["name"] == "The Mask"
    assert data["release_date"] == "2018-12-03"
    assert data["season"] == episode.season_id
    assert data["categories"] == [category.pk]
    assert data["slug"] == episode.slug
    assert "title" not in data and "body" not in data


def test_episodes_edited_inline_on_their_season_get_revisions_too(client, editor):
    season = SeasonFactory()
    episode = without_revisions(EpisodeFactory(season=season, number=1, number_overall=1, title="Pilot"))
    form_page = client.get(change_url(season))
    data = admin_form_data(form_page, edit_summary="Retitle episode 1")
    prefix = next(
        inline.formset.prefix
        for inline in form_page.context["inline_admin_formsets"]
        if inline.formset.model._meta.model_name == "episode"
    )
    data[f"{prefix}-0-title"] = "The Beginning"

    assert client.post(change_url(season), data).status_code == 302

    episode.refresh_from_db()
    assert episode.title == "The Beginning"
    assert episode.version == 2
    assert list(Revision.objects.filter(page=episode).values_list("number", "title", "summary")) == [
        (2, "The Beginning", "Retitle episode 1"),
        (1, "Pilot", UNRECORDED_SUMMARY),
    ]


def test_revert_restores_revision_1_as_a_new_revision(client, editor):
    agency = OrganizationFactory(title="Agency")
    character = add_character_in_admin(
        client, title="Kasim", slug="kasim", role=Role.MINOR, lead="First text.", edit_summary="Start"
    )
    edit_in_admin(client, character, lead="Second text.", role=Role.ANTAGONIST, affiliations=[str(agency.pk)])

    response = client.post(reverse("wiki:revert", args=[character.pk, 1]), follow=True)

    character = Character.objects.get(pk=character.pk)
    assert (character.lead, character.role, list(character.affiliations.all())) == (
        "First text.",
        "minor",
        [],
    )
    revisions = Revision.objects.filter(page=character)
    assert revisions.count() == 3
    latest = revisions.get(number=3)
    assert (latest.summary, latest.user, latest.lead) == ("Reverted to revision 1", editor, "First text.")
    assert character.version == 3
    assert "Restored revision 1, saved as revision 3." in response.content.decode()


def test_revert_that_would_duplicate_a_title_is_refused_and_changes_nothing(client, editor):
    character = add_character_in_admin(client, title="Mask", slug="mask", role=Role.MINOR)
    edit_in_admin(client, character, title="Hero Mask mask", slug="hero-mask-mask")
    CharacterFactory(title="Mask", slug="mask-2")

    response = client.post(reverse("wiki:revert", args=[character.pk, 1]), follow=True)

    assert "Revision 1 cannot be restored" in response.content.decode()
    assert Character.objects.get(pk=character.pk).title == "Hero Mask mask"
    assert Revision.objects.filter(page=character).count() == 2


def test_anonymous_visitors_cannot_revert(client):
    character = CharacterFactory(lead="Now.")
    character.lead = "Later."
    character.save()

    response = client.post(reverse("wiki:revert", args=[character.pk, 1]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    assert Character.objects.get(pk=character.pk).lead == "Later."
    assert Revision.objects.filter(page=character).count() == 2


def test_signed_in_readers_who_are_not_staff_cannot_revert(client):
    character = CharacterFactory()
    client.force_login(UserFactory())

    response = client.post(reverse("wiki:revert", args=[character.pk, 1]))

    assert response.status_code == 403
    assert Revision.objects.filter(page=character).count() == 1


def test_history_lists_revisions_newest_first_with_compare_choices(client):
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    character = CharacterFactory.build(title="Sarah", lead="One two.")
    character.save(user=alice, summary="First version")
    character.lead = "One two three."
    character.save(user=bob, summary="Add a word")

    response = client.get(reverse("wiki:history", args=[character.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Add a word") < html.index("First version")
    assert '<td data-label="By">bob</td>' in html and '<td data-label="By">alice</td>' in html
    assert 'name="from" value="1" id="from-1" aria-label="Compare from revision 1" checked' in html
    assert 'name="to" value="2" id="to-2" aria-label="Compare to revision 2" checked' in html
    assert f'action="{reverse("wiki:diff", args=[character.pk])}"' in html
    assert '<td class="numeric" data-label="Change">+6</td>' in html
    assert "Revert to this revision" not in html


def test_history_offers_staff_a_revert_button_for_every_revision_but_the_current_one(client, editor):
    character = CharacterFactory()
    character.save(summary="Second revision")

    html = client.get(reverse("wiki:history", args=[character.pk])).content.decode()

    assert html.count("Revert to this revision") == 1
    assert f'action="{reverse("wiki:revert", args=[character.pk, 1])}"' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_history_of_a_page_never_edited_shows_its_unrecorded_version(client):
    character = without_revisions(CharacterFactory(lead="Twelve chars", body=""))

    html = client.get(reverse("wiki:history", args=[character.pk])).content.decode()

    assert UNRECORDED_SUMMARY in html
    assert '<td class="numeric" data-label="Size">12</td>' in html


def test_diff_highlights_the_words_that_changed(client):
    character = CharacterFactory(title="James", body="The quick detective solves the case.")
    character.body = "The slow detective solves the case."
    character.role = Role.MAIN
    character.save()

    response = client.get(reverse("wiki:diff", args=[character.pk]), {"from": 1, "to": 2})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<del>quick</del><ins>slow</ins>" in html
    assert "<del>Supporting</del><ins>Main</ins> character" in html
    assert ">Title</h3>" not in html


def test_diff_shows_editor_text_escaped(client):
    character = CharacterFactory(body="Safe.")
    character.body = "Safe. <script>alert(1)</script>"
    character.save()

    html = client.get(reverse("wiki:diff", args=[character.pk]), {"from": 1, "to": 2}).content.decode()

    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html


def test_diff_of_revision_1_shows_the_whole_page_as_added(client):
    character = CharacterFactory(title="Foxman", lead="Masked.")

    html = client.get(reverse("wiki:diff", args=[character.pk]), {"from": 0, "to": 1}).content.decode()

    assert "<ins>Foxman</ins>" in html and "<ins>Masked.</ins>" in html


@pytest.mark.parametrize("query", [{"from": 1, "to": 9}, {"from": 0, "to": 2}])
def test_diff_of_revisions_a_page_does_not_have_is_not_found(client, query):
    character = CharacterFactory()

    assert client.get(reverse("wiki:diff", args=[character.pk]), query).status_code == 404


@pytest.mark.parametrize(
    ("query", "problem"),
    [({"from": "x", "to": 1}, "“from”"), ({}, "“to” in the address is missing"), ({"to": 2**70}, "“to”")],
)
def test_diff_with_a_revision_number_that_is_not_one_says_so(client, query, problem):
    character = CharacterFactory()

    response = client.get(reverse("wiki:diff", args=[character.pk]), query)
    assert response.status_code == 400
    assert problem in response.content.decode()


def test_text_diff_compares_changed_lines_word_by_word_and_skips_distant_unchanged_lines():
    old = "".join(f"Line {n}.\n" for n in range(1, 11))
    new = old.replace("Line 5.", "Line five.")

    segments = [(s.op, s.text) for s in history.text_diff(old, new)]

    assert segments == [
        ("skip", "2 unchanged lines"),
        ("equal", "Line 3.\nLine 4.\nLine "),
        ("delete", "5"),
        ("insert", "five"),
        ("equal", ".\nLine 6.\nLine 7.\n"),
        ("skip", "3 unchanged lines"),
    ]


def test_history_page_takes_the_same_queries_however_many_revisions(client, django_assert_num_queries):
    character = CharacterFactory.build()
    character.save(user=UserFactory())
    # The page, its revisions, their count, the content generation every
    # anonymous read looks up, and the story's episodes for the reading control (once per edit).
    with django_assert_num_queries(5):
        client.get(reverse("wiki:history", args=[character.pk]))
    for _ in range(4):
        character.save(user=UserFactory())

    with django_assert_num_queries(5):
        response = client.get(reverse("wiki:history", args=[character.pk]))

    assert response.content.decode().count('name="to"') == 5


def test_editing_a_real_page_shows_in_its_history_diff_and_recent_changes(client, content, editor):
    work = Work.objects.get(slug=settings.WIKI_HOME_PAGE[1])
    lead = work.lead

    edit_in_admin(client, work, lead=f"{lead} An added sentence.", edit_summary="One more sentence")

    history_html = client.get(reverse("wiki:history", args=[work.pk])).content.decode()
    assert "One more sentence" in history_html and LOADED_SUMMARY in history_html
    diff_html = client.get(reverse("wiki:diff", args=[work.pk]), {"from": 1, "to": 2}).content.decode()
    assert re.search(r"<ins>[^<]*An added sentence\.</ins>", diff_html)
    assert ">Lead</h3>" in diff_html and ">Body</h3>" not in diff_html
    recent_html = client.get(reverse("wiki:recent")).content.decode()
    assert f'<a href="{work.get_absolute_url()}">{work.title}</a>' in recent_html
    assert Work.objects.get(pk=work.pk).lead == f"{lead} An added sentence."


def test_line_breaks_typed_in_the_admin_are_stored_as_the_fixtures_store_them(client, editor):
    character = CharacterFactory(body="Line one.\nLine two.")

    # Browsers submit a textarea's line breaks as CRLF.
    edit_in_admin(client, character, body="Line one.\r\nLine two.\r\nLine three.")

    assert Character.objects.get(pk=character.pk).body == "Line one.\nLine two.\nLine three."
    diff = client.get(reverse("wiki:diff", args=[character.pk]), {"from": 1, "to": 2}).content.decode()
    assert "Line one.\nLine two.<ins>\nLine three.</ins>" in diff
