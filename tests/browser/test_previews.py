"""Page previews in a real browser: hovering over or focusing an internal link
shows a card about the page it leads to, Escape hides it, and showing it moves
nothing on the page."""

import pytest

pytestmark = pytest.mark.browser

PAGE = "/characters/james-blood/"
LINK = '#content .lead a[href="/organizations/special-services-command/"]'


def card(page):
    return page.locator("#page-preview")


def test_hover_or_keyboard_focus_shows_a_card_without_moving_anything_and_escape_hides_it(page, site):
    page.goto(site + PAGE)
    link = page.locator(LINK).first
    following = page.locator("#content .body").first
    before = following.bounding_box()
    link.hover()
    card(page).wait_for(state="visible")

    text = card(page).inner_text()
    assert "Special Services Command" in text
    assert "Fictional police division" in text
    assert card(page).get_attribute("role") == "tooltip"
    assert link.get_attribute("aria-describedby") == "page-preview"
    # Out of the flow: what follows the link stays where it was.
    assert following.bounding_box() == before
    assert card(page).evaluate("element => getComputedStyle(element).position") == "absolute"
    box, link_box = card(page).bounding_box(), link.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 1280
    assert box["y"] >= link_box["y"] + link_box["height"] or box["y"] + box["height"] <= link_box["y"]

    page.mouse.move(5, 5)
    card(page).wait_for(state="hidden")
    assert link.get_attribute("aria-describedby") is None

    # The keyboard, at a phone's width (one test: loading the content is most of its time).
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(site + PAGE)
    link = page.locator(LINK).first
    # Tab through the page until the link has the focus, as a keyboard user does.
    for _ in range(80):
        page.keyboard.press("Tab")
        if link.evaluate("element => element === document.activeElement"):
            break
    else:
        pytest.fail("the link never received the keyboard focus")
    card(page).wait_for(state="visible")
    assert "Special Services Command" in card(page).inner_text()
    box = card(page).bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360

    page.keyboard.press("Escape")
    card(page).wait_for(state="hidden")
    assert link.evaluate("element => element === document.activeElement")
    assert not page.console_errors, page.console_errors
