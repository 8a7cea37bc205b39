"""The appearances grid, the timeline and the relationship map in a real
browser, on a 360 px phone: nothing wider than the screen outside a labelled
scroll region, the grid usable by swiping and by keyboard with the names in
view, the filters, and axe with no violations in the light and dark themes."""

import pytest
from django.urls import reverse

from tests.browser.conftest import save_screenshot
from tests.browser.test_accessibility import AXE_RUN, AXE_RUN_RULES, AXE_TAGS, STRUCTURE_RULES, describe

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 800}
DESKTOP = {"width": 1280, "height": 900}


def story_pages():
    return {
        "appearances": reverse("episodes:appearances"),
        "timeline": reverse("episodes:timeline"),
        "relationships": reverse("characters:relationships"),
    }


# Every element of the page that reaches past the right edge of the screen and
# is not inside a scroll region that is labelled and focusable.
# What a reader sees past the right edge (not what a folded menu holds, which is not shown).
OVERFLOWING = """() => [...document.body.querySelectorAll('*')].filter(element => {
    if (!element.checkVisibility()) return false;
    const region = element.closest('[role=region][tabindex="0"][aria-labelledby]');
    if (region && region !== element) return false;
    return element.getBoundingClientRect().right > window.innerWidth + 0.5;
  }).map(element => element.tagName.toLowerCase() + (element.className ? '.' + element.className : ''))"""


@pytest.mark.parametrize("limit", ["all", "s1e8"])
def test_story_views_fit_a_phone_screen(page, site, limit):
    page.set_viewport_size(PHONE)
    for name, url in story_pages().items():
        response = page.goto(f"{site}{url}?upto={limit}")
        assert response.status == 200, name
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
        assert page.evaluate(OVERFLOWING) == [], name
        save_screenshot(page, f"{name}-{limit}-phone")
    assert not page.console_errors, page.console_errors


def test_grid_scrolls_sideways_in_its_region_with_the_names_in_view(page, site):
    page.set_viewport_size(PHONE)
    page.goto(site + story_pages()["appearances"] + "?upto=all")
    region = page.get_by_role("region", name="Appearances by episode")
    assert region.get_attribute("tabindex") == "0"
    assert page.locator("#appearances-hint").is_visible()
    sizes = region.evaluate("element => [element.scrollWidth, element.clientWidth]")
    assert sizes[0] > sizes[1], "24 episodes do not fit a phone: the grid scrolls"
    name = page.locator(".appearance-grid tbody th").first
    before = name.bounding_box()
    region.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("element => element.scrollLeft > 0", arg=region.element_handle())
    # As far as a swipe goes.
    region.evaluate("element => { element.scrollLeft = element.scrollWidth; }")
    after = name.bounding_box()
    # It moves by the table's border, no more: it stays at the left edge of the region.
    assert abs(after["x"] - before["x"]) <= 1.5, "the character's name stays in view"
    assert after["x"] >= region.bounding_box()["x"] - 0.5
    # The last episode's column is now on the screen.
    last_column = page.locator(".appearance-grid thead tr:nth-child(2) th").last.bounding_box()
    assert last_column["x"] + last_column["width"] <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_grid_filters_by_season_and_role_from_the_form(page, site):
    page.set_viewport_size(PHONE)
    page.goto(site + story_pages()["appearances"] + "?upto=all")
    page.get_by_label("Season", exact=True).select_option(label="Season 2")
    page.get_by_label("Role", exact=True).select_option(label="Main character")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**season=2**")
    headers = page.locator(".appearance-grid thead tr:nth-child(2) th")
    assert headers.count() == 9
    assert headers.first.text_content() == "Season 2, Episode 1"
    names = page.locator(".appearance-grid tbody th").all_inner_texts()
    assert names and "James Blood" in names
    save_screenshot(page, "appearances-filtered-phone")


def test_grid_at_a_limit_has_no_later_episode(page, site):
    page.goto(site + story_pages()["appearances"] + "?upto=s1e3")
    assert page.locator(".appearance-grid thead tr:nth-child(2) th").count() == 3
    assert page.locator(".appearance-grid thead th[scope=colgroup]").all_inner_texts() == ["Season 1"]


def test_relationship_map_nodes_lead_to_the_character_pages(page, site):
    page.set_viewport_size(PHONE)
    page.goto(site + story_pages()["relationships"] + "?upto=all")
    drawing = page.locator("svg.relationship-map__drawing")
    box = drawing.bounding_box()
    assert box["width"] <= PHONE["width"]
    link = drawing.get_by_role("link", name="James Blood")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/characters/james-blood/")
    assert page.locator("h1").inner_text() == "James Blood"


def audit(tab, choose_dark_theme=False):
    report = []
    for limit in ("all", "s1e8"):
        for name, url in story_pages().items():
            response = tab.goto(f"{tab.site}{url}?upto={limit}")
            assert response.status == 200, url
            if choose_dark_theme:
                toggle = tab.get_by_role("button", name="Dark theme")
                if toggle.get_attribute("aria-pressed") != "true":
                    toggle.click()
                assert tab.evaluate("document.documentElement.dataset.theme") == "dark"
            tab.add_script_tag(path=str(tab.axe_script))
            violations = tab.evaluate(AXE_RUN, AXE_TAGS)["violations"]
            violations += tab.evaluate(AXE_RUN_RULES, STRUCTURE_RULES)["violations"]
            if violations:
                report.append(f"{name} at {limit}:\n{describe(violations)}")
    return "\n".join(report)


@pytest.mark.parametrize(
    ("color_scheme", "toggle", "viewport"),
    [
        ("light", False, PHONE),
        ("dark", False, PHONE),
        ("light", True, PHONE),
        ("light", False, DESKTOP),
    ],
    ids=["light-phone", "dark-phone", "dark-chosen-phone", "light-desktop"],
)
def test_story_views_pass_axe(browser, site, axe_script, color_scheme, toggle, viewport):
    # axe is injected as an inline script, which the pages' policy forbids.
    context = browser.new_context(color_scheme=color_scheme, viewport=viewport, bypass_csp=True)
    try:
        tab = context.new_page()
        tab.site, tab.axe_script = site, axe_script
        report = audit(tab, choose_dark_theme=toggle)
        if color_scheme == "dark":
            for name, url in story_pages().items():
                tab.goto(f"{site}{url}?upto=all")
                save_screenshot(tab, f"{name}-all-phone-dark")
    finally:
        context.close()
    assert not report, f"axe violations ({color_scheme}{', toggled' if toggle else ''}):\n{report}"
