"""Reading limits in a real browser, on the real content: a reader on a phone
sets how far they have watched with the control (keyboard only, no script
needed), pages then hide what comes later, one hidden passage can be shown once,
and pages at a limit pass axe in light and dark."""

import pytest

from tests.browser.conftest import save_screenshot
from tests.browser.test_accessibility import AXE_RUN, AXE_TAGS, describe

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 800}


@pytest.fixture
def phone(browser):
    # javascript_enabled=False: the control and "show once" are plain forms and links.
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    tab = context.new_page()
    yield tab
    context.close()


def test_a_reader_sets_a_limit_with_the_keyboard_and_pages_follow_it(phone, site):
    phone.goto(site + "/characters/james-blood/")
    assert "fugitive" in phone.inner_text("main")
    summary = phone.locator(".reading-bar summary")
    summary.focus()
    phone.keyboard.press("Enter")  # opens the <details>
    select = phone.get_by_label("Watched up to")
    assert select.is_visible()
    select.select_option("s1e8")
    phone.get_by_role("button", name="Apply").press("Enter")
    phone.wait_for_url(site + "/characters/james-blood/")
    assert "Season 1, Episode 8" in phone.inner_text(".reading-bar summary")
    main = phone.inner_text("main")
    assert "fugitive" not in main
    assert "revealed in Season 2" in main.lower() or "revealed in season 2" in main.lower()
    save_screenshot(phone, "reading-limit-character-phone")
    # The limit is remembered: another page, another visit.
    phone.goto(site + "/characters/tina-herst/")
    assert "Not met yet" in phone.inner_text("h1")
    assert "Tina" not in phone.inner_text("body")
    save_screenshot(phone, "reading-limit-unmet-phone")


def test_a_reader_shows_one_hidden_passage_once(phone, site):
    phone.goto(site + "/characters/james-blood/?upto=s1e8")
    note = phone.locator(".hidden-passage").first
    note.get_by_role("link").click()
    main = phone.inner_text("main")
    assert "shown at your request" in main
    assert phone.locator(".shown-passage").count() == 1
    assert phone.locator(".hidden-passage").count() >= 1 or "fugitive" in main
    save_screenshot(phone, "reading-limit-shown-once-phone")
    phone.goto(site + "/characters/james-blood/")
    assert phone.locator(".shown-passage").count() == 0


def test_nothing_is_wider_than_a_phone_at_a_limit(phone, site):
    for url in ("/", "/characters/james-blood/", "/seasons/season-2/", "/characters/tina-herst/"):
        phone.goto(f"{site}{url}?upto=s1e3")
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (url, width)


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_pages_at_a_limit_pass_axe(browser, site, axe_script, color_scheme):
    context = browser.new_context(viewport=PHONE, color_scheme=color_scheme, bypass_csp=True)
    tab = context.new_page()
    report = []
    try:
        for url in (
            "/?upto=s1e3",
            "/characters/james-blood/?upto=s1e8",
            "/characters/james-blood/?upto=s1e8&show=body-1",
            "/characters/tina-herst/?upto=s1e3",
            "/pages/1/history/?upto=s1e3",
            "/reading/",
            "/reading/?upto=nonsense",
            "/episodes/?upto=start",
        ):
            tab.goto(site + url)
            tab.evaluate("document.querySelector('.reading-bar').open = true")
            tab.add_script_tag(path=str(axe_script))
            violations = tab.evaluate(AXE_RUN, AXE_TAGS)["violations"]
            if violations:
                report.append(f"{url}:\n{describe(violations)}")
    finally:
        context.close()
    assert not report, f"axe violations in {color_scheme}:\n" + "\n".join(report)
