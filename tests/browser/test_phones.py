"""Every kind of page on phones of 360, 390 and 412 px, in the light and the dark
theme, measured in Chromium: the page's own text starts on the first screen, the
header stays short, nothing is wider than the screen, episode tables become
cards, and the navigation folds under "Menu" without JavaScript."""

import pytest

from tests.browser.conftest import save_screenshot
from tests.reader_pages import reader_pages

pytestmark = pytest.mark.browser

PHONES = [{"width": 360, "height": 740}, {"width": 390, "height": 844}, {"width": 412, "height": 915}]
DESKTOP = {"width": 1280, "height": 900}
HEADER_MAX = 120
# A reading limit's name ("Season 1, Episode 8") takes a second line in the header.
HEADER_MAX_AT_A_LIMIT = 145
# At least two lines of the first paragraph show on the first screen.
TWO_LINES = 48

LAYOUT = """() => {
  const main = document.querySelector('main');
  // Where the page's own text starts: its first paragraph, list item or table row,
  // leaving out the title block, the infobox, the contents box and notices.
  const start = [...main.querySelectorAll('p, li, tbody tr')].find(element =>
    !element.closest('.page-header, .infobox, .toc, .reading-note, .messages')
    && element.textContent.trim() && element.getClientRects().length);
  return {
    header: document.querySelector('body > header').getBoundingClientRect().height,
    start: start ? start.getBoundingClientRect().top : null,
    overflow: document.documentElement.scrollWidth - innerWidth,
    wider: [...document.querySelectorAll('body *')]
      .filter(element => element.getBoundingClientRect().right > innerWidth + 1)
      .slice(0, 3).map(element => element.tagName.toLowerCase() + '.' + element.className),
    dark: getComputedStyle(document.documentElement).colorScheme === 'dark',
  };
}"""


def test_every_page_kind_reads_well_on_phones_in_both_themes(browser, site):
    """Each page is loaded once, then measured at each width in each theme
    (the viewport and the colour scheme change without a reload)."""
    context = browser.new_context()
    tab = context.new_page()
    problems = []
    try:
        for page in reader_pages():
            # Addresses with ?upto= save a reading limit; each page starts without one.
            context.clear_cookies()
            tab.set_viewport_size(PHONES[0])
            response = tab.goto(site + page.url)
            assert response.status == page.status, page.url
            header_max = HEADER_MAX_AT_A_LIMIT if "upto=" in page.url else HEADER_MAX
            for color_scheme in ("light", "dark"):
                tab.emulate_media(color_scheme=color_scheme)
                for viewport in PHONES:
                    tab.set_viewport_size(viewport)
                    layout = tab.evaluate(LAYOUT)
                    where = f"{page.name} at {viewport['width']} px, {color_scheme}"
                    if layout["header"] > header_max:
                        problems.append(f"{where}: the header is {layout['header']:.0f} px high")
                    if layout["start"] is None:
                        problems.append(f"{where}: no paragraph, list or table row")
                    elif layout["start"] + TWO_LINES > viewport["height"]:
                        problems.append(
                            f"{where}: the text starts at {layout['start']:.0f} px, below the first screen"
                        )
                    if layout["overflow"] > 0:
                        problems.append(
                            f"{where}: {layout['overflow']} px wider than the screen: {layout['wider']}"
                        )
                    if layout["dark"] != (color_scheme == "dark"):
                        problems.append(f"{where}: not in the {color_scheme} theme")
                    if page.name == "home" and viewport == PHONES[1]:
                        save_screenshot(tab, f"phone-390-home-{color_scheme}")
    finally:
        context.close()
    assert not problems, "\n".join(problems)


def test_menu_folds_and_unfolds_with_the_keyboard_without_javascript(browser, site):
    context = browser.new_context(viewport=PHONES[1], java_script_enabled=False)
    tab = context.new_page()
    try:
        tab.goto(site + "/characters/james-blood/")
        menu_link = tab.locator(".site-menu__nav").get_by_role("link", name="Episodes")
        assert not menu_link.is_visible(), "the links are folded away"
        assert not tab.locator(".site-nav").is_visible()
        summary = tab.get_by_text("Menu", exact=True)
        for _ in range(5):
            tab.keyboard.press("Tab")
            if summary.evaluate("element => element === document.activeElement"):
                break
        assert summary.evaluate("element => element === document.activeElement"), "Menu is a tab stop"
        tab.keyboard.press("Enter")
        assert menu_link.is_visible()
        panel = tab.locator(".site-menu__nav").bounding_box()
        assert panel["x"] >= 0 and panel["x"] + panel["width"] <= PHONES[1]["width"]
        tab.keyboard.press("Tab")
        assert tab.evaluate("document.activeElement.textContent") == "Home", "the first link is the next stop"
        save_screenshot(tab, "phone-390-menu-open")
        tab.keyboard.press("Shift+Tab")
        tab.keyboard.press("Enter")
        assert not menu_link.is_visible(), "Enter folds it again"
        assert tab.locator(".reading-bar summary").is_visible(), "the reading limit stays in the header"
        tab.set_viewport_size(DESKTOP)
        assert tab.locator(".site-nav").get_by_role("link", name="Episodes").is_visible()
        assert not summary.is_visible(), "no menu button on desktop"
    finally:
        context.close()


CONTRAST = """element => {
  const luminance = value => {
    const [r, g, b] = value.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number).map(c => {
      c /= 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const style = getComputedStyle(element);
  const [light, dark] = [luminance(style.color), luminance(style.backgroundColor)].sort((a, b) => b - a);
  return (light + 0.05) / (dark + 0.05);
}"""


def test_theme_toggle_says_what_is_on_and_stays_legible_in_both_themes(browser, site):
    for color_scheme, first, second in (("light", "off", "on"), ("dark", "on", "off")):
        context = browser.new_context(color_scheme=color_scheme, viewport=PHONES[1])
        tab = context.new_page()
        try:
            tab.goto(site + "/")
            toggle = tab.get_by_role("button", name="Dark theme")
            for state in (first, second):
                assert toggle.inner_text() == f"Dark theme: {state}", color_scheme
                assert toggle.get_attribute("aria-pressed") == ("true" if state == "on" else "false")
                assert toggle.evaluate(CONTRAST) >= 4.5, f"{color_scheme}, {state}"
                toggle.click()
            box = toggle.bounding_box()
            assert box["y"] + box["height"] <= HEADER_MAX and box["x"] + box["width"] <= PHONES[1]["width"]
        finally:
            context.close()
