"""A reader's path through the wiki in a real browser: every kind of page at
phone and desktop widths, cross-links, search suggestions by keyboard, the theme
toggle, the keyboard, the layout of infoboxes and wide tables, and print."""

import re

import pytest

from characters.models import Character
from episodes.models import Appearance, Episode
from tests.browser.conftest import save_screenshot
from tests.reader_pages import MAIN_CHARACTER, reader_pages

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
WIDTHS = {"phone": PHONE, "desktop": DESKTOP}

# Relative luminance per WCAG 2, from a computed "rgb(r, g, b)" colour.
LUMINANCE = """
value => {
  const [r, g, b] = value.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number).map(c => {
    c /= 255;
    return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
"""


def luminance(tab, selector, prop):
    colour = tab.eval_on_selector(selector, f"element => getComputedStyle(element)['{prop}']")
    return tab.evaluate(LUMINANCE, colour)


def page_background(tab):
    """The luminance of what the reader sees behind the text of the page."""
    colour = tab.evaluate(
        """() => {
          for (const element of [document.body, document.documentElement]) {
            const colour = getComputedStyle(element).backgroundColor;
            if (colour !== 'rgba(0, 0, 0, 0)' && colour !== 'transparent') return colour;
          }
          return 'rgb(255, 255, 255)';
        }"""
    )
    return tab.evaluate(LUMINANCE, colour)


def box(tab, selector):
    return tab.locator(selector).first.bounding_box()


def test_every_page_kind_loads_cleanly_at_phone_and_desktop_widths(page, site):
    """Each page: the expected status, one h1, the landmarks, nothing wider
    than the screen, only the site's own assets, and no console error."""
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    problems = []
    for reader_page in reader_pages():
        for width_name, viewport in WIDTHS.items():
            page.set_viewport_size(viewport)
            response = page.goto(site + reader_page.url)
            where = f"{reader_page.name} at {width_name} width"
            if response.status != reader_page.status:
                problems.append(f"{where}: status {response.status}")
            if reader_page.status == 404:
                # Chromium reports the document's own 404 as a console error.
                page.console_errors[:] = [error for error in page.console_errors if "404" not in error]
            counts = page.evaluate(
                """() => ({
                  h1: document.querySelectorAll('h1').length,
                  main: document.querySelectorAll('main').length,
                  header: document.querySelectorAll('body > header').length,
                  footer: document.querySelectorAll('body > footer').length,
                  unlabelledNav: [...document.querySelectorAll('nav')].filter(
                    nav => !nav.getAttribute('aria-label') && !nav.getAttribute('aria-labelledby')).length,
                  overflow: document.documentElement.scrollWidth - window.innerWidth,
                  uncaptionedTable: [...document.querySelectorAll('table')].filter(
                    table => !table.caption || !table.caption.textContent.trim()).length,
                  unscopedHeader: [...document.querySelectorAll('th')].filter(
                    th => !['row', 'col', 'rowgroup', 'colgroup'].includes(th.getAttribute('scope'))).length,
                })"""
            )
            expected = {
                "h1": 1,
                "main": 1,
                "header": 1,
                "footer": 1,
                "unlabelledNav": 0,
                "uncaptionedTable": 0,
                "unscopedHeader": 0,
            }
            for key, value in expected.items():
                if counts[key] != value:
                    problems.append(f"{where}: {counts[key]} {key} (expected {value})")
            if counts["overflow"] > 0:
                problems.append(f"{where}: the page is {counts['overflow']}px wider than the screen")
            save_screenshot(page, f"{reader_page.name}-{width_name}")
    foreign = [url for url in requested if not url.startswith((site, "data:"))]
    assert not problems, "\n".join(problems)
    assert not foreign, f"assets from other sites: {foreign}"
    assert not page.console_errors, page.console_errors


def test_dark_theme_puts_light_text_on_a_dark_background(browser, site):
    context = browser.new_context(color_scheme="dark")
    tab = context.new_page()
    errors = []
    tab.on("console", lambda message: message.type == "error" and errors.append(message.text))
    try:
        pages = {page.name: page for page in reader_pages()}
        for name in ("home", "episode", "character", "cast"):
            for width_name, viewport in WIDTHS.items():
                tab.set_viewport_size(viewport)
                tab.goto(site + pages[name].url)
                assert page_background(tab) < 0.05, f"{name}: the background is not dark"
                assert luminance(tab, "main", "color") > 0.5, f"{name}: the text is not light"
                save_screenshot(tab, f"{name}-{width_name}-dark")
    finally:
        context.close()
    assert not errors, errors


