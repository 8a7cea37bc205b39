"""What the API answers: one pydantic schema per shape (the OpenAPI document is
made from them), and the functions that fill them from the models.

Everything is read at the reader's limit (``wiki.reading.current()``), with
the QuerySet methods and model methods the pages use: a page the reader has
not met is never listed, and a link to one is ``null``; a page's text is its
rendering at the limit, as its page shows it. Addresses are absolute, so
that a program on another site can follow them.
"""

from datetime import date, datetime
from functools import cache

from django.urls import Resolver404, resolve, reverse
from ninja import Schema
from pydantic import Field

from characters.models import Language
from episodes.models import DatePrecision
from wiki import reading

# The page kinds the API answers for, by kind: the URL name of their operation is "api:<kind>".
API_KINDS = ("article", "organization", "character", "person", "work", "season", "episode")


# Addresses ---------------------------------------------------------------------------


@cache
def _api_prefix(name):
    marker = "slug-marker"
    return reverse(f"api:{name}", kwargs={"slug": marker})[: -len(marker) - 1]


def api_path(kind, slug):
    """The API address of a page of ``kind`` (or of a category), "" for a kind the API does not answer for."""
    if kind not in (*API_KINDS, "category"):
        return ""
    return f"{_api_prefix(kind)}{slug}/"


class Addresses:
    """Absolute addresses for one request."""

    def __init__(self, request):
        self.request = request

    def absolute(self, path):
        return self.request.build_absolute_uri(path) if path else None

    def page(self, page):
        """The link to ``page``: None if the reader has not met it."""
        if page is None or not page.is_met():
            return None
        return {
            "title": page.title,
            "kind": page.kind,
            "slug": page.slug,
            "url": self.absolute(page.get_absolute_url()),
            "api_url": self.absolute(api_path(page.kind, page.slug)),
        }

    def pages(self, pages):
        """Links to those of ``pages`` the reader has met."""
        return [link for link in map(self.page, pages) if link is not None]

    def of_path(self, path):
        """The API address of the page at the site's address ``path``, if it has one."""
        try:
            match = resolve(path)
        except Resolver404:
            return None
        if match.namespace == "pages" and "slug" in match.kwargs:
            return self.absolute(api_path(match.url_name, match.kwargs["slug"]))
        return None

    def category(self, category):
        return {
            "name": category.name,
            "slug": category.slug,
            "url": self.absolute(category.get_absolute_url()),
            "api_url": self.absolute(api_path("category", category.slug)),
        }


# The reading limit -----------------------------------------------------------------


class ReadingLimitOut(Schema):
    code: str = Field(description='"all" (everything), "start" (the premise only) or an episode: "s1e8".')
    label: str
    note: str = Field(description="Why a limit given in the address or cookie was ignored; empty if none.")


def reading_limit():
    limit = reading.current()
    return {"code": limit.code, "label": limit.label, "note": limit.note}


class Answer(Schema):
    reading_limit: ReadingLimitOut = Field(description="The limit the answer was read at (``?upto=``).")


class ErrorOut(Schema):
    detail: str


# Links ---------------------------------------------------------------------------------


class PageLinkOut(Schema):
    title: str
    kind: str
    slug: str
    url: str = Field(description="The page on the site.")
    api_url: str | None = Field(
        description="The page in the API; null for a kind the API has no operation for."
    )


class CategoryLinkOut(Schema):
    name: str
    slug: str
    url: str
    api_url: str


class PointOut(Schema):
    code: str
    label: str


def point(position):
    """The point of the story at ``position`` (None: the premise, shown as null)."""
    if position is None:
        return None
    found = reading.Timeline.by_position().get(position)
    return {"code": found.code, "label": found.label} if found else None


def ended_in(label):
    return label or None


# Pages ----------------------------------------------------------------------------------


class PageSummaryOut(PageLinkOut):
    first_met_in: PointOut | None = Field(
        description="The episode in which the story first shows the subject; null: known from the premise."
    )


class PageOut(Answer, PageSummaryOut):
    kind_label: str
    lead_html: str = Field(description="The lead as the page shows it at the reading limit (sanitised HTML).")
    body_html: str
    categories: list[CategoryLinkOut]
    updated_at: datetime


def page_summary(page, links):
    return {**links.page(page), "first_met_in": point(page.revealed_at)}


def page_detail(page, links):
    return {
        "reading_limit": reading_limit(),
        **page_summary(page, links),
        "kind_label": page.kind_label,
        "lead_html": str(page.lead_html),
        "body_html": str(page.body_html),
        "categories": [links.category(category) for category in page.categories_at_limit()],
        "updated_at": page.updated_at,
    }


