"""What search engines and link previews read about a page: its description,
canonical address, Open Graph type and schema.org structured data (JSON-LD).

The head of every page is filled from here (``templates/includes/seo.html``
through the ``seo`` template tags), so each page kind is described once.
Structured data is built from the same objects the page's view already loaded.
"""

import html
import json
import re

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils.html import format_html, strip_tags
from django.utils.safestring import mark_safe

from articles.models import Page, PageKind

SITE_NAME = "Hero Mask Wiki"
SCHEMA_CONTEXT = "https://schema.org"
# Wikidata's item for "fictional character": schema.org has no such type, so
# characters are Persons whose additionalType says they are fictional.
FICTIONAL_CHARACTER = "https://www.wikidata.org/wiki/Q95074"
DESCRIPTION_LENGTH = 160

OPEN_GRAPH_TYPES = {
    PageKind.WORK: "video.tv_show",
    PageKind.SEASON: "video.tv_show",
    PageKind.EPISODE: "video.episode",
    PageKind.PERSON: "profile",
}

_CITATION = re.compile(r"<sup\b[^>]*>.*?</sup>", re.DOTALL)
_WHITESPACE = re.compile(r"\s+")

# JSON inside <script> must not contain "</script>" or "<!--"; escaping <, >
# and & as JSON unicode escapes keeps the data identical for a JSON parser.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def plain_text(page):
    """The page's lead as one line of plain text, without citation markers."""
    text = strip_tags(_CITATION.sub("", str(page.lead_html)))
    return _WHITESPACE.sub(" ", html.unescape(text)).strip()


def description(page):
    """A meta description: the start of the lead, cut at a word boundary."""
    text = plain_text(page)
    if len(text) <= DESCRIPTION_LENGTH:
        return text
    cut = text[:DESCRIPTION_LENGTH].rsplit(" ", 1)[0].rstrip(",;:–—-")
    return f"{cut}…"


def is_main_work(page):
    return page.kind == PageKind.WORK and page.slug == settings.WIKI_MAIN_WORK_SLUG


def canonical_path(page):
    """The one address a page is known by; the main work's is the home page."""
    return "/" if is_main_work(page) else page.get_absolute_url()


def open_graph_type(page):
    return OPEN_GRAPH_TYPES.get(page.kind, "article")


def json_ld_script(data):
    """``data`` as a ``<script type="application/ld+json">`` element that no
    text inside it can close early."""
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))


