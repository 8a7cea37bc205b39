"""Stored pages answered before Django handles the request
(``wiki.cache.PageCacheApplication``, the ``application`` gunicorn serves):
a plain anonymous GET gets what the site sent for the same address and
Accept-Encoding, byte for byte and header for header; after a change, the
next one gets the change; every other request goes to the site, whose
answers these tests compare with.

The application is called here as gunicorn calls it. Django's test client
would not reach it, and closes no connection between requests: nor does
``site`` (a request would otherwise end this test's transaction)."""

import dataclasses
import gzip
import io

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import DatabaseError, close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from episodes.models import Work
from tests.factories import CharacterFactory, EpisodeFactory
from wiki import reading
from wiki.cache import PageCacheApplication
from wiki.models import Generation

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.test_caching")]
cache_on = override_settings(PAGE_CACHE_ENABLED=True)
HOST = "testserver"


class Site:
    """The site behind ``PageCacheApplication``, counting what reaches Django."""

    def __init__(self):
        self.django = WSGIHandler()
        self.reached = 0
        self.application = PageCacheApplication(self.counted)

    def counted(self, environ, start_response):
        self.reached += 1
        return self.django(environ, start_response)

    def get(self, path, method="GET", **headers):
        """(status code, headers, body) as the server would send them."""
        return self.call(self.application, path, method, headers)

    def without_it(self, path, method="GET", **headers):
        """The same request answered by the site alone."""
        return self.call(self.django, path, method, headers)

    @staticmethod
    def call(application, path, method, headers):
        path, _, query = path.partition("?")
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": HOST,
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": HOST,
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": io.StringIO(),
            **{f"HTTP_{name.upper()}": value for name, value in headers.items()},
        }
        sent = []
        body = application(
            environ, lambda status, response_headers, exc_info=None: sent.append((status, response_headers))
        )
        try:
            content = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        status, response_headers = sent[-1]
        return int(status.split()[0]), response_headers, content


@pytest.fixture
def site():
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield Site()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def james():
    return CharacterFactory(title="James Blood", slug="james-blood", lead="James Blood is a detective.")


def header(headers, name):
    return next((value for key, value in headers if key.lower() == name.lower()), None)


def without_page_cache_state(headers):
    return sorted((name, value) for name, value in headers if name != "X-Page-Cache")


@cache_on
def test_a_page_is_answered_as_the_site_sent_it_without_reaching_django(site, james):
    url = james.get_absolute_url()
    status, headers, page = site.get(url)
    assert (status, header(headers, "X-Page-Cache")) == (200, "miss")
    assert "James Blood is a detective." in page.decode()
    assert site.reached == 1
    for _ in range(3):
        again = site.get(url)
        assert (again[0], again[2]) == (200, page)
        assert header(again[1], "X-Page-Cache") == "hit"
        assert without_page_cache_state(again[1]) == without_page_cache_state(headers)
    assert site.reached == 1
    # What the site alone sends for it now, from its own page cache: the same page and headers.
    alone = site.without_it(url)
    assert (alone[0], alone[2]) == (200, page)
    assert sorted(alone[1]) == sorted(again[1])


@cache_on
def test_each_accept_encoding_gets_what_the_site_sent_for_it(site, james):
    url = james.get_absolute_url()
    plain = site.get(url)
    compressed = site.get(url, accept_encoding="gzip, deflate, br")
    refused = site.get(url, accept_encoding="gzip;q=0")
    assert site.reached == 3
    assert header(compressed[1], "Content-Encoding") == "gzip"
    assert gzip.decompress(compressed[2]) == plain[2] == refused[2]
    assert header(plain[1], "Content-Encoding") is None is header(refused[1], "Content-Encoding")
    for encoding, first in ((None, plain), ("gzip, deflate, br", compressed), ("gzip;q=0", refused)):
        again = site.get(url, **({"accept_encoding": encoding} if encoding else {}))
        assert (again[0], again[2]) == (200, first[2])
        assert header(again[1], "Content-Encoding") == header(first[1], "Content-Encoding")
    assert site.reached == 3


@cache_on
def test_after_an_edit_the_next_reader_gets_the_edit(site, james):
    url = james.get_absolute_url()
    site.get(url)
    assert b"a detective" in site.get(url)[2]
    james.lead = "James Blood is a chief inspector."
    james.save(summary="Promotion")
    status, headers, page = site.get(url)
    assert (status, header(headers, "X-Page-Cache")) == (200, "miss")
    assert b"a chief inspector" in page and b"a detective" not in page
    assert site.get(url)[2] == page
    assert site.reached == 2


