"""What a page costs to fetch: HTML gzipped only where that leaks no secret
(BREACH), one stylesheet, and no script that holds up the first paint."""

import gzip
import re

import pytest
from django.test import Client, override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heromask_wiki import middleware
from tests.factories import ArticleFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

GZIP = {"accept-encoding": "gzip, deflate, br"}


@pytest.fixture
def article():
    return ArticleFactory(title="Bio-mask", lead="Bio-masks " * 200)


def vary(response):
    return {value.strip().lower() for value in response.headers.get("Vary", "").split(",")}


def test_an_anonymous_page_is_gzipped_for_a_client_that_asks(client, article):
    plain = client.get(article.get_absolute_url())
    compressed = client.get(article.get_absolute_url(), headers=GZIP)
    assert compressed.status_code == 200
    assert compressed.headers["Content-Encoding"] == "gzip"
    assert "accept-encoding" in vary(compressed) and "accept-encoding" in vary(plain)
    assert gzip.decompress(compressed.content) == plain.content
    assert int(compressed.headers["Content-Length"]) == len(compressed.content) < len(plain.content) / 3
    # Another representation of the same page: its validator is weak.
    assert compressed.headers["ETag"] == "W/" + plain.headers["ETag"]


@override_settings(PAGE_CACHE_ENABLED=True)
def test_the_page_cache_keeps_the_page_uncompressed_for_clients_without_gzip(client, article):
    first = client.get(article.get_absolute_url(), headers=GZIP)
    assert first.headers["X-Page-Cache"] == "miss" and first.headers["Content-Encoding"] == "gzip"
    cached = client.get(article.get_absolute_url())
    assert cached.headers["X-Page-Cache"] == "hit"
    assert "Content-Encoding" not in cached.headers
    assert b"Bio-masks Bio-masks" in cached.content
    again = client.get(article.get_absolute_url(), headers=GZIP)
    assert again.headers["X-Page-Cache"] == "hit" and again.headers["Content-Encoding"] == "gzip"
    not_modified = client.get(
        article.get_absolute_url(), headers={**GZIP, "if-none-match": again.headers["ETag"]}
    )
    assert not_modified.status_code == 304


@override_settings(PAGE_CACHE_ENABLED=True)
def test_a_stored_page_is_gzipped_once_not_for_every_reader(client, article, monkeypatch):
    url = article.get_absolute_url()
    assert client.get(url, headers=GZIP).headers["X-Page-Cache"] == "miss"
    plain = client.get(url)
    compressed = []
    monkeypatch.setattr(
        middleware, "compress_string", lambda data: compressed.append(len(data)) or gzip.compress(data)
    )
    for _ in range(3):
        hit = client.get(url, headers=GZIP)
        assert (hit.headers["X-Page-Cache"], hit.headers["Content-Encoding"]) == ("hit", "gzip")
        assert gzip.decompress(hit.content) == plain.content
        assert int(hit.headers["Content-Length"]) == len(hit.content)
    assert compressed == [], "a reader's hit compressed the stored page again"


def test_a_form_with_a_csrf_token_is_never_compressed(client):
    response = client.get("/admin/login/", headers=GZIP)
    assert response.status_code == 200
    assert b"csrfmiddlewaretoken" in response.content
    assert "Content-Encoding" not in response.headers


def test_pages_for_a_signed_in_editor_are_never_compressed(client, article):
    client.force_login(StaffUserFactory())
    for url in (article.get_absolute_url(), "/admin/"):
        response = client.get(url, headers=GZIP)
        assert response.status_code == 200, url
        assert "Content-Encoding" not in response.headers, url


def test_a_response_that_sets_a_cookie_is_never_compressed(client, article):
    response = client.get(article.get_absolute_url() + "?upto=all", headers=GZIP)
    assert response.status_code == 200
    assert response.cookies
    assert "Content-Encoding" not in response.headers


@pytest.mark.parametrize("accepted", ["", "identity", "br", "gzip;q=0", "gzip; q=0.000", "deflate, *;q=0"])
def test_no_gzip_for_a_client_that_does_not_take_it(client, article, accepted):
    response = client.get(article.get_absolute_url(), headers={"accept-encoding": accepted})
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    assert b"Bio-masks Bio-masks" in response.content


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(accepted=st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60))
def test_any_accept_encoding_header_gets_a_readable_page(article, accepted):
    response = Client().get(article.get_absolute_url(), headers={"accept-encoding": accepted})
    assert response.status_code == 200
    body = (
        gzip.decompress(response.content)
        if response.headers.get("Content-Encoding") == "gzip"
        else response.content
    )
    assert b"Bio-masks Bio-masks" in body


def test_every_page_has_one_stylesheet_and_no_script_that_blocks_the_first_paint(client):
    html = client.get("/no-such-page/").content.decode()
    assert len(re.findall(r'<link rel="stylesheet"', html)) == 1
    assert 'href="/static/css/site.css"' in html
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts and all(" defer" in script for script in scripts), scripts