class StructuredData:
    """Builds schema.org objects for one request, so URLs come out absolute."""

    def __init__(self, request):
        self.request = request

    def url(self, path):
        return self.request.build_absolute_uri(path)

    def page_url(self, page):
        return self.url(canonical_path(page))

    def reference(self, schema_type, page, **extra):
        """A short mention of another page: its type, name and address."""
        return {"@type": schema_type, "name": page.title, "url": self.page_url(page), **extra}

    def base(self, schema_type, page):
        data = {"@context": SCHEMA_CONTEXT, "@type": schema_type, "name": page.title}
        data["url"] = self.page_url(page)
        text = plain_text(page)
        if text:
            data["description"] = text
        return data

    def for_page(self, page):
        """The structured data items of ``page`` (a specific page-kind instance)."""
        builder = getattr(self, f"_{page.kind}", None)
        items = [builder(page)] if builder else []
        if is_main_work(page):
            items.append(self.website())
        return items

    def website(self):
        search = self.url(reverse("articles:search"))
        return {
            "@context": SCHEMA_CONTEXT,
            "@type": "WebSite",
            "name": SITE_NAME,
            "url": self.url("/"),
            "potentialAction": {
                "@type": "SearchAction",
                "target": {"@type": "EntryPoint", "urlTemplate": f"{search}?q={{search_term_string}}"},
                "query-input": "required name=search_term_string",
            },
        }

    def series_type(self, work):
        return "TVSeries" if work.medium == work.Medium.ANIME else "ComicSeries"

    def _article(self, page):
        data = self.base("WebPage" if page.is_disambiguation else "Article", page)
        data["headline"] = data.pop("name")
        data["datePublished"] = page.created_at
        data["dateModified"] = page.updated_at
        return data

    def _organization(self, page):
        data = self.base("Organization", page)
        if page.parent_id:
            data["parentOrganization"] = self.reference("Organization", page.parent)
        return data

    def _work(self, work):
        from episodes.models import Role, WorkCompany

        data = self.base(self.series_type(work), work)
        if work.native_title and work.native_title != work.title:
            data["alternateName"] = work.native_title
        if work.genre_list():
            data["genre"] = work.genre_list()
        if work.adaptation_of_id:
            data["isBasedOn"] = self.reference(self.series_type(work.adaptation_of), work.adaptation_of)
        credits = list(work.staff_credits.all())
        people = {
            "director": [Role.DIRECTOR],
            "musicBy": [Role.MUSIC],
            "author": [Role.MANGAKA, Role.WRITER, Role.SERIES_COMPOSITION],
        }
        for field, roles in people.items():
            matching = [self.reference("Person", credit.person) for credit in credits if credit.role in roles]
            if matching:
                data[field] = _unique(matching)
        companies = list(work.companies.all())
        producers = [
            self.reference("Organization", company.organization)
            for company in companies
            if company.role in (WorkCompany.Role.STUDIO, WorkCompany.Role.PRODUCER)
        ]
        if producers:
            data["productionCompany"] = _unique(producers)
        publishers = [
            self.reference("Organization", company.organization)
            for company in companies
            if company.role == WorkCompany.Role.PUBLISHER
        ]
        if publishers:
            data["publisher"] = _unique(publishers)
        if work.medium == work.Medium.ANIME:
            seasons = list(work.seasons.all())
            if seasons:
                data["numberOfSeasons"] = len(seasons)
                data["containsSeason"] = [
                    self.reference("TVSeason", season, seasonNumber=season.number) for season in seasons
                ]
                counts = [getattr(season, "episode_count", None) for season in seasons]
                if None not in counts:
                    data["numberOfEpisodes"] = sum(counts)
                starts = [getattr(season, "first_release", None) or season.release_date for season in seasons]
                if all(starts):
                    data["startDate"] = min(starts)
        return data

    def _season(self, season):
        data = self.base("TVSeason", season)
        data["seasonNumber"] = season.number
        data["partOfSeries"] = self.reference(self.series_type(season.work), season.work)
        start = season.release_date or getattr(season, "first_release", None)
        if start:
            data["startDate"] = start
        episodes = list(season.episodes.all())
        if episodes:
            data["numberOfEpisodes"] = len(episodes)
            data["episode"] = [
                self.reference("TVEpisode", episode, episodeNumber=episode.number) for episode in episodes
            ]
        return data

    def _episode(self, episode):
        season = episode.season
        data = self.base("TVEpisode", episode)
        data["episodeNumber"] = episode.number
        data["partOfSeason"] = self.reference("TVSeason", season, seasonNumber=season.number)
        data["partOfSeries"] = self.reference(self.series_type(season.work), season.work)
        if episode.release_date:
            data["datePublished"] = episode.release_date
        if episode.runtime_minutes:
            data["timeRequired"] = f"PT{episode.runtime_minutes}M"
        characters = [appearance.character for appearance in episode.appearances.all()]
        if characters:
            data["character"] = [
                self.reference("Person", character, additionalType=FICTIONAL_CHARACTER)
                for character in sorted(characters, key=lambda character: character.title)
            ]
        return data

    def _character(self, character):
        """A fictional character: a Person marked as fictional, the subject of
        the series, whose voice actors are the series' ``actor`` credits for
        this character (schema.org's PerformanceRole pattern)."""
        from episodes.models import Work

        data = self.base("Person", character)
        data["additionalType"] = FICTIONAL_CHARACTER
        if character.occupation:
            data["jobTitle"] = character.occupation
        affiliations = [self.reference("Organization", org) for org in character.affiliations.all()]
        if affiliations:
            data["affiliation"] = affiliations
        series = Work.objects.filter(slug=settings.WIKI_MAIN_WORK_SLUG).first()
        if series:
            subject_of = self.reference(self.series_type(series), series)
            roles = [
                {
                    "@type": "PerformanceRole",
                    "actor": self.reference("Person", credit.person),
                    "characterName": character.title,
                    "roleName": f"Voice ({credit.get_language_display()})",
                }
                for credit in character.voice_credits.all()
            ]
            if roles:
                subject_of["actor"] = roles
            data["subjectOf"] = subject_of
        return data

    def _person(self, person):
        """A real person, with what they did for the series as job titles."""
        data = self.base("Person", person)
        jobs = ["Voice actor"] if person.voice_credits.all() else []
        jobs += [credit.get_role_display() for credit in person.staff_credits.all()]
        if jobs:
            data["jobTitle"] = list(dict.fromkeys(jobs))
        return data


def _unique(references):
    """``references`` without repeats, in their first order."""
    seen, unique = set(), []
    for reference in references:
        if reference["url"] not in seen:
            seen.add(reference["url"])
            unique.append(reference)
    return unique


def page_of_request(context):
    """The page a template is showing as its own page, or None on list,
    history and search pages (whose context may also hold a page)."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    if match is None:
        return None
    for key in ("object", "page"):
        candidate = context.get(key)
        if isinstance(candidate, Page):
            detail = Page.model_for_kind(candidate.kind).detail_url_name
            if match.view_name == detail or request.path == "/":
                return candidate
    return None
