"""An Atom feed of recent changes, for following the wiki's edits in a feed reader.

Django's feed framework escapes what it writes as XML; editors' text goes
through ``wiki.seo.xml_text`` first, which drops the characters XML cannot carry."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from wiki import reading
from wiki.models import Page, Revision
from wiki.seo import xml_text

FEED_LENGTH = 50
# Who made the edits no editor signed: the fixtures' text, the first recorded state.
MAINTAINERS = "Wiki maintainers"


class RecentChangesFeed(Feed):
    feed_type = Atom1Feed
    title = f"{settings.WIKI_SITE_NAME}: recent changes"
    subtitle = f"The latest edits to every page of {settings.WIKI_SITE_NAME}."
    link = reverse_lazy("wiki:recent")
    feed_url = reverse_lazy("wiki:recent_feed")

    def items(self):
        # At a reading limit (``?upto=`` in the feed's address), only the pages the reader has met.
        return Revision.objects.recent().filter(page__in=Page.objects.met())[:FEED_LENGTH]

    def item_title(self, revision):
        return xml_text(f"{revision.title} (revision {revision.number})")

    def item_description(self, revision):
        # Atom summaries are HTML; the edit summary is plain text an editor typed.
        if not reading.current().is_everything:
            return (
                "<p>Edit summaries are not shown at a reading limit: they may tell any part of the story.</p>"
            )
        summary = escape(xml_text(revision.summary)) if revision.summary else "No edit summary."
        return f"<p>{summary}</p><p>{revision.size_change:+d} characters.</p>"

    def item_link(self, revision):
        return revision.get_absolute_url()

    def item_author_name(self, revision):
        return xml_text(revision.user.get_username()) if revision.user else MAINTAINERS

    def item_pubdate(self, revision):
        return revision.created_at

    def item_updateddate(self, revision):
        return revision.created_at
