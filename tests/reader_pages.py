"""One address of every kind of page a reader can land on, picked from the real
content, for the checks that run over all of them (HTML validity, axe, screenshots)."""

from dataclasses import dataclass

from django.urls import reverse

from articles.models import Article, Organization
from characters.models import Character, Person
from episodes.models import Episode, Season
from wiki.models import Category

MAIN_CHARACTER = "James Blood"


@dataclass(frozen=True)
class ReaderPage:
    name: str
    url: str
    status: int = 200


def record_an_edit(page):
    """Edit ``page`` through the write path, so it has two revisions to compare."""
    page.lead += " He works in London."
    page.save(summary="Say where he works")
    return page.revisions.first()


def reader_pages():
    """Home, indexes, one page of each kind, search results, history, a diff,
    recent changes and a 404, from the content fixtures (which must be loaded).
    Records one edit of the main character, so the history pages have rows."""
    character = Character.objects.get(title=MAIN_CHARACTER)
    edit = record_an_edit(character)
    episode = Episode.objects.in_order().filter(appearances__isnull=False).first()
    person = Person.objects.voice_actors().order_by("title").first()
    organization = Organization.objects.filter(sphere=Organization.Sphere.FICTIONAL).order_by("title").first()
    article = Article.objects.filter(is_disambiguation=False).order_by("title").first()
    disambiguation = Article.objects.filter(is_disambiguation=True).order_by("title").first()
    season = Season.objects.order_by("work", "number").first()
    category = Category.objects.order_by("name").first()
    not_met = Character.objects.get(title="Tina Herst")
    return [
        ReaderPage("home", "/"),
        ReaderPage("episode-list", reverse("episodes:list")),
        ReaderPage("season", season.get_absolute_url()),
        ReaderPage("episode", episode.get_absolute_url()),
        ReaderPage("character", character.get_absolute_url()),
        ReaderPage("characters", reverse("characters:index")),
        ReaderPage("cast", reverse("characters:cast")),
        ReaderPage("person", person.get_absolute_url()),
        ReaderPage("people", reverse("characters:people")),
        ReaderPage("organization", organization.get_absolute_url()),
        ReaderPage("organizations", reverse("articles:organizations")),
        ReaderPage("category", category.get_absolute_url()),
        ReaderPage("categories", reverse("wiki:categories")),
        ReaderPage("article", article.get_absolute_url()),
        ReaderPage("disambiguation", disambiguation.get_absolute_url()),
        ReaderPage("all-pages", reverse("wiki:index")),
        ReaderPage("search", f"{reverse('wiki:search')}?q=mask"),
        ReaderPage("history", reverse("wiki:history", args=[character.pk])),
        ReaderPage("diff", edit.get_absolute_url()),
        ReaderPage("backlinks", reverse("wiki:backlinks", args=[character.pk])),
        ReaderPage("recent-changes", reverse("wiki:recent")),
        ReaderPage("appearances", reverse("episodes:appearances")),
        ReaderPage("timeline", reverse("episodes:timeline")),
        ReaderPage("relationships", reverse("characters:relationships")),
        ReaderPage("reading-limit", reverse("wiki:reading")),
        ReaderPage("source", reverse("wiki:source")),
        ReaderPage("character-at-a-limit", f"{character.get_absolute_url()}?upto=s1e8"),
        ReaderPage("not-met-yet", f"{not_met.get_absolute_url()}?upto=s1e3"),
        ReaderPage("not-found", "/no-such-page/", status=404),
    ]
