"""What readers read about the wiki's own workings: edits the fixtures made
say what they are and who made them; infoboxes read as encyclopedia text."""

import re

import pytest

from wiki import markup
from wiki.models import Page

pytestmark = pytest.mark.django_db


def test_fixture_pages_history_and_infoboxes_read_as_encyclopedia_text(content, client):
    sarah = Page.objects.get(slug="sarah-sinclair")
    history = client.get(f"/pages/{sarah.pk}/history/").content.decode()
    assert "Initial text from the source article" in history
    assert "Wiki maintainers" in history
    diff = client.get(f"/pages/{sarah.pk}/diff/?to=1").content.decode()
    assert "Wiki maintainers" in diff
    recent = client.get("/recent-changes/").content.decode()
    feed = client.get("/recent-changes/feed/").content.decode()
    assert "Initial text from the source article" in recent and "Initial text from the source article" in feed
    assert "<name>Wiki maintainers</name>" in feed
    for html in (history, diff, recent, feed):
        assert "fixtures" not in html.lower()

    ssc = client.get("/organizations/special-services-command/").content.decode()
    assert '<th scope="row">Type</th><td>Fictional police division</td>' in ssc
    studio = client.get("/organizations/studio-pierrot/").content.decode()
    assert '<th scope="row">Type</th><td>Animation studio</td>' in studio
    for html in (ssc, studio):
        assert "Sphere" not in html and "In the story" not in html


def test_editorial_notes_outside_the_inconsistencies_page_do_not_speak_of_the_wiki(content):
    """Notes read as an encyclopedia's explanatory notes: the citations
    attribute, and no note names "the wiki"; only the page about the source
    says how this encyclopedia records it."""
    notes = [
        (page.title, field, note)
        for page in Page.objects.exclude(title="Source inconsistencies")
        for field in ("lead", "body")
        for pattern in (markup.EDITORIAL_BLOCK_RE, markup.EDITORIAL_INLINE_RE)
        for note in pattern.findall(getattr(page, field))
    ]
    assert len(notes) > 20
    self_reference = re.compile(r"\b(?:the|this) wiki\b", re.IGNORECASE)
    assert [(title, field, note) for title, field, note in notes if self_reference.search(note)] == []