class Paginated(Answer):
    count: int
    page: int
    pages: int
    per_page: int
    next: str | None
    previous: str | None


# Articles and organizations ------------------------------------------------------------


class ArticleSummaryOut(PageSummaryOut):
    is_disambiguation: bool


class ArticleOut(PageOut):
    is_disambiguation: bool


class ArticleListOut(Paginated):
    results: list[ArticleSummaryOut]


def article_summary(article, links):
    return {**page_summary(article, links), "is_disambiguation": article.is_disambiguation}


def article_detail(article, links):
    return {**page_detail(article, links), "is_disambiguation": article.is_disambiguation}


class OrganizationSummaryOut(PageSummaryOut):
    sphere: str = Field(description='"fictional" (in the story) or "real".')
    sphere_label: str
    organization_type: str


class MemberOut(Schema):
    character: PageLinkOut
    ended_in: str | None = Field(
        description="The episode that ended the membership, once the reader has seen it."
    )


class WorkRoleOut(Schema):
    work: PageLinkOut | None
    role: str
    role_label: str
    note: str


class OrganizationOut(PageOut, OrganizationSummaryOut):
    parent: PageLinkOut | None
    divisions: list[PageLinkOut]
    members: list[MemberOut]
    works: list[WorkRoleOut]


class OrganizationListOut(Paginated):
    results: list[OrganizationSummaryOut]


def organization_summary(organization, links):
    return {
        **page_summary(organization, links),
        "sphere": organization.sphere,
        "sphere_label": organization.get_sphere_display(),
        "organization_type": organization.organization_type,
    }


def organization_detail(organization, links):
    return {
        **page_detail(organization, links),
        **organization_summary(organization, links),
        "parent": links.page(organization.parent),
        "divisions": links.pages(organization.divisions.all()),
        "members": [
            {"character": links.page(membership.character), "ended_in": ended_in(membership.holds_until())}
            for membership in organization.memberships.all()
            if membership.character.is_met()
        ],
        "works": [credit_of(credit, "work", links) for credit in organization.work_roles.all()],
    }


def credit_of(credit, field, links):
    """A credit (staff, company) as the page of ``field`` and the role."""
    return {
        field: links.page(getattr(credit, field)),
        "role": credit.role,
        "role_label": credit.get_role_display(),
        "note": credit.note,
    }


# Characters and people -----------------------------------------------------------------


class CharacterSummaryOut(PageSummaryOut):
    role: str = Field(description='"main", "supporting", "antagonist", "minor", or "" for other characters.')
    role_label: str
    occupation: str = Field(description="Empty until the reading limit reveals it.")


class AffiliationOut(Schema):
    organization: PageLinkOut
    ended_in: str | None


class RelationshipOut(Schema):
    character: PageLinkOut
    description: str = Field(
        description="What the other character is to this one (with ``reverse``: this one to the other)."
    )
    reverse: bool
    ended_in: str | None


class VoiceOut(Schema):
    person: PageLinkOut
    language: str = Field(description='"ja" or "en".')
    language_label: str


class EpisodeLinkOut(PageLinkOut):
    season_number: int
    number: int
    number_overall: int
    code: str = Field(description='The episode as a reading limit: "s1e8".')


class AppearanceOut(Schema):
    episode: EpisodeLinkOut
    kind: str = Field(description='"appears", or "mentioned" (talked about, not there).')


class CharacterOut(PageOut, CharacterSummaryOut):
    affiliations: list[AffiliationOut]
    relationships: list[RelationshipOut]
    voice_cast: list[VoiceOut]
    appearances: list[AppearanceOut] = Field(description="In the episodes the reader has watched.")


class CharacterListOut(Paginated):
    results: list[CharacterSummaryOut]


def character_summary(character, links):
    return {
        **page_summary(character, links),
        "role": character.role,
        "role_label": character.get_role_display(),
        "occupation": character.occupation_at_limit(),
    }


def episode_link(episode, links):
    return {
        **links.page(episode),
        "season_number": episode.season.number,
        "number": episode.number,
        "number_overall": episode.number_overall,
        "code": f"s{episode.season.number}e{episode.number}",
    }


def character_detail(character, links):
    return {
        **page_detail(character, links),
        **character_summary(character, links),
        "affiliations": [
            {"organization": links.page(organization), "ended_in": ended_in(until)}
            for organization, until in character.affiliations_at_limit()
        ],
        "relationships": [
            {
                "character": links.page(other),
                "description": description,
                "reverse": from_other_side,
                "ended_in": ended_in(until),
            }
            for other, description, from_other_side, until in character.relations()
            if other.is_met()
        ],
        "voice_cast": [
            {
                "person": links.page(credit.person),
                "language": credit.language,
                "language_label": credit.get_language_display(),
            }
            for credit in character.voice_credits.all()
        ],
        "appearances": [
            {"episode": episode_link(appearance.episode, links), "kind": appearance.kind}
            for appearance in character.appearances.all()
            if appearance.episode.is_met()
        ],
    }


