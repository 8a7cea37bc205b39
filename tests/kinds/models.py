"""A page kind that exists only in the tests: a song (an opening or ending
theme). It is declared here and nowhere else, to show that a kind gets its
address, search, history, backlinks, sitemap entry and cache invalidation
from the engine without any engine edit."""

from django.db import models

from wiki.models import Page, PageQuerySet, page_link


class SongQuerySet(PageQuerySet):
    pass


class Song(Page):
    url_prefix = "songs"
    autolinked = True
    open_graph_type = "music.song"

    page_ptr = page_link()

    performer = models.CharField(max_length=200, blank=True)

    objects = SongQuerySet.as_manager()

    class Meta:
        ordering = ["title"]

    def structured_data(self, schema):
        data = schema.about(self, "MusicRecording")
        if self.performer:
            data["byArtist"] = {"@type": "MusicGroup", "name": self.performer}
        return [data]
