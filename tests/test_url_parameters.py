"""Every parameter of every address answers a bad value with a 400 or a 404
and a page that says what was wrong, never with a server error.

The addresses are every URL pattern of the project, read from the resolver
with their converters (the admin's too); the query parameters of each are the
ones its view reads, found by recording what a good request reads from
``request.GET``. A new view, a new path converter or a new query parameter is
covered without anyone adding it here: a parameter that is read but not
declared in ``PARAMETERS`` (or ``ADMIN_PARAMETERS``), or a path parameter with
no good value in ``good_path_value``, fails the test until it is declared.

Each parameter gets the bad values of the issue (negative, beyond 64 bits, not
a number, empty, given twice, 10,000 characters, invalid UTF-8, NUL) and
values from hypothesis, the others keeping their good values:

* a path parameter, and a query parameter declared ``strict`` (a number, a
  choice), must answer a bad value with 400 or 404, and the page must say what
  was wrong (the parameter by name, or that there is no such page);
* any other parameter (free text such as ``q``, or one that is ignored with a
  note, such as the reading limit) may use or ignore any value, but never
  answers 500.

The admin is visited as a staff member; it answers bad values its own way (a
redirect with a message, 400, 404), and must never answer 500.
"""

import re
from dataclasses import dataclass
from html import unescape
from urllib.parse import quote, unquote, unquote_plus

import django.core.handlers.wsgi
import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.http import QueryDict
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from characters.models import Role
from tests.factories import UserFactory
from tests.test_hostile_text import world_for_the_module
from wiki import reading
from wiki.models import Category, Page
from wiki.params import integer_range

pytestmark = pytest.mark.django_db

HUGE = str(2**70)
# The bad values of the issue, as they are written in an address.
BAD_VALUES = {
    "negative": "-1",
    "huge": HUGE,
    "not a number": "abc",
    "empty": "",
    "repeated": None,  # the parameter twice, with two good values
    "10,000 characters": "9" * 10_000,
    "invalid UTF-8": "%FF",
    "NUL": "%00",
}
HYPOTHESIS_EXAMPLES = 4


# What the views read ---------------------------------------------------------------


def whole_number(low=0):
    def accepts(value):
        high = integer_range("BigIntegerField")[1]
        return re.fullmatch(r"[0-9]{1,20}", value) is not None and low <= int(value) <= high

    return accepts


@dataclass(frozen=True)
class Parameter:
    """A query parameter: a value the views accept, and whether a bad value is
    refused (``strict``: 400 or 404 that says so) or used as free text, or
    ignored with a note."""

    good: str
    strict: bool
    accepts: object = None  # for strict parameters: value -> whether it is a good value


PARAMETERS = {
    # Revision numbers of the diff (``wiki.params.integer``).
    "to": Parameter("2", strict=True, accepts=whole_number()),
    "from": Parameter("1", strict=True, accepts=whole_number()),
    # Result and history pages (``wiki.params.integer``, ``PaginatedMixin``).
    "page": Parameter("1", strict=True, accepts=whole_number(1)),
    # The appearances grid's filters (a form; "" is "every season", "every role").
    "season": Parameter("1", strict=True, accepts=lambda value: value in ("", "1")),
    "role": Parameter("main", strict=True, accepts=lambda value: value in Role.values),
    # The API's lists (api.api): results per page, and the filters, each naming
    # an episode (by slug or code) or a character of the world (test_hostile_text.build_world).
    "per_page": Parameter(
        "20",
        strict=True,
        accepts=lambda value: re.fullmatch(r"[0-9]{1,3}", value) is not None and 1 <= int(value) <= 100,
    ),
    "episode": Parameter("s1e1", strict=True, accepts=lambda value: value == "s1e1"),
    "character": Parameter("zz-vqword-other", strict=True, accepts=lambda value: value == "zz-vqword-other"),
    # Sitemap pages (django.contrib.sitemaps).
    "p": Parameter("1", strict=True, accepts=whole_number(1)),
    # The reading limit: a bad one is ignored with a note (a 400 on /reading/ itself).
    reading.PARAMETER: Parameter("s1e1", strict=False),
    reading.SHOW_PARAMETER: Parameter("page", strict=False),
    # Free text: searched for, matched against aliases, or checked as an address.
    "q": Parameter("vqword", strict=False),
    "fulltext": Parameter("1", strict=False),
    # Search for the words as typed, without correcting them.
    "exact": Parameter("1", strict=False),
    "redirectfrom": Parameter("Zz", strict=False),
    "next": Parameter("/", strict=False),
}
# Django's admin reads these itself; its answers to bad values are its own.
# "page": the page the admin's wiki editor previews for (wiki.editor; a bad one is a 400).
ADMIN_PARAMETERS = {
    "page",
    "q",
    "p",
    "all",
    "o",
    "e",
    "_popup",
    "_to_field",
    "_facets",
    "_changelist_filters",
    "next",
    "term",
    "app_label",
    "model_name",
    "field_name",
    reading.PARAMETER,
    reading.SHOW_PARAMETER,
}

