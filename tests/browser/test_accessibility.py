"""axe-core finds no WCAG 2.2 AA problem on any kind of page, in the light theme,
in the dark theme the system asks for, and in the dark theme the reader picks,
on desktop and (for the page kinds whose layout changes most) on a phone."""

import pytest

from tests.reader_pages import reader_pages

pytestmark = pytest.mark.browser

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# axe's "best practice" rules for page structure, which the WCAG tags leave out:
# heading order, one h1, the landmarks, content outside landmarks, scrollable regions.
STRUCTURE_RULES = [
    "heading-order",
    "empty-heading",
    "page-has-heading-one",
    "landmark-one-main",
    "landmark-unique",
    "landmark-no-duplicate-banner",
    "landmark-no-duplicate-contentinfo",
    "landmark-banner-is-top-level",
    "landmark-contentinfo-is-top-level",
    "landmark-main-is-top-level",
    "landmark-complementary-is-top-level",
    "region",
    "skip-link",
    "scrollable-region-focusable",
]
AXE_RUN_RULES = (
    "rules => axe.run(document, {runOnly: {type: 'rule', values: rules}, resultTypes: ['violations']})"
)
# Asking for violations only spares axe from reporting every passing check.
AXE_RUN = "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})"


def describe(violations):
    lines = []
    for violation in violations:
        lines.append(f"  {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {' '.join(node['target'])}: {node['failureSummary'].splitlines()[-1].strip()}")
    return "\n".join(lines)


def audit(context, site, axe_script, pages, choose_dark_theme=False, structure=False):
    """axe's violations on ``pages``, as one readable report ("" if none)."""
    tab = context.new_page()
    report = []
    for page in pages:
        response = tab.goto(site + page.url)
        assert response.status == page.status, page.url
        if choose_dark_theme:
            toggle = tab.get_by_role("button", name="Dark theme")
            if toggle.get_attribute("aria-pressed") != "true":
                toggle.click()
            assert tab.evaluate("document.documentElement.dataset.theme") == "dark"
        tab.add_script_tag(path=str(axe_script))
        violations = tab.evaluate(AXE_RUN, AXE_TAGS)["violations"]
        if structure:
            violations += tab.evaluate(AXE_RUN_RULES, STRUCTURE_RULES)["violations"]
        if violations:
            report.append(f"{page.name} ({page.url}):\n{describe(violations)}")
    return "\n".join(report)


# The pages forbid inline scripts (Content-Security-Policy); axe is injected as
# one, so these contexts bypass the policy. The policy itself is checked by the
# console-error checks in test_reading.py.
@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_every_page_kind_passes_axe_in_the_system_color_scheme(browser, site, axe_script, color_scheme):
    context = browser.new_context(color_scheme=color_scheme, bypass_csp=True)
    try:
        # Structure does not change with the colours: checked once, in light.
        report = audit(context, site, axe_script, reader_pages(), structure=color_scheme == "light")
    finally:
        context.close()
    assert not report, f"axe violations in the {color_scheme} scheme:\n{report}"


def test_dark_theme_chosen_with_the_toggle_passes_axe(browser, site, axe_script):
    """Run on the pages with the most kinds of element; the next test shows the
    toggled theme is the very palette the system scheme gets on every page."""
    pages = [page for page in reader_pages() if page.name in ("home", "episode", "character", "search")]
    context = browser.new_context(color_scheme="light", bypass_csp=True)
    try:
        report = audit(context, site, axe_script, pages, choose_dark_theme=True)
    finally:
        context.close()
    assert not report, f"axe violations with the dark theme chosen:\n{report}"


def test_dark_theme_chosen_with_the_toggle_is_the_system_dark_palette(browser, site):
    palette = """() => {
      const style = getComputedStyle(document.documentElement);
      const names = [...document.styleSheets].flatMap(sheet => [...sheet.cssRules])
        .flatMap(rule => rule.cssRules ? [...rule.cssRules] : [rule])
        .flatMap(rule => rule.style ? [...rule.style] : [])
        .filter(name => name.startsWith('--'));
      return Object.fromEntries(
        [...new Set(names)].sort().map(name => [name, style.getPropertyValue(name).trim()]));
    }"""
    palettes = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme)
        tab = context.new_page()
        tab.goto(site + "/")
        if scheme == "light":
            tab.get_by_role("button", name="Dark theme").click()
        palettes[scheme] = tab.evaluate(palette)
        context.close()
    assert palettes["light"] == palettes["dark"]
    assert palettes["dark"]["--bg"] != "#ffffff"


# The page kinds whose phone layout differs most from the desktop one: the home
# page has episode, release and cast tables as cards, the others credits and revisions.
PHONE_PAGES = ("home", "person", "history", "diff")


def test_pages_pass_axe_on_a_phone_in_both_themes_with_the_menu_and_the_reading_limit_open(
    browser, site, axe_script
):
    """The phone layout (cards for tables, the lead before the infobox, the folded
    header) on the page kinds where it differs most, in light and dark, then the
    home page with its Menu and reading bar open."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    tab = context.new_page()
    report = []
    try:
        for page in [page for page in reader_pages() if page.name in PHONE_PAGES] + [None]:
            tab.goto(site + (page.url if page else "/"))
            if page is None:
                # The open menu lies over the reading bar, so that one is opened directly.
                tab.locator(".reading-bar").evaluate("details => details.open = true")
                tab.get_by_text("Menu", exact=True).click()
                assert tab.locator(".site-menu__nav").get_by_role("link", name="Episodes").is_visible()
            tab.add_script_tag(path=str(axe_script))
            for color_scheme in ("light", "dark"):
                tab.emulate_media(color_scheme=color_scheme)
                violations = tab.evaluate(AXE_RUN, AXE_TAGS)["violations"]
                if violations:
                    name = page.name if page else "home with the menu open"
                    report.append(f"{name}, {color_scheme}:\n{describe(violations)}")
    finally:
        context.close()
    assert not report, "axe violations on a phone:\n" + "\n".join(report)
