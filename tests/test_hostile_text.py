"""Whatever an editor types into any text field, the pages that show it gain
nothing: no element, no attribute, no attribute whose meaning changed; the
JSON-LD stays valid JSON with the same keys, and the feed and the sitemap
stay valid XML.

The fields are every editable ``CharField``/``TextField`` (slugs, URLs and
e-mail addresses too) of every model of the project's apps and of the user
model, read from ``_meta``: a new field is covered without anyone adding it
here. The pages that show a field are found, not listed: every field of a
small world holds a marker, every page of the world is rendered once, and a
field's pages are those that show its marker.

For each field, hypothesis stores hostile text (quotes, angle brackets,
entities, ``javascript:`` and ``data:`` addresses, control characters, very
long text) and a harmless text of the same shape (the same length; letters,
digits, commas and white space where the hostile text has them, ``x`` for
everything else), and
every page of the field is rendered with each and parsed with html5lib:

* a value a form accepts must give the same document: the same elements
  with the same attributes, in the same order; an attribute value may differ
  only in an attribute that carries text (``content``, ``title``, ``value``…),
  and an address only within the same site; where the harmless text reached
  an attribute or the JSON-LD, the hostile text arrives there as typed (not
  escaped twice). Pages whose shape depends on the words (Markdown fields, a
  diff, search results) may only gain elements and attributes the page
  already has, or, for Markdown, that the sanitiser allows;
* a value a form refuses (not one of a field's choices, an invalid address,
  a NUL) may render differently, but never as a server error, and never with
  an event handler, a script or an address with another scheme.
"""

import json
import re
import string
import xml.etree.ElementTree as ElementTree
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace
from urllib.parse import urlencode, urlsplit

import html5lib
import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import DataError, models, transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from hypothesis import HealthCheck, Phase, example, given, reject
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.factories import (
    AliasFactory,
    AppearanceFactory,
    ArticleFactory,
    CategoryFactory,
    CharacterFactory,
    CharacterRelationshipFactory,
    EpisodeFactory,
    MembershipFactory,
    OrganizationFactory,
    PersonFactory,
    ReferenceFactory,
    ReleaseFactory,
    SeasonFactory,
    StaffCreditFactory,
    StaffUserFactory,
    VoiceCreditFactory,
    WorkCompanyFactory,
    WorkFactory,
)
from tests.kinds.models import Song
from wiki import markup
from wiki.models import Alias, Category, Generation, Page, Revision

pytestmark = pytest.mark.django_db

# Generated values per field, besides the two explicit ones (``explicit_values``):
# one per run (CI runs the suite twice, on SQLite and on PostgreSQL, so two a
# field, each run's from a fresh seed), for CI's time budget.
EXAMPLES_PER_FIELD = 1

# Fields that are editable in ``_meta`` but that no person types.
NOT_TYPED = {
    ("auth", "user", "password"): "a hash, set through the password form and never shown",
    ("wiki", "pagelink", "target_title"): "written by the write path from the page's text",
}
# ``Page`` itself: every page is a row of one of its kinds, whose fields include Page's.
BASE_MODELS = {Page}
# Apps whose rows no page and no admin shows: django-axes' records of sign-ins
# (AXES_ENABLE_ADMIN is off; tests/test_logins.py sends them hostile text).
UNSHOWN_APPS = {"axes"}

# The word every stored value starts with, so that search and suggestions find it.
WORD = "Vqword"


def project_models():
    user_model = get_user_model()
    for model in apps.get_models():
        if model in BASE_MODELS or model._meta.app_label in UNSHOWN_APPS:
            continue
        if model is user_model or not model._meta.app_config.name.startswith("django."):
            yield model


def editable_text_fields():
    """(model, field) for every text field a person edits, in a stable order."""
    found = []
    for model in project_models():
        for model_field in model._meta.concrete_fields:
            key = (model._meta.app_label, model._meta.model_name, model_field.name)
            is_text = isinstance(model_field, models.CharField | models.TextField)
            if is_text and model_field.editable and key not in NOT_TYPED:
                found.append((model, model_field))
    return sorted(found, key=lambda pair: (pair[0]._meta.label, pair[1].name))