# Known defects outside this test's files: (URL name pattern, parameter, bad
# value) -> (why, the databases it shows on; None: all). Strict: the run fails
# when one is fixed, so that it is taken off.
KNOWN_DEFECTS = {}


def known_defect(route, name, label):
    for (pattern, parameter, value), (_, vendors) in KNOWN_DEFECTS.items():
        if parameter == name and value == label and re.fullmatch(pattern, route.name):
            return vendors is None or connection.vendor in vendors
    return False


class RecordingQueryDict(QueryDict):
    """``request.GET`` that notes the names a view reads."""

    read = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._built = True

    def _note(self, key):
        # Building the dict, or going through all of it (the admin), names no parameter.
        if RecordingQueryDict.read is not None and self.__dict__.get("_built"):
            RecordingQueryDict.read.add(key)

    def items(self):
        for key in self:
            yield key, super().__getitem__(key)

    def values(self):
        for key in self:
            yield super().__getitem__(key)

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self._note(key)
        return super().get(key, default)

    def getlist(self, key, default=None):
        self._note(key)
        return super().getlist(key, default)

    def __contains__(self, key):
        self._note(key)
        return super().__contains__(key)


# The addresses -------------------------------------------------------------------------

_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")
_GROUP = re.compile(r"\(\?P<(\w+)>(?:[^()]|\([^()]*\))*\)")


@dataclass(frozen=True)
class Route:
    """A URL pattern, from the root: its name, its patterns and its view."""

    name: str
    parts: tuple  # (whether a regular expression, pattern) of each level
    callback: object

    @property
    def route(self):
        return "".join(text for _, text in self.parts)

    @property
    def admin(self):
        return self.route.startswith("admin/")

    @property
    def parameters(self):
        """The names of its path parameters."""
        return [
            m.group(1) for regex, text in self.parts for m in (_GROUP if regex else _CONVERTER).finditer(text)
        ]

    def path(self, values):
        """The address with ``values`` (written as in an address) for its path parameters."""
        filled = []
        for regex, text in self.parts:
            if regex:
                text = (
                    _GROUP.sub(lambda m: values[m.group(1)], text).lstrip("^").rstrip("$").replace("\\", "")
                )
            else:
                text = _CONVERTER.sub(lambda m: values[m.group(1)], text)
            filled.append(text)
        return "/" + "".join(filled)

    def __str__(self):
        return self.name or self.route


