"""The API's documentation page (Swagger UI, from the site's own static files)
renders its list of operations under the site's Content-Security-Policy,
with no console error, and its "Try it out" reaches the API."""

import pytest

from tests.browser.conftest import save_screenshot
from tests.factories import CharacterFactory

pytestmark = pytest.mark.browser


def test_the_api_docs_list_every_operation_under_the_content_security_policy(
    page, live_server, transactional_db
):
    CharacterFactory(title="James Blood", slug="james-blood", role="main")
    requests_elsewhere = []
    page.on(
        "request",
        lambda request: (
            not request.url.startswith(live_server.url) and requests_elsewhere.append(request.url)
        ),
    )
    response = page.goto(f"{live_server.url}/api/v1/docs/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".opblock-summary-path", timeout=15_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/characters/{slug}/" in paths and "/api/v1/search/" in paths
    assert len(paths) == 19
    assert page.locator("h1").first.inner_text() == "API"
    # Try it out: the characters list, answered by the API itself.
    page.locator("#operations-characters-api_api_characters").click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    page.wait_for_selector(".response .microlight", timeout=15_000)
    assert "James Blood" in page.locator(".live-responses-table .microlight").first.inner_text()
    save_screenshot(page, "api-docs")
    assert page.console_errors == []
    assert requests_elsewhere == []