def test_reader_follows_a_character_link_from_an_episode_to_the_character_page(page, site):
    episode = (
        Episode.objects.in_order()
        .filter(appearances__character__title=MAIN_CHARACTER, appearances__kind=Appearance.Kind.APPEARS)
        .first()
    )
    character = Character.objects.get(title=MAIN_CHARACTER)
    page.goto(site + episode.get_absolute_url())
    page.locator("#episode-characters + ul").get_by_role("link", name=MAIN_CHARACTER).click()
    page.wait_for_url(site + character.get_absolute_url())
    assert page.locator("h1").inner_text() == MAIN_CHARACTER
    assert not page.console_errors, page.console_errors


def test_next_episode_link_crosses_from_the_end_of_one_season_to_the_next(page, site):
    episodes = list(Episode.objects.in_order())
    last_of_season = next(
        episode
        for episode, following in zip(episodes, episodes[1:], strict=False)
        if following.season_id != episode.season_id
    )
    first_of_next = episodes[episodes.index(last_of_season) + 1]
    page.goto(site + last_of_season.get_absolute_url())
    page.get_by_role("navigation", name="Previous and next episodes").get_by_role(
        "link", name="Next episode"
    ).click()
    page.wait_for_url(site + first_of_next.get_absolute_url())
    assert page.locator("h1").inner_text() == first_of_next.title
    assert first_of_next.season.title in page.locator(".infobox").inner_text()
    page.locator("a[rel=prev]").click()
    page.wait_for_url(site + last_of_season.get_absolute_url())


def test_header_search_suggestions_can_be_chosen_with_the_keyboard(page, site):
    character = Character.objects.get(title=MAIN_CHARACTER)
    page.goto(site + "/")
    search = page.get_by_role("combobox", name="Search Hero Mask Wiki")
    search.press_sequentially("jam", delay=40)
    page.get_by_role("listbox").get_by_role("option").first.wait_for()
    search.press("ArrowDown")
    selected = page.locator("[role=option][aria-selected=true]")
    assert selected.count() == 1
    assert MAIN_CHARACTER in selected.inner_text()
    assert search.get_attribute("aria-activedescendant") == selected.get_attribute("id")
    search.press("Enter")
    page.wait_for_url(site + character.get_absolute_url())
    assert page.locator("h1").inner_text() == MAIN_CHARACTER
    assert not page.console_errors, page.console_errors


def test_header_search_submits_the_typed_words_when_no_suggestion_is_chosen(page, site):
    page.goto(site + "/")
    search = page.locator("#site-search-q")
    search.fill("bio-mask")
    search.press("Enter")
    page.wait_for_url(lambda url: url != site + "/")
    assert page.locator("h1").count() == 1
    assert not page.console_errors, page.console_errors


def test_theme_toggle_choice_is_remembered_after_a_reload(browser, site):
    context = browser.new_context(color_scheme="light")
    tab = context.new_page()
    try:
        tab.goto(site + "/")
        toggle = tab.get_by_role("button", name="Dark theme")
        assert toggle.get_attribute("aria-pressed") == "false"
        assert page_background(tab) > 0.8
        toggle.click()
        assert toggle.get_attribute("aria-pressed") == "true"
        assert page_background(tab) < 0.05
        tab.reload()
        assert tab.evaluate("document.documentElement.dataset.theme") == "dark"
        assert tab.get_by_role("button", name="Dark theme").get_attribute("aria-pressed") == "true"
        assert page_background(tab) < 0.05
        tab.get_by_role("button", name="Dark theme").click()
        tab.reload()
        assert page_background(tab) > 0.8
    finally:
        context.close()


def test_theme_follows_the_system_preference_until_the_reader_chooses(browser, site):
    context = browser.new_context(color_scheme="dark")
    tab = context.new_page()
    try:
        tab.goto(site + "/")
        assert tab.evaluate("localStorage.length") == 0
        assert page_background(tab) < 0.05
        assert tab.get_by_role("button", name="Dark theme").get_attribute("aria-pressed") == "true"
    finally:
        context.close()


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_the_content(page, site):
    page.goto(site + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to content"
    skip = box(page, ".skip-link")
    assert skip and skip["y"] >= 0 and skip["height"] > 0, "the focused skip link is on screen"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"


def test_keyboard_focus_is_always_visible(page, site):
    """Every stop of the first forty Tab presses has an outline or a ring."""
    character = Character.objects.get(title=MAIN_CHARACTER)
    page.goto(site + character.get_absolute_url())
    invisible = []
    for _ in range(40):
        page.keyboard.press("Tab")
        style = page.evaluate(
            """() => {
              const element = document.activeElement;
              const style = getComputedStyle(element);
              return {
                name: element.tagName + ' ' + (element.textContent || element.name || '').trim().slice(0, 30),
                outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
                ring: style.boxShadow !== 'none',
              };
            }"""
        )
        if not (style["outline"] or style["ring"]):
            invisible.append(style["name"])
    assert not invisible, f"focus not visible on: {invisible}"


def test_contents_box_links_take_the_keyboard_to_their_section(page, site):
    page.goto(site + "/")
    first = page.locator(".toc a").first
    target = first.get_attribute("href")
    first.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(target) + "$"))
    heading = page.locator(target)
    assert heading.is_visible()
    # Scrolling may be smooth: wait until the heading has arrived near the top.
    page.wait_for_function(
        "id => document.getElementById(id).getBoundingClientRect().top < innerHeight / 2",
        arg=target.removeprefix("#"),
        timeout=5000,
    )


