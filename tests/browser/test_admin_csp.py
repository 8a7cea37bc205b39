"""The Django admin works under the site's Content-Security-Policy, which
allows no inline script: its widgets are driven by external scripts only."""

import pytest

from tests.factories import CharacterFactory, StaffUserFactory

pytestmark = pytest.mark.browser


def test_admin_change_form_works_under_the_content_security_policy(browser, live_server, transactional_db):
    editor = StaffUserFactory(username="editor")
    character = CharacterFactory(title="James Blood")
    context = browser.new_context()
    tab = context.new_page()
    violations = []
    tab.on(
        "console",
        lambda message: "Content Security Policy" in message.text and violations.append(message.text),
    )
    tab.on("pageerror", lambda error: violations.append(str(error)))
    try:
        tab.goto(f"{live_server.url}/admin/login/")
        tab.fill("#id_username", editor.username)
        tab.fill("#id_password", "correct horse battery staple")
        tab.click("input[type=submit]")
        tab.wait_for_url(f"{live_server.url}/admin/")
        tab.goto(f"{live_server.url}/admin/characters/character/{character.pk}/change/")
        # Both come from the admin's external scripts: the inline formsets'
        # "Add another" links and the select2 autocomplete widgets.
        tab.wait_for_selector(".add-row a", state="attached")
        assert tab.locator(".select2-container").count() > 0
        tab.goto(f"{live_server.url}{character.get_absolute_url()}")
        assert "James Blood" in tab.locator("h1").inner_text()
    finally:
        context.close()
    assert violations == []
