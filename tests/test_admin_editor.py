"""The wiki editor's views in the admin: the preview is the HTML the page will
show, "Show changes" is the history's diff of the form against the saved
page, ``[[`` completion offers titles at "everything", and every view is for
staff who may edit the page, by POST with a CSRF token, with bounded input."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from characters.models import Character
from tests.admin_forms import admin_form_data
from tests.factories import ArticleFactory, CharacterFactory, StaffUserFactory, UserFactory
from wiki.editor import MAX_TEXT_CHARS

pytestmark = pytest.mark.django_db

PREVIEW_URL = reverse("admin:characters_character_preview")
CHANGES_URL = reverse("admin:characters_character_changes")
TITLES_URL = reverse("admin:characters_character_titles")
PREVIEW_TEXT_RE = re.compile(
    r'^<div class="wiki-preview__text">(.*)</div>\s*(?:<section class="wiki-preview__references"|$)',
    re.DOTALL,
)

# Pieces of the wiki's own syntax and of hostile HTML, to be shuffled together.
MARKDOWN_PIECES = [
    "[[Sarah Sinclair]]",
    "[[Sarah Sinclair|Sarah]]",
    "[[No Such Page]]",
    "[[",
    "]]",
    "|",
    "[^introduction-1]",
    "[^season-1-4]",
    "[^16]",
    "[^no-such-sentence]",
    "{{reveal s2e3|",
    "{{reveal s1e1}}\n",
    "\n{{/reveal}}\n",
    "{{editorial|",
    "{{editorial}}\n",
    "\n{{/editorial}}\n",
    "}}",
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '<a href="data:text/html,x">x</a>',
    "&lt;&amp;&#0;",
    "**bold**",
    "*",
    "`code`",
    "\n\n",
    "\n",
    "## Heading\n",
    "# Title\n",
    "- item\n",
    "| a | b |\n|---|---|\n| [[Sarah Sinclair\\|S]] | c |\n",
    "    indented\n",
    "\r\n",
    "<!--",
    "-->",
    "James Blood",
]
markdown_texts = st.lists(
    st.sampled_from(MARKDOWN_PIECES)
    | st.text(alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=12),
    max_size=12,
).map("".join)


@pytest.fixture
def editor_client(client):
    client.force_login(StaffUserFactory())
    return client


@pytest.fixture
def sarah():
    return ArticleFactory(title="Sarah Sinclair")


@pytest.fixture
def character(sarah):
    return CharacterFactory(title="James Blood", lead="James Blood is an inspector.[^introduction-1]")


def preview(client, page, field, **texts):
    data = {"field": field, "page": page.pk if page else "", **texts}
    return client.post(PREVIEW_URL, data)


def preview_text(response):
    assert response.status_code == 200, response.content
    match = PREVIEW_TEXT_RE.match(response.content.decode().strip())
    assert match, response.content
    return match.group(1)


@hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lead=markdown_texts, body=markdown_texts)
def test_preview_is_the_html_the_page_shows_for_any_markdown(editor_client, character, lead, body):
    lead_preview = preview_text(preview(editor_client, character, "lead", lead=lead, body=body))
    body_preview = preview_text(preview(editor_client, character, "body", lead=lead, body=body))
    page = Character.objects.get(pk=character.pk)
    # What the change form saves: stripped, with LF line breaks.
    page.lead, page.body = (text.replace("\r\n", "\n").strip() for text in (lead, body))
    page.save(summary="Hostile text")
    shown = editor_client.get(page.get_absolute_url()).content.decode()
    assert f'<div class="lead">{lead_preview}</div>' in shown
    assert body_preview in shown
    for fragment in (lead_preview, body_preview):
        assert "<script" not in fragment and "onerror" not in fragment and "javascript:" not in fragment


def test_preview_resolves_links_and_numbers_citations_as_the_page(editor_client, character, sarah):
    response = preview(
        editor_client,
        character,
        "body",
        lead="Works for the SSC.[^introduction-1]",
        body="He works with [[Sarah Sinclair]] and [[Nobody Yet]].[^season-1-4]",
    )
    html = response.content.decode()
    assert re.search(rf'<a href="{sarah.get_absolute_url()}"[^>]*>Sarah Sinclair</a>', html)
    assert 'class="new"' in html and "Nobody+Yet" in html  # a red link to the add form
    # The lead cites reference 1, so the body's first citation is reference 2.
    assert re.search(r'<sup class="reference" id="cite-ref-2-1"><a href="#cite-note-2">\[2\]</a></sup>', html)
    assert '<li value="2">' in html and "season-1-4" in html
    assert "introduction-1" not in html  # only this text's references are listed


def test_preview_keeps_the_saved_text_of_a_field_not_posted(editor_client, character):
    html = preview_text(preview(editor_client, character, "lead"))
    assert "James Blood is an inspector." in html


def test_preview_of_a_page_not_saved_yet(editor_client, sarah):
    html = preview_text(preview(editor_client, None, "lead", lead="A new friend of [[Sarah Sinclair]]."))
    assert f'href="{sarah.get_absolute_url()}"' in html


@pytest.mark.parametrize("url", [PREVIEW_URL, CHANGES_URL])
def test_editor_posts_refuse_get(editor_client, url):
    assert editor_client.get(url).status_code == 405


def test_titles_refuses_post(editor_client):
    assert editor_client.post(TITLES_URL, {"q": "Sa"}).status_code == 405


@pytest.mark.parametrize("url", [PREVIEW_URL, CHANGES_URL])
def test_oversized_text_is_refused_with_a_message(editor_client, character, url):
    response = editor_client.post(
        url, {"field": "lead", "page": character.pk, "lead": "x" * (MAX_TEXT_CHARS + 1)}
    )
    assert response.status_code == 400
    assert f"Lead is {MAX_TEXT_CHARS + 1:,} characters long" in response.content.decode()


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"field": "title"}, 400, "The field to preview must be one of: lead, body."),
        ({"field": "lead", "page": "1; DROP TABLE"}, 400, "The page id must be a whole number."),
        ({"field": "lead", "page": "9" * 30}, 400, "The page id must be a whole number."),
        ({"field": "lead", "page": "999999"}, 404, "No character has the id 999999."),
    ],
)
def test_bad_preview_parameters_are_refused_with_a_message(editor_client, data, status, message):
    response = editor_client.post(PREVIEW_URL, data)
    assert response.status_code == status
    assert response.content.decode() == message


def test_editor_views_are_for_staff_only(client, character):
    login = reverse("admin:login")
    response = client.post(PREVIEW_URL, {"field": "lead", "page": character.pk})
    assert response.status_code == 302 and response["Location"].startswith(login)
    client.force_login(UserFactory())
    response = client.get(TITLES_URL, {"q": "Sa"})
    assert response.status_code == 302 and response["Location"].startswith(login)


def test_staff_who_may_not_change_the_kind_are_forbidden(client, character):
    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_character"))
    client.force_login(clerk)
    assert client.post(PREVIEW_URL, {"field": "lead", "page": character.pk}).status_code == 403
    assert client.post(CHANGES_URL, {"page": character.pk}).status_code == 403
    assert client.get(TITLES_URL, {"q": "Sa"}).status_code == 403
    clerk.user_permissions.add(Permission.objects.get(codename="change_character"))
    client.force_login(clerk)
    assert client.post(PREVIEW_URL, {"field": "lead", "page": character.pk}).status_code == 200


def test_editor_posts_need_the_csrf_token(character):
    client = Client(enforce_csrf_checks=True)
    client.force_login(StaffUserFactory())
    assert client.post(PREVIEW_URL, {"field": "lead", "page": character.pk}).status_code == 403


def change_form(client, page):
    return client.get(reverse("admin:characters_character_change", args=[page.pk]))


def test_changes_show_inserted_and_removed_text(editor_client, character):
    data = admin_form_data(
        change_form(editor_client, character),
        lead="James Blood is a detective inspector.[^introduction-1]",
        occupation="Detective",
    )
    data["page"] = character.pk
    html = editor_client.post(CHANGES_URL, data).content.decode()
    assert "<h3" in html and "Lead</h3>" in html and "Occupation</h3>" in html
    assert "<del>an</del>" in html
    assert "<ins>a detective</ins>" in html
    assert "<ins>Detective</ins>" in html
    character.refresh_from_db()
    assert character.lead == "James Blood is an inspector.[^introduction-1]"  # nothing was saved


def test_changes_of_an_unchanged_form_say_so(editor_client, character):
    data = admin_form_data(change_form(editor_client, character))
    data["page"] = character.pk
    html = editor_client.post(CHANGES_URL, data).content.decode()
    assert "No changes: the form says what the saved page says." in html
    assert "<ins>" not in html and "<del>" not in html


def test_changes_escape_what_the_editor_typed(editor_client, character):
    lead = f"{character.lead} <script>alert(1)</script>"
    data = admin_form_data(change_form(editor_client, character), lead=lead)
    data["page"] = character.pk
    html = editor_client.post(CHANGES_URL, data).content.decode()
    assert "<script>" not in html and "<ins> &lt;script&gt;alert(1)&lt;/script&gt;</ins>" in html


def test_changes_name_fields_compared_as_saved_because_invalid(editor_client, character):
    data = admin_form_data(change_form(editor_client, character), role="not-a-role", lead="New lead.")
    data["page"] = character.pk
    html = editor_client.post(CHANGES_URL, data).content.decode()
    assert "Compared as saved, because what the form says is not valid: Role." in html
    assert "<ins>New lead.</ins>" in html or "<ins>New</ins>" in html


def test_changes_of_a_new_page_show_everything_added(editor_client, character):
    response = editor_client.get(reverse("admin:characters_character_add"))
    data = admin_form_data(response, title="Theo Herst", slug="theo-herst", lead="A suspect.")
    html = editor_client.post(CHANGES_URL, data).content.decode()
    assert "<ins>Theo Herst</ins>" in html and "<ins>A suspect.</ins>" in html


def test_titles_suggest_pages_at_everything_whatever_the_reading_limit(editor_client, character):
    editor_client.cookies["upto"] = "start"
    later = CharacterFactory(title="Sarah Sinclair-Later", revealed_at=20)
    response = editor_client.get(TITLES_URL, {"q": "sarah"})
    titles = [result["title"] for result in response.json()["results"]]
    assert {"Sarah Sinclair", later.title} <= set(titles)
    assert "upto" not in response.cookies


def test_titles_refuse_a_long_query(editor_client):
    response = editor_client.get(TITLES_URL, {"q": "x" * 201})
    assert response.status_code == 400
    assert "at most 200 characters" in response.content.decode()


def test_change_form_marks_and_sizes_the_markdown_text_areas(editor_client, character):
    html = change_form(editor_client, character).content.decode()
    for field in ("lead", "body"):
        textarea = re.search(rf'<textarea name="{field}"[^>]*>', html).group(0)
        assert 'rows="20"' in textarea and f'data-markdown="{field}"' in textarea
    assert re.search(r'<script src="/static/js/editor\.js', html)
    assert 'href="/static/css/editor.css"' in html
    assert f'data-preview-url="{PREVIEW_URL}"' in html and f'data-page="{character.pk}"' in html
    assert "<script>" not in html.replace('<script src="', "")


def test_citation_picker_lists_the_pages_references_with_their_numbers(editor_client, character):
    html = change_form(editor_client, character).content.decode()
    cited = html.split("Cited on this page, by reference number", 1)[1].split("</ul>", 1)[0]
    assert 'data-cite="introduction-1"><span class="wiki-cite__number">1</span>' in cited
    assert 'data-cite="season-2-3"' in html  # every sentence of the source is offered
    assert "{{reveal s2e3|" in html  # the syntax help


def test_change_form_has_one_history_button_the_wikis(editor_client, character):
    html = change_form(editor_client, character).content.decode()
    tools = html.split('<ul class="object-tools">', 1)[1].split("</ul>", 1)[0]
    history = reverse("wiki:history", args=[character.pk])
    assert re.findall(r'<a href="([^"]*)" class="historylink">History</a>', tools) == [history]
    assert tools.count("History") == 1
    admin_history = reverse("admin:characters_character_history", args=[character.pk])
    response = editor_client.get(admin_history)
    assert response.status_code == 302 and response["Location"] == history
