"""An editor edits a character in the admin with the wiki editor: a wiki link
chosen from the titles "[[" offers, a citation from the picker, the live
preview, "Show changes", then saves and finds the revision in History."""

import re

import pytest
from playwright.sync_api import expect

from characters.models import Character
from tests.browser.conftest import save_screenshot
from tests.factories import StaffUserFactory
from wiki.models import Page, Revision

pytestmark = pytest.mark.browser

SUMMARY = "Linked Sarah Sinclair and cited the season 1 plot"


def sign_in(tab, site):
    editor = StaffUserFactory(username="editor")
    tab.goto(f"{site}/admin/login/")
    tab.fill("#id_username", editor.username)
    tab.fill("#id_password", "correct horse battery staple")
    tab.click("input[type=submit]")
    tab.wait_for_url(f"{site}/admin/")
    return editor


def test_editor_previews_shows_changes_and_saves_a_revision(site, page):
    tab = page
    failed = []
    tab.on("response", lambda response: response.status >= 400 and failed.append(response.url))
    sign_in(tab, site)
    character = Character.objects.get(slug="james-blood")
    sarah = Page.objects.get(title="Sarah Sinclair")
    tab.goto(f"{site}/admin/characters/character/{character.pk}/change/")

    lead = tab.locator("textarea[data-markdown=lead]")
    preview = tab.get_by_role("region", name="Preview of the lead")
    expect(preview.locator(".wiki-preview__text p").first).to_contain_text("James Blood")

    lead.click()
    tab.keyboard.press("Control+End")
    tab.keyboard.type(" He works with [[Sarah Sin")
    titles = tab.get_by_role("listbox", name="Page titles")
    expect(titles).to_be_visible()
    expect(titles.get_by_role("option").first).to_contain_text("Sarah Sinclair")
    tab.keyboard.press("ArrowDown")
    expect(lead).to_have_attribute("aria-activedescendant", re.compile(r".+-titles-0$"))
    expect(titles.get_by_role("option").first).to_have_attribute("aria-selected", "true")
    tab.keyboard.press("Enter")
    expect(titles).to_be_hidden()
    tab.keyboard.type(".")

    picker = tab.locator(".wiki-editor").first.locator(".wiki-editor__cite")
    picker.locator("summary").click()
    picker.get_by_label("Filter the sources by words or id").fill("season-1-4")
    # James Blood cites it already: it is offered first, with its reference number.
    choice = picker.locator('[data-cite="season-1-4"]').first
    expect(choice.locator(".wiki-cite__number")).to_have_text(re.compile(r"^\d+$"))
    choice.click()
    expect(picker).not_to_have_attribute("open", "")
    assert lead.input_value().endswith("He works with [[Sarah Sinclair]].[^season-1-4]")

    # The preview, from the server's pipeline: the link, and the citation's
    # number in the text and in the references under it.
    expect(
        preview.locator(f'a[href="{sarah.get_absolute_url()}"]', has_text="Sarah Sinclair")
    ).to_be_visible()
    reference = preview.locator(".wiki-preview__references li", has=tab.locator('a[href$="#season-1-4"]'))
    expect(reference).to_have_count(1)
    number = reference.get_attribute("value")
    expect(preview.locator(f'sup.reference a[href="#cite-note-{number}"]')).to_have_text(f"[{number}]")

    tab.get_by_role("button", name="Show changes").click()
    changes = tab.locator(".wiki-changes__result")
    expect(changes.get_by_role("heading", name="Lead")).to_be_visible()
    expect(changes.locator(".diff-text ins")).to_contain_text(
        "He works with [[Sarah Sinclair]].[^season-1-4]"
    )
    save_screenshot(tab, "admin-editor")

    tab.fill("#id_edit_summary", SUMMARY)
    tab.locator("input[name=_save]").last.click()
    tab.wait_for_url(f"{site}/admin/characters/character/")
    character.refresh_from_db()
    assert character.lead.endswith("He works with [[Sarah Sinclair]].[^season-1-4]")

    tab.goto(f"{site}/admin/characters/character/{character.pk}/change/")
    history_buttons = tab.locator(".object-tools a", has_text="History")
    expect(history_buttons).to_have_count(1)
    history_buttons.click()
    tab.wait_for_url(f"{site}/pages/{character.pk}/history/")
    latest = Revision.objects.latest_of(character)
    assert latest.summary == SUMMARY
    expect(tab.locator("main")).to_contain_text(SUMMARY)
    # The browser asks for /favicon.ico, which the admin does not link.
    assert [url for url in failed if not url.endswith("/favicon.ico")] == []
    assert [error for error in tab.console_errors if not error.startswith("Failed to load resource")] == []