FIELDS = editable_text_fields()


def is_markdown(model_field):
    return "Markdown" in str(model_field.help_text)


# Hostile text ------------------------------------------------------------------

FRAGMENTS = [
    '"',
    "'",
    "<",
    ">",
    "&",
    "&amp;",
    "&quot;",
    "&#34;",
    "&#x22;",
    "&lt;script&gt;",
    "</script>",
    "</SCRIPT >",
    "<script>alert(1)</script>",
    "<!--",
    "-->",
    "]]>",
    "<![CDATA[",
    "</title>",
    "</textarea>",
    "</style>",
    "javascript:alert(1)",
    " JaVaScRiPt:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "data:image/svg+xml,<svg onload=alert(1)>",
    '" onmouseover="alert(1)',
    "' onfocus='alert(1)' autofocus x='",
    '"><meta http-equiv="refresh" content="0;url=https://evil.example/">',
    '"><a href="https://evil.example/">',
    '"><link rel="canonical" href="https://evil.example/">',
    "<img src=x onerror=alert(1)>",
    "https://evil.example/",
    "//evil.example/",
    "\\",
    "`",
    "${1}",
    "{{ request }}",
    "{% debug %}",
    "%22",
    "%3Cscript%3E",
    "\\u003c",
    "\r\n",
    "\n\n",
    "\t",
    "\x00",
    "\x01",
    "\x08",
    "\x0b",
    "\x0c",
    "\x1b[31m",
    "\x7f",
    "\x85",
    "\xa0",
    "\u2028",
    "\u2029",
    "\u200b",
    "\u202e",
    "\ufeff",
    "\ufffe",
    "\uffff",
    "😀",
    "ヒーロー",
    "[[Vqword]]",
    "[^1]",
    "[x](javascript:alert(1))",
    "<style>*{display:none}</style>",
]

hostile_pieces = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), min_size=1, max_size=14
).map("".join)
very_long = st.builds(
    lambda piece, count: piece * count,
    st.sampled_from(['"', "<", "&", "a", "a ", "\x01", '"><b>', "😀"]),
    st.integers(min_value=200, max_value=5_000),
)
hostile_text = st.one_of(hostile_pieces, hostile_pieces, very_long)
slugs = st.from_regex(r"[-a-zA-Z0-9_]{1,190}", fullmatch=True)
# URLValidator lets anything but white space into the path, query and fragment.
url_tails = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc")) | st.sampled_from("\"<>&'"),
    max_size=150,
)
refused_urls = st.sampled_from(
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(document.cookie)",
        " javascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "vbscript:msgbox(1)",
        "//evil.example/",
        "https://exa mple.com/",
        "http://example.com/\x01\n",
        '"><script>alert(1)</script>',
    ]
)


def value_strategy(model_field):
    """Values for ``model_field``: mostly what its form accepts, shaped to hurt."""
    if isinstance(model_field, models.SlugField):
        return slugs.map(lambda slug: f"{WORD.lower()}-{slug}")
    if isinstance(model_field, models.URLField):
        return st.one_of(url_tails.map(lambda tail: f"https://example.com/{WORD}/{tail}"), refused_urls)
    if isinstance(model_field, models.EmailField):
        return st.one_of(st.emails().map(lambda email: f"{WORD}.{email}"), hostile_text)
    return hostile_text.map(lambda text: f"{WORD} {text}")


# Tried on every field before the generated values: every danger at once, and at length.
KITCHEN_SINK = "\"'<>&amp;&quot;&#34;\x01\x0b\x1b\x7f\u2028\ufffe</script><!--]]>javascript:alert(1)"