def routes(patterns=None, parts=(), namespace=""):
    """Every URL pattern, with the patterns of the levels above it."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = pattern.pattern
        part = (False, str(route)) if hasattr(route, "_route") else (True, route.regex.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from routes(pattern.url_patterns, (*parts, part), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}{pattern.name}" if pattern.name else ""
            yield Route(name, (*parts, part), pattern.callback)


ROUTES = sorted({route.route: route for route in routes()}.values(), key=lambda route: route.route)


def admin_model(route):
    match = re.match(r"admin/(\w+)/(\w+)/", route.route)
    if match:
        try:
            return apps.get_model(match.group(1), match.group(2))
        except LookupError:
            return None
    return None


def good_path_value(route, name, world):
    """A value of path parameter ``name`` of ``route`` that names something in ``world``."""
    for row in world.rows.values():
        row.refresh_from_db()
    character = world.row(apps.get_model("characters", "Character"))
    if route.admin:
        model = admin_model(route)
        if name in ("object_id", "id"):
            row = model._default_manager.order_by("pk").first() if model else None
            if route.route.startswith("admin/r/"):
                row = character
            return str(row.pk) if row else "1"
        if name == "content_type_id":
            return str(ContentType.objects.get_for_model(Page).pk)
        if name == "app_label":
            return "wiki"
        if name == "url":
            return "no-such-admin-page/"
    if route.name.startswith("pages:") and name == "slug":
        return Page.model_for_kind(route.name.partition(":")[2]).objects.order_by("pk").first().slug
    if route.name.startswith("api:") and name == "slug":
        kind = route.name.partition(":")[2]
        model = Category if kind == "category" else Page.model_for_kind(kind)
        return model.objects.order_by("pk").first().slug
    values = {
        ("wiki:category", "slug"): lambda: world.row(Category).slug,
        ("wiki:go", "title"): lambda: quote(character.title),
        ("wiki:preview", "address"): lambda: character.get_absolute_url().lstrip("/"),
        ("wiki:history", "pk"): lambda: str(character.pk),
        ("wiki:diff", "pk"): lambda: str(character.pk),
        ("wiki:backlinks", "pk"): lambda: str(character.pk),
        ("wiki:revert", "pk"): lambda: str(character.pk),
        ("wiki:revert", "number"): lambda: "1",
    }
    if (route.name, name) not in values:
        pytest.fail(
            f"{route}: no good value for the path parameter {name!r}; declare one in good_path_value()"
        )
    return values[(route.name, name)]()


def method_of(route):
    """GET, or POST for a view that only answers POST (a revert)."""
    allowed = getattr(getattr(route.callback, "view_class", None), "http_method_names", None)
    return "post" if allowed and "get" not in allowed else "get"


# Requests and what they must answer -------------------------------------------------------


def with_a_second_revision(world):
    character = world.row(apps.get_model("characters", "Character"))
    character.refresh_from_db()
    character.lead += " Edited."
    character.save(summary="A second revision")


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker):
    with world_for_the_module(django_db_blocker, with_a_second_revision) as world:
        yield world


@pytest.fixture
def world(module_world, db):
    return module_world


@pytest.fixture
def staff_client(world):
    client = Client(raise_request_exception=False)
    client.force_login(world.row(apps.get_model("auth", "User")))
    return client


@pytest.fixture
def reader(world):
    return Client(raise_request_exception=False)


def request(client, route, path, query):
    """``query``: (name, raw value) pairs, the values written as in an address."""
    url = path + ("?" + "&".join(f"{quote(name)}={value}" for name, value in query) if query else "")
    return getattr(client, method_of(route))(url)


def explains(response, name, raw_value):
    """Whether the error page says what was wrong: the parameter by name, the
    value as given, or that the address names no page."""
    text = unescape(response.content.decode("utf-8", "replace"))
    given = unquote_plus(raw_value or "", errors="replace")
    shown = reading.describe(given)[:20]
    # The value quoted in a message: as given, or as it may be shown (printable).
    quoted = [f"“{shown}" if shown else "“”"] + ([f"“{given[:20]}"] if given else [])
    return (
        f"“{name}”" in text
        or "Page not found" in text
        or "No page titled" in text
        or any(value in text for value in quoted)
    )


def parameters_read(client, route, path, query):
    RecordingQueryDict.read = set()
    try:
        response = request(client, route, path, query)
    finally:
        read, RecordingQueryDict.read = RecordingQueryDict.read, None
    return response, read


@pytest.fixture(autouse=True)
def _recording(monkeypatch):
    monkeypatch.setattr(django.core.handlers.wsgi, "QueryDict", RecordingQueryDict)


def route_setup(route, world, client):
    """(good path values, good query, names of the query parameters the view
    reads) for ``route``; fails for a parameter nobody declared."""
    path_values = {name: good_path_value(route, name, world) for name in route.parameters}
    declared = ADMIN_PARAMETERS if route.admin else set(PARAMETERS)
    good_query = [] if route.admin else [(name, quote(p.good)) for name, p in PARAMETERS.items()]
    response, read = parameters_read(client, route, route.path(path_values), good_query)
    assert response.status_code < 500, f"{route}: a good request answered {response.status_code}"
    if not route.admin:
        assert response.status_code < 400, f"{route}: a good request answered {response.status_code}"
    undeclared = read - declared
    assert not undeclared, f"{route} reads {sorted(undeclared)}: declare them in PARAMETERS"
    return path_values, good_query, sorted(read)


def another_route(route, path):
    """Whether ``path`` is the address of another URL pattern (the admin's index,
    for its catch-all pattern with an empty path)."""
    try:
        match = resolve(unquote(path))
    except Resolver404:
        return False
    return match.route != "".join(text.lstrip("^") for _, text in route.parts)


def problem_with_path_value(client, route, path_values, name, raw, bad=True):
    """What is wrong with the answer to ``raw`` as path parameter ``name`` ("" if
    nothing); ``bad``: a value that names nothing (else any value, as hypothesis makes them)."""
    path = route.path({**path_values, name: raw})
    response = request(client, route, path, [])
    status = response.status_code
    if status >= 500:
        return f"answered {status}"
    # The admin answers with a redirect and a message, or a 403 where nothing may be deleted.
    refused = (302, 400, 403, 404) if route.admin else (400, 404)
    if bad and status not in refused and not another_route(route, path):
        return f"answered {status}"
    if status in (400, 404) and not route.admin and not explains(response, name, raw):
        return f"answered {status} with a page that does not say what was wrong"
    return ""


def problem_with_query_value(client, route, path, good_query, name, raw):
    """What is wrong with the answer to ``raw`` (None: a good value given twice)
    as query parameter ``name``, the others good ("" if nothing)."""
    parameter = PARAMETERS.get(name)
    good = quote(parameter.good) if parameter else "1"
    others = [(n, v) for n, v in good_query if n != name]
    response = request(
        client, route, path, [*others, (name, good), (name, good)] if raw is None else [*others, (name, raw)]
    )
    status = response.status_code
    if status >= 500:
        return f"answered {status}"
    strict = parameter is not None and parameter.strict and not route.admin
    bad = raw is None or (strict and not parameter.accepts(unquote_plus(raw, errors="replace")))
    if strict and bad and status not in (400, 404):
        return f"answered {status}, not 400 or 404"
    if status in (400, 404) and not route.admin and not explains(response, name, raw):
        return f"answered {status} with a page that does not say what was wrong"
    return ""


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_every_parameter_answers_the_bad_values_with_400_or_404_that_says_so(
    reader, staff_client, world, route
):
    client = staff_client if route.admin else reader
    path_values, good_query, read = route_setup(route, world, client)
    if route.admin:
        # The reading limit is the same middleware everywhere; it is tried on the wiki's own pages.
        read = [name for name in read if name not in (reading.PARAMETER, reading.SHOW_PARAMETER)]
    path = route.path(path_values)
    unexpected, fixed = [], []
    for kind, names in (("path", path_values), ("query", read)):
        for name in names:
            for label, raw in BAD_VALUES.items():
                if kind == "path":
                    if raw is None:
                        continue
                    problem = problem_with_path_value(client, route, path_values, name, raw)
                else:
                    problem = problem_with_query_value(client, route, path, good_query, name, raw)
                known = known_defect(route, name, label)
                if problem and not known:
                    unexpected.append(f"{route}: {kind} parameter {name} {label}: {problem}")
                elif known and not problem:
                    fixed.append(f"{route}: {kind} parameter {name} {label}")
    assert not unexpected, "\n".join(unexpected)
    assert not fixed, "fixed, take them off KNOWN_DEFECTS:\n" + "\n".join(fixed)


# Values from hypothesis, written as in an address: text, numbers of any size, any bytes.
raw_values = st.one_of(
    st.text(max_size=40).map(lambda text: quote(text, safe="")),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.binary(max_size=12).map(lambda data: "".join(f"%{byte:02X}" for byte in data)),
)

FUZZED_ROUTES = [route for route in ROUTES if not route.admin]


@pytest.mark.parametrize("route", FUZZED_ROUTES, ids=str)
def test_no_value_from_hypothesis_makes_a_parameter_answer_500(reader, world, route):
    path_values, good_query, read = route_setup(route, world, reader)
    names = [("path", name) for name in path_values] + [("query", name) for name in read]
    path = route.path(path_values)

    @hypothesis_settings(
        max_examples=HYPOTHESIS_EXAMPLES * len(names),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(where=st.sampled_from(names), raw=raw_values)
    def check(where, raw):
        kind, name = where
        if kind == "path":
            problem = problem_with_path_value(reader, route, path_values, name, raw, bad=False)
        else:
            problem = problem_with_query_value(reader, route, path, good_query, name, raw)
        assert not problem, f"{route}: {kind} parameter {name}={raw!r}: {problem}"

    if names:
        check()


def test_the_patterns_and_parameters_are_found():
    names = {route.name for route in ROUTES}
    assert {"wiki:diff", "wiki:history", "wiki:go", "pages:character", "admin:index"} <= names
    diff = next(route for route in ROUTES if route.name == "wiki:diff")
    assert diff.parameters == ["pk"]


def test_the_diff_answers_a_number_beyond_64_bits_with_400_that_names_it(reader, world):
    character = world.row(apps.get_model("characters", "Character"))
    response = reader.get(f"/pages/{character.pk}/diff/?from=1&to={2**70}")
    assert response.status_code == 400
    html = unescape(response.content.decode())
    assert "The “to” in the address must be a whole number" in html and "Error 400" in html


def test_a_page_id_beyond_what_the_database_holds_is_not_found(reader, world):
    for url in (f"/pages/{2**70}/history/", f"/pages/{2**63}/links/", f"/pages/1/revert/{2**64}/"):
        assert reader.get(url).status_code == 404, url


def test_the_400_and_403_pages_render_without_a_request_or_the_database(django_assert_num_queries):
    from django.template import loader

    with django_assert_num_queries(0):
        bad = loader.render_to_string("400.html", {"problem": "The “to” in the address is missing."})
        forbidden = loader.render_to_string("403.html")
    assert "Error 400" in bad and "The “to” in the address is missing." in unescape(bad)
    assert "Error 403" in forbidden and 'href="/admin/login/"' in forbidden


def test_a_signed_in_reader_who_may_not_revert_gets_the_403_page(reader, world):
    character = world.row(apps.get_model("characters", "Character"))
    reader.force_login(UserFactory())
    response = reader.post(f"/pages/{character.pk}/revert/1/")
    assert response.status_code == 403
    assert "Error 403" in response.content.decode()


def test_every_declared_parameter_is_read_by_some_view(reader, staff_client, world):
    read = set()
    for route in ROUTES:
        client = staff_client if route.admin else reader
        read |= set(route_setup(route, world, client)[2])
    assert set(PARAMETERS) <= read, f"declared but read by no view: {sorted(set(PARAMETERS) - read)}"