@cache_on
@pytest.mark.parametrize(
    "request_headers",
    [
        {"cookie": "theme=dark"},
        {"cookie": "sessionid=abc"},
        {"authorization": "Basic YTpi"},
        {"if_none_match": '"abc"'},
        {"if_modified_since": "Sat, 01 Jan 2000 00:00:00 GMT"},
    ],
    ids=["a cookie", "a session", "credentials", "If-None-Match", "If-Modified-Since"],
)
def test_requests_with_cookies_credentials_or_validators_go_to_the_site(site, james, request_headers):
    url = james.get_absolute_url()
    site.get(url)
    site.get(url)
    for number in range(1, 4):
        status, headers, body = site.get(url, **request_headers)
        assert site.reached == 1 + number
        assert (status, headers, body) == site.without_it(url, **request_headers)


@cache_on
@pytest.mark.parametrize("method", ["HEAD", "POST", "OPTIONS"])
def test_other_methods_go_to_the_site(site, james, method):
    url = james.get_absolute_url()
    site.get(url)
    for number in range(1, 3):
        status, _, _ = site.get(url, method=method)
        assert site.reached == 1 + number
        assert status == site.without_it(url, method=method)[0]


@cache_on
@pytest.mark.parametrize(
    "url",
    [
        "/t/form/",
        "/t/private/",
        "/t/vary/",
        "/t/changing/",
        "/admin/t-plain/",
        "/random/",
        "/characters/nobody/",
    ],
    ids=["sets a cookie", "private", "Vary", "changed while rendered", "admin", "random", "not found"],
)
def test_what_the_site_does_not_store_is_never_answered_before_it(site, james, url):
    for number in range(1, 4):
        site.get(url)
        assert site.reached == number


@cache_on
def test_an_address_that_sets_the_reading_limit_cookie_goes_to_the_site(site, james):
    episode = EpisodeFactory(season__work__medium=Work.Medium.ANIME)
    url = james.get_absolute_url() + f"?upto=s{episode.season.number}e{episode.number}"
    for number in range(1, 3):
        _, headers, _ = site.get(url)
        assert header(headers, "Set-Cookie").strip().startswith(f"{reading.COOKIE_NAME}=")
        assert site.reached == number


@cache_on
def test_while_the_database_cannot_be_reached_the_site_answers_as_it_does_alone(site, james, monkeypatch):
    url = james.get_absolute_url()
    page = site.get(url)[2]
    last_stored = dataclasses.replace(Generation.objects.current(), last_stored=True)
    monkeypatch.setattr(type(Generation.objects), "current", lambda manager: last_stored)
    status, headers, body = site.get(url)
    assert (status, header(headers, "X-Page-Cache"), body) == (200, "stale-db-down", page)
    assert site.reached == 2

    def unreachable(manager):
        raise DatabaseError("the database is down")

    monkeypatch.setattr(type(Generation.objects), "current", unreachable)
    assert site.get(url)[0] == site.without_it(url)[0] == 500
    assert site.reached == 3


@override_settings(PAGE_CACHE_ENABLED=False)
def test_with_the_page_cache_off_every_request_goes_to_the_site(site, james):
    for number in range(1, 4):
        assert site.get(james.get_absolute_url())[0] == 200
        assert site.reached == number


# Hostile requests: whatever the address, host or Accept-Encoding, the answer
# is the site's own (the second time too), and never a server error. A WSGI
# server gives each as a string of bytes read as Latin-1, without line breaks.
def latin1(**kwargs):
    return st.text(st.characters(codec="latin-1", exclude_characters="\r\n\x00"), **kwargs)


addresses = st.one_of(
    st.sampled_from(["/", "/characters/james-blood/", "/search/", "/characters/", "/t/plain/"]),
    latin1(max_size=40).map(lambda text: "/" + text.replace("?", "")),
)
queries = st.one_of(
    st.sampled_from(["", "q=mask", "q=mask&q=mask", "upto=s1e1", "page=x"]), latin1(max_size=20)
)
hosts = st.one_of(
    st.sampled_from([HOST, "evil.example", "testserver:80", "TESTSERVER", ""]), latin1(max_size=20)
)
encodings = st.one_of(st.sampled_from(["", "gzip", "br", "gzip;q=0", "*"]), latin1(max_size=20))


@cache_on
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(address=addresses, query=queries, host=hosts, encoding=encodings)
def test_any_request_gets_the_sites_own_answer(site, james, address, query, host, encoding):
    url = f"{address}?{query}" if query else address
    headers = {"host": host, "accept_encoding": encoding}
    alone = site.without_it(url, **headers)
    first, second = site.get(url, **headers), site.get(url, **headers)
    for answer in (first, second):
        assert answer[0] < 500
        assert answer[0] == alone[0]
        if answer[0] == 200:
            assert answer[2] == alone[2]