class VoiceRoleOut(Schema):
    character: PageLinkOut | None = Field(description="null: a character the reader has not met yet.")
    language: str
    language_label: str


class StaffRoleOut(Schema):
    work: PageLinkOut | None
    role: str
    role_label: str
    note: str


class PersonSummaryOut(PageSummaryOut):
    credit_summary: str


class PersonOut(PageOut, PersonSummaryOut):
    voice_roles: list[VoiceRoleOut]
    staff_roles: list[StaffRoleOut]


class PersonListOut(Paginated):
    results: list[PersonSummaryOut]


def person_summary(person, links):
    return {**page_summary(person, links), "credit_summary": person.credit_summary()}


def person_detail(person, links):
    return {
        **page_detail(person, links),
        **person_summary(person, links),
        "voice_roles": [
            {
                "character": links.page(credit.character),
                "language": credit.language,
                "language_label": Language(credit.language).label,
            }
            for credit in person.voice_credits.all()
        ],
        "staff_roles": [credit_of(credit, "work", links) for credit in person.staff_credits.all()],
    }


# Works, seasons and episodes -------------------------------------------------------------


class SeasonLinkOut(PageLinkOut):
    number: int


class StaffCreditOut(Schema):
    person: PageLinkOut | None
    role: str
    role_label: str
    note: str


class CompanyCreditOut(Schema):
    organization: PageLinkOut | None
    role: str
    role_label: str
    note: str


class ReleaseOut(Schema):
    medium: str
    medium_label: str
    region: str
    start: str = Field(description='As precise as the source: "2018-12-03", "2021-03" or "2021".')
    start_precision: str = Field(description='"day", "month" or "year".')
    end: date | None
    organization: PageLinkOut | None
    season: SeasonLinkOut | None
    note: str


class WorkSummaryOut(PageSummaryOut):
    medium: str
    medium_label: str
    format: str
    native_title: str


class WorkOut(PageOut, WorkSummaryOut):
    genres: list[str]
    volumes: int | None
    adaptation_of: PageLinkOut | None
    adaptations: list[PageLinkOut]
    seasons: list[SeasonLinkOut]
    staff: list[StaffCreditOut]
    companies: list[CompanyCreditOut]
    releases: list[ReleaseOut]


class WorkListOut(Paginated):
    results: list[WorkSummaryOut]


def work_summary(work, links):
    return {
        **page_summary(work, links),
        "medium": work.medium,
        "medium_label": work.get_medium_display(),
        "format": work.format,
        "native_title": work.native_title,
    }


def season_link(season, links):
    link = links.page(season)
    return {**link, "number": season.number} if link is not None else None


def precise_date(value, precision):
    text = value.isoformat()
    return {DatePrecision.YEAR: text[:4], DatePrecision.MONTH: text[:7]}.get(precision, text)


def work_detail(work, links):
    return {
        **page_detail(work, links),
        **work_summary(work, links),
        "genres": work.genre_list(),
        "volumes": work.volumes,
        "adaptation_of": links.page(work.adaptation_of),
        "adaptations": links.pages(work.adaptations.all()),
        "seasons": [season_link(season, links) for season in work.seasons.all() if season.is_met()],
        "staff": [credit_of(credit, "person", links) for credit in work.staff_credits.all()],
        "companies": [credit_of(credit, "organization", links) for credit in work.companies.all()],
        "releases": [
            {
                "medium": release.medium,
                "medium_label": release.get_medium_display(),
                "region": release.region,
                "start": precise_date(release.start_date, release.start_precision),
                "start_precision": release.start_precision,
                "end": release.end_date,
                "organization": links.page(release.organization),
                "season": season_link(release.season, links),
                "note": release.note,
            }
            for release in work.releases.all()
        ],
    }


class SeasonSummaryOut(PageSummaryOut):
    work: PageLinkOut | None
    number: int
    release_date: date | None
    episode_count: int


class SeasonOut(PageOut, SeasonSummaryOut):
    episodes: list[EpisodeLinkOut]


class SeasonListOut(Paginated):
    results: list[SeasonSummaryOut]


def season_summary(season, links):
    return {
        **page_summary(season, links),
        "work": links.page(season.work),
        "number": season.number,
        "release_date": season.release_date,
        "episode_count": season.episode_count,
    }


def season_detail(season, links):
    return {
        **page_detail(season, links),
        **season_summary(season, links),
        "episodes": [episode_link(episode, links) for episode in season.episodes.all() if episode.is_met()],
    }


