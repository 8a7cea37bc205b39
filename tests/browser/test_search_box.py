"""The search box's suggestion list in a real browser: the ARIA combobox
states, Escape, the full-text option, and the search page itself."""

import pytest

pytestmark = pytest.mark.browser


def open_suggestions(page, site, text):
    page.goto(site + "/")
    box = page.get_by_role("combobox", name="Search Hero Mask Wiki")
    box.press_sequentially(text, delay=40)
    page.get_by_role("listbox").get_by_role("option").first.wait_for()
    return box


def test_suggestion_list_opens_and_escape_closes_it(page, site):
    box = open_suggestions(page, site, "sinc")

    listbox = page.get_by_role("listbox")
    assert box.get_attribute("aria-expanded") == "true"
    assert box.get_attribute("aria-controls") == listbox.get_attribute("id")
    assert "Sarah Sinclair" in page.get_by_role("listbox").get_by_role("option").first.inner_text()

    box.press("Escape")
    assert box.get_attribute("aria-expanded") == "false"
    assert not listbox.is_visible()
    box.press("Escape")
    assert box.input_value() == ""
    assert not page.console_errors, page.console_errors


def test_last_suggestion_searches_for_pages_containing_the_words(page, site):
    box = open_suggestions(page, site, "blood")

    last = page.get_by_role("listbox").get_by_role("option").last
    assert last.inner_text() == "Search for pages containing “blood”"
    box.press("ArrowUp")
    assert box.get_attribute("aria-activedescendant") == last.get_attribute("id")
    box.press("Enter")

    page.wait_for_url(lambda url: "fulltext=1" in url)
    assert page.locator("h1").inner_text() == "Search results for “blood”"
    assert page.locator(".search-hit mark").count() > 0
    assert not page.console_errors, page.console_errors


def test_search_works_without_javascript(browser, site):
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    try:
        tab.goto(site + "/")
        tab.locator("#site-search-q").fill("jmes blod")
        tab.locator("#site-search-q").press("Enter")
        tab.wait_for_url(lambda url: "/search/" in url)
        tab.get_by_role("link", name="James Blood").first.click()
        tab.wait_for_url(lambda url: url.endswith("/characters/james-blood/"))
    finally:
        context.close()
