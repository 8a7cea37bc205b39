"""What readers read about the wiki's own workings: edits the fixtures made
say what they are and who made them; infoboxes read as encyclopedia text."""

import pytest

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