def explicit_values(model_field):
    if isinstance(model_field, models.SlugField):
        return [f"{WORD.lower()}-a_b-0", f"{WORD.lower()}-" + "a-" * 90]
    if isinstance(model_field, models.URLField):
        return [f"https://example.com/{WORD}/\"'<>&amp;</script>?a=\"&b=<#'", "javascript:alert(1)"]
    return [f"{WORD} {KITCHEN_SINK}", f"{WORD} " + '"><b x="' * 700]


def fitted(value, model_field):
    return value[: model_field.max_length] if model_field.max_length else value


_PLAIN = frozenset(string.ascii_letters + string.digits + ",_")
# What gives an address its shape: kept in the harmless twin of a URL or an e-mail address.
_ADDRESS_MARKS = frozenset(":/.@?#")


def harmless(value, model_field):
    """A value of the same shape as ``value`` with nothing in it to escape: the
    same length, its letters, digits, commas, underscores and white space kept
    (text is split and trimmed at them), everything else an ``x``."""
    keep = _PLAIN | _ADDRESS_MARKS if isinstance(model_field, models.URLField | models.EmailField) else _PLAIN
    return "".join(char if char in keep or char.isspace() else "x" for char in value)


def accepted_by_a_form(instance, model_field, value):
    """Whether the admin's form would store ``value`` (forms also refuse NUL)."""
    if "\x00" in value:
        return False
    try:
        model_field.clean(value, instance)
    except ValidationError:
        return False
    return True


# The world: one row of every model, every text field a marker -------------------


def marker_value(model_field, token):
    """A marker in a form ``model_field`` stores and a page shows as written."""
    if isinstance(model_field, models.SlugField) or model_field.name == "username":
        return f"zz-vqword-{token}"
    if isinstance(model_field, models.URLField):
        return f"https://example.com/{token}"
    if isinstance(model_field, models.EmailField):
        return f"zz.vqword.{token}@example.com"
    if model_field.name == "body" and issubclass(model_field.model, Page):
        return f"Zz vqword {token} [^1]"  # so that the References list shows
    return f"Zz vqword {token}"


@dataclass
class World:
    rows: dict  # model -> the row whose fields the test changes
    markers: dict = field(default_factory=dict)  # (model, field name) -> marker token

    def row(self, model):
        return self.rows[model]

    def page_urls(self):
        """Every address of the world a reader can land on: ``{name: url}``, built from the
        rows as they are now (a "Redirected from" note needs the alias as stored)."""
        for row in self.rows.values():
            row.refresh_from_db()
        urls = {"home": "/"}
        for name in no_argument_url_names():
            urls[name] = reverse(name)
        urls["wiki:search"] = f"{reverse('wiki:search')}?{urlencode({'q': WORD.lower(), 'fulltext': 1})}"
        urls["wiki:suggest"] = f"{reverse('wiki:suggest')}?{urlencode({'q': WORD.lower()})}"
        for model, row in self.rows.items():
            if isinstance(row, Page):
                label = model._meta.label
                urls[f"page {label}"] = row.get_absolute_url()
                urls[f"history {label}"] = reverse("wiki:history", args=[row.pk])
                urls[f"backlinks {label}"] = reverse("wiki:backlinks", args=[row.pk])
                urls[f"diff {label}"] = Revision.objects.latest_of(row).get_absolute_url()
        urls["category"] = self.row(Category).get_absolute_url()
        alias = self.row(Alias)
        urls["redirected"] = f"{alias.page.get_absolute_url()}?{urlencode({'redirectfrom': alias.title})}"
        urls["diff revision"] = self.row(Revision).get_absolute_url()
        return urls