class EpisodeSummaryOut(PageSummaryOut, EpisodeLinkOut):
    season: SeasonLinkOut | None
    name: str
    runtime_minutes: int | None
    runtime_is_approximate: bool
    release_date: date | None


class EpisodeOut(PageOut, EpisodeSummaryOut):
    work: PageLinkOut | None
    appearing: list[PageLinkOut] = Field(description="Empty until the reader has watched the episode.")
    mentioned: list[PageLinkOut]


class EpisodeListOut(Paginated):
    results: list[EpisodeSummaryOut]


def episode_summary(episode, links):
    return {
        **page_summary(episode, links),
        **episode_link(episode, links),
        "season": season_link(episode.season, links),
        "name": episode.name,
        "runtime_minutes": episode.runtime_minutes,
        "runtime_is_approximate": episode.runtime_is_approximate,
        "release_date": episode.release_date,
    }


def episode_detail(episode, links):
    return {
        **page_detail(episode, links),
        **episode_summary(episode, links),
        "work": links.page(episode.season.work),
        "appearing": links.pages(appearance.character for appearance in episode.appearing()),
        "mentioned": links.pages(appearance.character for appearance in episode.mentioned()),
    }


# Categories -------------------------------------------------------------------------------


class CategorySummaryOut(CategoryLinkOut):
    page_count: int = Field(description="The pages in it the reader has met and knows to be in it.")


class CategoryOut(Answer, CategoryLinkOut):
    description_html: str
    pages: list[PageLinkOut]


class CategoryListOut(Paginated):
    results: list[CategorySummaryOut]


def category_summary(category, links):
    return {**links.category(category), "page_count": category.count_at_limit()}


def category_detail(category, description_html, links):
    return {
        "reading_limit": reading_limit(),
        **links.category(category),
        "description_html": str(description_html),
        "pages": links.pages(category.pages_at_limit()),
    }


# Search -------------------------------------------------------------------------------------


class SearchHitOut(Schema):
    title: str
    kind_label: str
    url: str
    api_url: str | None
    snippet_html: str = Field(description="Where the words were found, the words in <mark>.")
    alias: str = Field(description="The other name the page was found by; empty if none.")


class SearchOut(Answer):
    query: str = Field(description="The words searched for, as read (control characters out, cut to length).")
    count: int
    count_is_capped: bool = Field(description="There are more results than ``count``.")
    page: int
    pages: int
    next: str | None
    previous: str | None
    suggestion: str = Field(description='"Did you mean": empty if none.')
    exact_page: PageLinkOut | None = Field(description="The page titled or aliased exactly as the query.")
    results: list[SearchHitOut]


def search_answer(results, links, page_url):
    paginator = results.paginator
    page = results.page
    return {
        "reading_limit": reading_limit(),
        "query": results.query.text,
        "count": results.count,
        "count_is_capped": results.count_is_capped,
        "page": page.number if page else 1,
        "pages": paginator.num_pages if paginator else 0,
        "next": page_url(page.next_page_number()) if page and page.has_next() else None,
        "previous": page_url(page.previous_page_number()) if page and page.has_previous() else None,
        "suggestion": results.suggestion,
        "exact_page": links.page(results.exact_page),
        "results": [
            {
                "title": hit.title,
                "kind_label": hit.kind,
                "url": links.absolute(hit.url),
                "api_url": links.absolute(api_path(hit.page.kind, hit.page.slug)),
                "snippet_html": str(hit.snippet),
                "alias": hit.alias,
            }
            for hit in results.hits
        ],
    }


class SuggestionOut(Schema):
    title: str
    kind_label: str
    url: str
    api_url: str | None


class SuggestOut(Answer):
    query: str
    results: list[SuggestionOut]


def suggest_answer(query, suggestions, links):
    return {
        "reading_limit": reading_limit(),
        "query": query.text,
        "results": [
            {
                "title": suggestion["title"],
                "kind_label": suggestion["kind"],
                "url": links.absolute(suggestion["url"]),
                "api_url": links.of_path(suggestion["url"]),
            }
            for suggestion in suggestions
        ],
    }


# The index ------------------------------------------------------------------------------------


class IndexOut(Answer):
    documentation: str
    openapi: str
    collections: dict[str, str] = Field(description="The address of each list, by name.")


def index_answer(links, collections):
    return {
        "reading_limit": reading_limit(),
        "documentation": links.absolute(reverse("api:openapi-view")),
        "openapi": links.absolute(reverse("api:openapi-json")),
        "collections": {name: links.absolute(reverse(f"api:{name}")) for name in collections},
    }