def test_infobox_sits_beside_the_lead_on_desktop_and_after_it_on_phones(page, site):
    character = Character.objects.get(title=MAIN_CHARACTER)
    page.goto(site + character.get_absolute_url())
    infobox, lead = box(page, ".infobox"), box(page, ".lead")
    assert infobox["x"] > lead["x"] + lead["width"] - 1, "the infobox floats to the right of the lead"
    assert infobox["y"] < lead["y"] + lead["height"], "the infobox starts beside the lead, not below it"
    body = box(page, ".body p")
    assert body["width"] > DESKTOP["width"] * 0.8, "the text under the infobox takes the whole width again"
    page.set_viewport_size(PHONE)
    infobox, lead = box(page, ".infobox"), box(page, ".lead")
    assert infobox["width"] > PHONE["width"] * 0.8, "the infobox takes the full width on a phone"
    assert lead["y"] + lead["height"] <= infobox["y"] + 1, "the lead comes before the infobox"
    assert lead["y"] < PHONE["height"] / 2, "the lead starts in the upper half of the first screen"


def test_episode_tables_become_cards_on_phones_and_stay_tables_on_desktop(page, site):
    """Each episode a card on a 360 px phone: number, title, date and summary,
    each value after its column's name, nothing to scroll sideways."""
    narrow = {"width": 360, "height": 740}
    page.set_viewport_size(narrow)
    page.goto(site + "/episodes/")
    table = page.locator(".episode-table").first
    assert table.evaluate("table => getComputedStyle(table).display") == "block"
    header_row = page.locator(".episode-table thead").first.bounding_box()
    assert header_row["height"] <= 1, "the column names stand in each card instead"
    card = page.locator(".episode-table tbody tr").first
    card_box = card.bounding_box()
    assert card_box["x"] >= 0 and card_box["x"] + card_box["width"] <= narrow["width"]
    assert card_box["y"] < narrow["height"], "the first episode shows on the first screen"
    cells = card.evaluate(
        """row => [...row.children].map(cell => ({
          label: getComputedStyle(cell, '::before').content,
          text: cell.innerText.trim(),
          right: cell.getBoundingClientRect().right,
        }))"""
    )
    assert all(cell["right"] <= narrow["width"] for cell in cells)
    # What a reader sees in each cell: its label (the ::before content), then its text.
    shown = [
        cell["label"].split('"')[1] + cell["text"] if cell["label"] != "none" else cell["text"]
        for cell in cells
    ]
    assert shown[:4] == ["No. overall: 1", "No. in season: 1", "Episode 1", "Released: 3 December 2018"], (
        shown
    )
    assert "Monica Campbell" in shown[4]
    numbers = card.locator("td.numeric")
    assert numbers.first.bounding_box()["y"] == numbers.last.bounding_box()["y"], "both numbers on one line"
    region = page.locator(".table-scroll").first
    sizes = region.evaluate("element => [element.scrollWidth, element.clientWidth]")
    assert sizes[0] <= sizes[1], "nothing to scroll sideways"
    assert page.evaluate("document.documentElement.scrollWidth") <= narrow["width"]
    # Still a table for assistive technology: rows of cells under column headers.
    assert table.evaluate("table => table.rows[1].cells.length") == 5
    page.set_viewport_size(DESKTOP)
    assert table.evaluate("table => getComputedStyle(table).display") == "table"
    assert page.locator(".episode-table thead").first.bounding_box()["height"] > 20
    # The labelled region stays for wide tables on narrow desktop windows.
    assert region.get_attribute("role") == "region"
    assert page.locator("#" + region.get_attribute("aria-labelledby")).inner_text().strip()


def test_printed_pages_leave_out_navigation_search_and_the_theme_toggle(page, site):
    character = Character.objects.get(title=MAIN_CHARACTER)
    page.goto(site + character.get_absolute_url())
    page.emulate_media(media="print")
    shown = [
        selector
        for selector in (".site-nav", ".site-search", ".theme-toggle", ".skip-link", ".page-tools")
        if page.locator(selector).first.is_visible()
    ]
    assert not shown, f"printed although only useful on screen: {shown}"
    assert page.locator("h1").is_visible()
    assert page.locator(".lead").is_visible()


def test_printed_pages_are_black_on_white_even_in_the_dark_theme(browser, site):
    context = browser.new_context(color_scheme="dark")
    tab = context.new_page()
    try:
        tab.goto(site + "/")
        tab.emulate_media(media="print")
        assert page_background(tab) > 0.95
        assert luminance(tab, "main", "color") < 0.01
    finally:
        context.close()