def no_argument_url_names(patterns=None, namespace=""):
    """Names of the URL patterns that take no argument, outside the admin."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin" or pattern.pattern.converters:
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from no_argument_url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name and pattern.pattern.regex.groups == 0:
            yield f"{namespace}{pattern.name}"


def build_world(django_settings):
    """A row of every model, related as the real content is, then a marker
    in every text field (but choices) of every row."""
    editor = StaffUserFactory()
    category = CategoryFactory()
    work = WorkFactory(medium="anime")
    season = SeasonFactory(work=work, number=1)
    episode = EpisodeFactory(season=season, number=1)
    organization = OrganizationFactory()
    character = CharacterFactory(role="main")
    other = CharacterFactory(title="Zz vqword other", slug="zz-vqword-other", role="supporting")
    person = PersonFactory()
    song = Song(title="Song", slug="song")
    song.save()
    AppearanceFactory(episode=episode, character=other)
    character.save(user=editor, summary="An edit")
    rows = [
        editor,
        category,
        work,
        season,
        episode,
        organization,
        character,
        person,
        ArticleFactory(),
        song,
        AppearanceFactory(episode=episode, character=character),
        MembershipFactory(character=character, organization=organization),
        CharacterRelationshipFactory(character=character, related_character=other),
        VoiceCreditFactory(character=character, person=person),
        StaffCreditFactory(work=work, person=person),
        WorkCompanyFactory(work=work, organization=organization),
        ReleaseFactory(work=work, season=season, organization=organization),
        AliasFactory(page=character),
        ReferenceFactory(number=1),
        Revision.objects.latest_of(character),
    ]
    for row in rows:
        if isinstance(row, Page):
            row.categories.add(category)
    world = World({type(row): row for row in rows})
    for model, row in world.rows.items():
        values = {}
        for model_field in (f for m, f in FIELDS if m is model and not f.choices):
            token = f"mk{len(world.markers):03d}qz"
            world.markers[(model, model_field.name)] = token
            values[model_field.attname] = marker_value(model_field, token)
        model._default_manager.filter(pk=row.pk).update(**values)
    Generation.objects.advance(links=True)
    Page.objects.all().update_search_index()
    work.refresh_from_db()
    django_settings.WIKI_HOME_PAGE = ("work", work.slug)
    return world


def store(world, django_settings, model, model_field, value):
    """Store ``value`` in the world's row of ``model`` through the bulk write path
    (which records no revision, so the page's history keeps its shape), and move
    the generations on so that nothing cached survives."""
    row = world.row(model)
    with transaction.atomic():
        # For a page, the bulk write path also rewrites its search entry.
        model._default_manager.filter(pk=row.pk).update(**{model_field.attname: value})
        if model is Alias:
            Page.objects.filter(pk=row.page_id).update_search_index()
        Generation.objects.advance(links=True)
    if model._meta.label == "episodes.Work" and model_field.name == "slug":
        django_settings.WIKI_HOME_PAGE = ("work", value)


# Rendering and comparing -----------------------------------------------------------


@dataclass
class Rendered:
    status: int
    content_type: str
    body: bytes


def render(client, urls):
    rendered = {}
    for name, url in urls.items():
        response = client.get(url)
        rendered[name] = Rendered(response.status_code, response.get("Content-Type", ""), response.content)
    return rendered


_pages_by_marker = {}


def pages_showing(client, world):
    """``{marker token: names of the world's pages that show it}``, found once."""
    if not _pages_by_marker:
        for name, page in render(client, world.page_urls()).items():
            if page.status != 200:
                continue
            text = page.body.decode("utf-8", "replace")
            for token in set(re.findall(r"mk\d{3}qz", text)):
                _pages_by_marker.setdefault(token, set()).add(name)
    return _pages_by_marker


FREE_TEXT_ATTRIBUTES = {
    "content",
    "href",
    "title",
    "value",
    "aria-label",
    "alt",
    "id",
    "aria-labelledby",
    "label",
    "placeholder",
    "datetime",
}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "data", "background"}
ACTIVE_ELEMENTS = {
    "script", "style", "iframe", "frame", "object", "embed", "form", "input", "button", "textarea",
    "select", "meta", "link", "base", "img", "video", "audio", "source", "svg", "math", "template",
}  # fmt: skip
SAFE_SCHEMES = {"http", "https", "mailto"}
# What browsers ignore in an address before reading its scheme.
_IGNORED_IN_URLS = re.compile(r"^[\x00-\x20]+|[\t\n\r]")
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f-\x9f\ufffd]+")


