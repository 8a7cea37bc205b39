"""The API on the real content (the fixtures, loaded once for the module):
voice credits with their language, and nothing revealed after the reader's
limit in any answer."""

import pytest

from tests.api.test_endpoints import LISTS, api, get
from tests.test_reading_limits import ReadableText, hidden_facts
from wiki import reading
from wiki.models import Category, Page

# Every test reads the real content, loaded once for the module.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("content_of_the_module")]


def test_james_blood_is_voiced_by_yasuyuki_kase_in_japanese_and_greg_chun_in_english(client):
    data = get(client, api("character", "james-blood"))
    assert {(voice["person"]["title"], voice["language_label"]) for voice in data["voice_cast"]} == {
        ("Yasuyuki Kase", "Japanese"),
        ("Greg Chun", "English"),
    }
    assert data["role"] == "main"
    kase = get(client, data["voice_cast"][0]["person"]["api_url"])
    assert "James Blood" in {voice["character"]["title"] for voice in kase["voice_roles"]}
    main = get(client, api("characters", role="main"))["results"]
    assert {character["title"] for character in main} == {"James Blood", "Sarah Sinclair"}


def readable(data):
    """The text of an answer as a program reads it: every value, HTML as its text."""
    if isinstance(data, dict):
        return " ".join(
            ReadableText.of(value) if key.endswith("_html") else readable(value)
            for key, value in data.items()
        )
    if isinstance(data, list):
        return " ".join(readable(value) for value in data)
    return " ".join(str(data).split())


def api_addresses():
    urls = [api(name, per_page=100) for name in LISTS]
    for page in Page.objects.order_by("pk"):
        urls.append(api(page.kind, page.slug))
    urls += [api("category", category.slug) for category in Category.objects.all()]
    return urls


def test_the_api_shows_nothing_revealed_after_the_limit(client):
    urls = api_addresses()
    for code in ("start", "s1e8", "s2e3"):
        facts = hidden_facts(reading.parse(code).position)
        assert facts
        leaks = []
        for url in urls:
            separator = "&" if "?" in url else "?"
            response = client.get(f"{url}{separator}upto={code}")
            assert response.status_code in (200, 404), url
            if response.status_code == 200:
                text = readable(response.json())
                leaks += [(url, what) for what, probe in facts if probe in text]
        assert not leaks, f"at {code}: {leaks[:10]}"
