"""Edit conflicts: two editors open the same page; the second save must not
silently overwrite the first."""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from characters.models import Character
from tests.admin_forms import admin_form_data
from tests.factories import CharacterFactory, StaffUserFactory
from wiki.admin import PageAdminForm
from wiki.models import EditConflict, Page, Revision

pytestmark = pytest.mark.django_db


def change_url(page):
    return reverse("admin:characters_character_change", args=[page.pk])


@pytest.fixture
def character():
    return CharacterFactory(title="Sarah Sinclair", body="Sarah is an agent.")


@pytest.fixture
def alice():
    client = Client()
    client.force_login(StaffUserFactory(username="alice"))
    return client


@pytest.fixture
def bob():
    client = Client()
    client.force_login(StaffUserFactory(username="bob"))
    return client


def test_second_of_two_editors_who_opened_the_same_page_gets_a_conflict_and_keeps_their_text(
    character, alice, bob
):
    alice_form = alice.get(change_url(character))
    bob_form = bob.get(change_url(character))

    alice_save = alice.post(
        change_url(character),
        admin_form_data(alice_form, body="Sarah is a senior agent.", edit_summary="Rank"),
    )
    bob_save = bob.post(
        change_url(character),
        admin_form_data(bob_form, body="Sarah is an agent of the SSC.", edit_summary="Employer"),
    )

    assert alice_save.status_code == 302
    assert bob_save.status_code == 200
    html = bob_save.content.decode()
    assert "This page was changed by alice at" in html
    assert "Your changes have not been saved" in html
    # Bob's text is still in the form, and the difference from Alice's is shown.
    assert "Sarah is an agent of the SSC.</textarea>" in html
    assert "Sarah is <del>a senior</del><ins>an</ins> agent<ins> of the SSC</ins>." in html
    page = Character.objects.get(pk=character.pk)
    assert page.body == "Sarah is a senior agent."
    assert page.version == 2
    assert list(Revision.objects.filter(page=character).values_list("number", "summary")) == [
        (2, "Rank"),
        (1, "Created the page"),
    ]


def test_after_seeing_the_conflict_the_editor_can_save_their_version_over_it(character, alice, bob):
    bob_form = bob.get(change_url(character))
    alice.post(change_url(character), admin_form_data(alice.get(change_url(character)), body="Alice's text."))
    conflict = bob.post(change_url(character), admin_form_data(bob_form, body="Bob's text."))

    resubmitted = bob.post(change_url(character), admin_form_data(conflict, edit_summary="Keep mine"))

    assert resubmitted.status_code == 302
    page = Character.objects.get(pk=character.pk)
    assert (page.body, page.version) == ("Bob's text.", 3)
    assert Revision.objects.get(page=character, number=3).summary == "Keep mine"


def test_a_save_that_loses_the_race_after_validation_is_reported_as_a_conflict(character, bob, monkeypatch):
    """Bob's form was validated against version 1 just before Alice's save
    committed version 2: the version check in the UPDATE catches it, the
    transaction rolls back, and Bob is shown the conflict instead."""
    bob_form = bob.get(change_url(character))
    Page.objects.filter(pk=character.pk).update(body="Alice's text.", version=2)
    clean = PageAdminForm.clean
    stale_reads = [1]

    def clean_against_the_version_read_before_alices_commit(form):
        if stale_reads:
            form.instance.version = stale_reads.pop()
        return clean(form)

    monkeypatch.setattr(PageAdminForm, "clean", clean_against_the_version_read_before_alices_commit)

    response = bob.post(change_url(character), admin_form_data(bob_form, body="Bob's text."))

    assert not stale_reads
    assert response.status_code == 200
    html = response.content.decode()
    assert "after you opened it" in html
    assert "Bob&#x27;s text.</textarea>" in html
    page = Character.objects.get(pk=character.pk)
    assert (page.body, page.version) == ("Alice's text.", 2)
    assert list(Revision.objects.filter(page=character).values_list("number", flat=True)) == [1]


def test_only_one_of_two_saves_from_the_same_version_can_claim_the_next_version(character):
    first, second = Character.objects.get(pk=character.pk), Character.objects.get(pk=character.pk)

    first.claim_version(loaded_version=1)
    with pytest.raises(EditConflict):
        second.claim_version(loaded_version=1)

    assert Page.objects.get(pk=character.pk).version == 2


def test_change_form_carries_the_version_the_editor_loaded(character, alice):
    Page.objects.filter(pk=character.pk).update(version=7)

    html = alice.get(change_url(character)).content.decode()

    assert '<input type="hidden" name="loaded_version" value="7"' in html


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite takes its write lock at BEGIN, so two admin saves cannot overlap there at all",
)
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_saves_on_postgresql_one_wins_and_one_gets_the_conflict(monkeypatch):
    """Both saves are validated against version 1 before either writes; the
    database lets exactly one UPDATE ... WHERE version = 1 match."""
    character = CharacterFactory(title="Sarah Sinclair", body="Sarah is an agent.")
    editors = {}
    for name in ("alice", "bob"):
        editors[name] = Client()
        editors[name].force_login(StaffUserFactory(username=name))
    forms = {name: client.get(change_url(character)) for name, client in editors.items()}
    both_validated = threading.Barrier(2, timeout=10)
    claim_version = Page.claim_version

    def claim_once_both_are_validated(page, loaded_version):
        both_validated.wait()
        return claim_version(page, loaded_version)

    monkeypatch.setattr(Page, "claim_version", claim_once_both_are_validated)
    responses = {}

    def save(name):
        try:
            data = admin_form_data(forms[name], body=f"Text by {name}.")
            responses[name] = editors[name].post(change_url(character), data)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=[name]) for name in editors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    statuses = sorted((response.status_code, name) for name, response in responses.items())
    assert [status for status, _name in statuses] == [200, 302]
    loser, winner = statuses[0][1], statuses[1][1]
    assert f"This page was changed by {winner} at" in responses[loser].content.decode()
    assert f"Text by {loser}.</textarea>" in responses[loser].content.decode()
    page = Character.objects.get(pk=character.pk)
    assert (page.body, page.version) == (f"Text by {winner}.", 2)
    assert Revision.objects.get(page=character, number=2).user.username == winner