def normalized(text):
    return _SPACE_OR_CONTROL.sub(" ", text).strip()


def elements(root):
    """(tag, attributes) of every element under ``root``, in document order."""
    return [(element.tag, dict(element.attrib)) for element in root.iter() if isinstance(element.tag, str)]


def parse_html(body):
    return html5lib.parse(body, treebuilder="etree", namespaceHTMLElements=False)


def url_meaning(tag, attributes, name):
    """Scheme and host of an address attribute ("" for a relative address)."""
    value = attributes[name]
    if tag == "meta" and name == "content":
        if attributes.get("property") != "og:url":
            return None
    elif name not in URL_ATTRIBUTES:
        return None
    parts = urlsplit(value.strip())
    return parts.scheme.lower(), parts.netloc.lower()


def check_invariants(name, document, baseline):
    """What no stored text may ever do to a page, whatever the field and value."""
    counts = {}
    for tag, _ in elements(baseline):
        counts[tag] = counts.get(tag, 0) + 1
    seen = {}
    scripts = {attributes.get("src") for tag, attributes in elements(baseline) if tag == "script"}
    for tag, attributes in elements(document):
        seen[tag] = seen.get(tag, 0) + 1
        if tag in ACTIVE_ELEMENTS:
            assert seen[tag] <= counts.get(tag, 0), f"{name}: a new <{tag}> element"
        if tag == "script":
            assert attributes.get("src") in scripts, f"{name}: a new script {attributes}"
        for attribute, value in attributes.items():
            assert not attribute.lower().startswith("on"), f"{name}: an event handler {attribute}"
            if url_meaning(tag, attributes, attribute) is not None:
                scheme = _SCHEME.match(_IGNORED_IN_URLS.sub("", value))
                assert scheme is None or scheme.group(1).lower() in SAFE_SCHEMES, (
                    f"{name}: <{tag} {attribute}={value!r}>"
                )


def check_same_document(name, document, baseline, hostile, harmless_value, carried=True):
    """The same elements and attributes, values that carry text aside; with
    ``carried``, where the harmless text reached an attribute, the hostile text
    reaches it as typed."""
    found, expected = elements(document), elements(baseline)
    signatures = [(tag, sorted(attributes)) for tag, attributes in found]
    expected_signatures = [(tag, sorted(attributes)) for tag, attributes in expected]
    if signatures != expected_signatures:
        first = next(
            (
                i
                for i, (one, other) in enumerate(zip(signatures, expected_signatures, strict=False))
                if one != other
            ),
            min(len(signatures), len(expected_signatures)),
        )
        pytest.fail(
            f"{name}: the elements or attributes changed at element {first}: "
            f"{found[first : first + 2]} instead of {expected[first : first + 2]}"
        )
    for (tag, attributes), (_, expected_attributes) in zip(found, expected, strict=True):
        for attribute, value in attributes.items():
            wanted = expected_attributes[attribute]
            if value == wanted:
                continue
            assert attribute in FREE_TEXT_ATTRIBUTES, f"{name}: <{tag} {attribute}> changed to {value!r}"
            meaning = url_meaning(tag, attributes, attribute)
            assert meaning == url_meaning(tag, expected_attributes, attribute), (
                f"{name}: <{tag} {attribute}> now leads elsewhere: {value!r}"
            )
            if carried and normalized(harmless_value) in normalized(wanted):
                assert normalized(hostile) in normalized(value), (
                    f"{name}: <{tag} {attribute}> does not carry the text as typed: {value!r}"
                )


def check_new_elements_allowed(name, document, baseline, markdown):
    """Only elements and attributes the page already has (or, for Markdown,
    that the sanitiser allows)."""
    known = {(tag, frozenset(attributes)) for tag, attributes in elements(baseline)}
    hosts = {url_meaning(tag, a, n) for tag, a in elements(baseline) for n in a} - {None}
    for tag, attributes in elements(document):
        if (tag, frozenset(attributes)) in known:
            if not markdown:
                for attribute in attributes:
                    meaning = url_meaning(tag, attributes, attribute)
                    assert meaning is None or meaning in hosts, f"{name}: <{tag} {attribute}> leads elsewhere"
            continue
        assert markdown and tag in markup.ALLOWED_TAGS, f"{name}: a new <{tag} {sorted(attributes)}>"
        allowed = set(markup.ALLOWED_ATTRIBUTES.get(tag, ()))
        assert set(attributes) <= allowed, f"{name}: <{tag}> with {sorted(attributes)}"


def json_ld(head):
    return [
        element.text or ""
        for element in head.iter("script")
        if element.attrib.get("type") == "application/ld+json"
    ]


def shape(data):
    if isinstance(data, dict):
        return {key: shape(value) for key, value in data.items()}
    if isinstance(data, list):
        return [shape(value) for value in data]
    return type(data).__name__


def check_json_carries(name, found, expected, hostile, harmless_value):
    if isinstance(expected, dict):
        for key in expected:
            check_json_carries(name, found[key], expected[key], hostile, harmless_value)
    elif isinstance(expected, list):
        for one, other in zip(found, expected, strict=True):
            check_json_carries(name, one, other, hostile, harmless_value)
    elif expected == harmless_value:
        assert found == hostile, f"{name}: the JSON-LD does not carry the text as typed"


def check_json_ld(name, document, baseline, hostile, harmless_value, exact):
    blocks, expected_blocks = json_ld(document), json_ld(baseline)
    assert len(blocks) == len(expected_blocks), f"{name}: JSON-LD blocks were added or lost"
    for block, expected_block in zip(blocks, expected_blocks, strict=True):
        assert "</script" not in block.lower() and "<!--" not in block, f"{name}: JSON-LD breaks out"
        data, expected = json.loads(block), json.loads(expected_block)
        assert shape(data) == shape(expected), f"{name}: the JSON-LD changed shape"
        if exact:
            check_json_carries(name, data, expected, hostile, harmless_value)


def xml_shape(body):
    root = ElementTree.fromstring(body)
    return [(element.tag, sorted(element.attrib)) for element in root.iter()], root


def compare(name, page, baseline, hostile, harmless_value, *, accepted, exact, markdown):
    assert page.status < 500, f"{name}: a server error"
    if accepted:
        assert page.status == baseline.status, f"{name}: {page.status} instead of {baseline.status}"
    if page.status != 200 or baseline.status != 200:
        return
    kind = page.content_type.split(";")[0]
    if kind == "text/html":
        document, expected = parse_html(page.body), parse_html(baseline.body)
        check_invariants(name, document, expected)
        check_json_ld(name, document.find("head"), expected.find("head"), hostile, harmless_value, exact)
        if not accepted:
            return
        head, expected_head = document.find("head"), expected.find("head")
        check_same_document(name, head, expected_head, hostile, harmless_value, carried=not markdown)
        if exact:
            check_same_document(name, document.find("body"), expected.find("body"), hostile, harmless_value)
        else:
            check_new_elements_allowed(name, document.find("body"), expected.find("body"), markdown)
    elif kind in ("application/atom+xml", "application/xml", "application/rss+xml"):
        found, root = xml_shape(page.body)
        assert found == xml_shape(baseline.body)[0], f"{name}: the XML changed shape"
        for element in root.iter():
            if element.tag.endswith("}loc"):
                assert element.text.startswith("http://testserver/"), f"{name}: {element.text!r}"
    elif kind == "application/json":
        data, expected = json.loads(page.body), json.loads(baseline.body)
        assert set(data) == set(expected), f"{name}: the JSON changed keys"


# Loose comparison: pages whose shape follows the words of the text.
WORD_SHAPED_PAGES = ("diff", "wiki:search", "wiki:recent_feed")
# The feed and the sitemap are rendered for every field: they must stay valid XML.
ALWAYS = ("wiki:recent_feed", "sitemap")


# Defects that live outside this test's files, each to be fixed where it lives.
# Strict: when the fix comes, the test passes and the mark must go.
KNOWN_DEFECTS = {}


def field_id(model, model_field):
    return f"{model._meta.label}.{model_field.name}"


def field_params():
    for model, model_field in FIELDS:
        defect = KNOWN_DEFECTS.get(field_id(model, model_field))
        marks = [pytest.mark.xfail(strict=True, reason=defect)] if defect else []
        yield pytest.param(model, model_field, marks=marks, id=field_id(model, model_field))


def pages_for(world, by_marker, model, model_field):
    """Names of the pages that show the field: those that show its marker; for a
    choice, or a field no page shows as written, those that show the row's other
    fields, else those of the rows it refers to."""
    names = set(by_marker.get(world.markers.get((model, model_field.name)), ()))
    for related in ({model}, {f.related_model for f in model._meta.concrete_fields if f.many_to_one}):
        if not names:
            tokens = [token for (other, _), token in world.markers.items() if other in related]
            names = set().union(*(by_marker.get(token, set()) for token in tokens))
    return names | set(ALWAYS)


@contextmanager
def world_for_the_module(django_db_blocker, prepare=None):
    """``build_world()`` once for a test module, in a transaction rolled back
    after its last test; each test's own changes roll back to it."""
    home = SimpleNamespace()
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world(home)
        if prepare is not None:
            prepare(world)
        with override_settings(WIKI_HOME_PAGE=home.WIKI_HOME_PAGE):
            yield world
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker):
    with world_for_the_module(django_db_blocker) as world:
        yield world


@pytest.fixture
def world(module_world, db):
    return module_world


def test_the_fields_come_from_the_models_and_the_world_has_a_row_and_a_marker_for_each(world):
    names = {field_id(model, model_field) for model, model_field in FIELDS}
    for expected in (
        "wiki.Category.description",
        "wiki.Alias.note",
        "wiki.Reference.url",
        "auth.User.username",
    ):
        assert expected in names
    assert "characters.Character.title" in names and "characters.Character.occupation" in names
    assert "wiki.Page.title" not in names, "Page's fields are tested on each kind"
    for model, model_field in FIELDS:
        assert model in world.rows, f"build_world() makes no {model._meta.label}"
        if not model_field.choices:
            assert (model, model_field.name) in world.markers, field_id(model, model_field)


@pytest.mark.parametrize(("model", "model_field"), field_params())
def test_hostile_text_in_a_field_adds_nothing_to_the_pages_that_show_it(
    client, world, settings, model, model_field
):
    names = pages_for(world, pages_showing(client, world), model, model_field)
    row = world.row(model)
    markdown = is_markdown(model_field)
    known_defect = field_id(model, model_field) in KNOWN_DEFECTS

    @hypothesis_settings(
        max_examples=EXAMPLES_PER_FIELD,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        # A known defect fails at once; finding its smallest example only costs time.
        phases=[Phase.explicit, Phase.generate] if known_defect else list(Phase),
    )
    @given(value=value_strategy(model_field))
    @example(value=explicit_values(model_field)[0])
    @example(value=explicit_values(model_field)[1])
    def check(value):
        value = fitted(value, model_field)
        calm = harmless(value, model_field)
        accepted = accepted_by_a_form(row, model_field, value)
        store(world, settings, model, model_field, calm)
        before = render(client, {n: url for n, url in world.page_urls().items() if n in names})
        try:
            store(world, settings, model, model_field, value)
        except (DataError, ValueError):
            # The database refuses it (PostgreSQL: a NUL), as a form would.
            assert not accepted
            reject()
        after = render(client, {n: url for n, url in world.page_urls().items() if n in names})
        for name, page in after.items():
            if name in before:
                exact = not markdown and not name.startswith(WORD_SHAPED_PAGES)
                compare(
                    name, page, before[name], value, calm, accepted=accepted, exact=exact, markdown=markdown
                )

    check()
