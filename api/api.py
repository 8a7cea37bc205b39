"""The operations of the read-only JSON API, ``/api/v1/``, on django-ninja.

Each operation reads with the QuerySet methods the site's pages use, at the
reader's limit (``?upto=`` or the ``upto`` cookie, set for the request by
``wiki.reading.ReadingLimitMiddleware``), and says the limit in its answer.
Lists are paginated (``page``, ``per_page`` up to 100). A bad parameter is a
400, a name that names nothing (or nothing the reader has met) a 404, each
with ``{"detail": "..."}`` saying what was wrong. ``api.middleware`` answers
any method but GET, HEAD and OPTIONS with 405 and opens GET to other origins;
``wiki.cache.PageCacheMiddleware`` gives answers their ETag and Last-Modified.
"""

from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import render
from ninja import NinjaAPI, Path
from ninja.errors import HttpError, ValidationError
from ninja.openapi.docs import Swagger
from ninja.renderers import JSONRenderer

from api import schemas
from api.parameters import (
    DEFAULT_PER_PAGE,
    MAX_PAGE_NUMBER,
    MAX_PER_PAGE,
    PageNumber,
    PerPage,
    Query,
    Slug,
    problem_with,
)
from articles.models import Article, Organization
from characters.models import Character, Person, Role
from episodes.models import Episode, Season, Work
from wiki import reading
from wiki.markup import render_markdown
from wiki.models import Category, TitleResolver
from wiki.params import BadParameter
from wiki.reading import describe
from wiki.search import queries as search
from wiki.search.text import Query as SearchQuery

ERRORS = {400: schemas.ErrorOut, 404: schemas.ErrorOut}


class ReadableJSONRenderer(JSONRenderer):
    """JSON with its text as written ("“page”", not "\\u201cpage\\u201d")."""

    json_dumps_params = {"ensure_ascii": False}


class SiteSwagger(Swagger):
    """Swagger UI in the site's own page, from the site's static files: no CDN, no inline script."""

    template = "api/docs.html"

    def render_page(self, request, api, **kwargs):
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        return render(request, self.template, {"swagger_settings": settings, "api": api, "view_title": "API"})


api = NinjaAPI(
    title="Hero Mask Wiki API",
    version="1",
    description=(
        "Read-only JSON for every page of the wiki, at the reader's reading limit: add `?upto=s1e8` "
        "(or `start`, or `all`) to any address to read as far as Season 1, Episode 8. Lists take "
        "`page` and `per_page`; answers carry an ETag and Last-Modified and answer conditional "
        "requests with 304; any origin may read them."
    ),
    urls_namespace="api",
    docs=SiteSwagger(settings={"defaultModelsExpandDepth": 0}),
    docs_url="/docs/",
    openapi_url="/openapi.json",
    renderer=ReadableJSONRenderer(),
)


@api.exception_handler(ValidationError)
def invalid_parameter(request, error):
    problems = list(dict.fromkeys(problem_with(each) for each in error.errors))
    return api.create_response(request, {"detail": " ".join(problems)}, status=400)


@api.exception_handler(BadParameter)
def bad_parameter(request, error):
    return api.create_response(request, {"detail": error.problem}, status=400)


def not_found(name, value, what):
    return HttpError(404, f"The “{name}” in the address, “{describe(value)}”, names no {what}.")


def met_or_404(queryset, slug, name="slug"):
    """The page of ``queryset`` (pages the reader has met) with ``slug``; a 404
    that says whether there is no such page or the reader has not met it."""
    found = queryset.filter(slug=slug).first()
    if found is not None:
        return found
    model = queryset.model
    unmet = model.objects.filter(slug=slug).first()
    if unmet is None:
        raise not_found(name, slug, model._meta.verbose_name)
    limit = reading.current()
    raise HttpError(
        404,
        f"The “{name}” in the address names a {model._meta.verbose_name} first met in "
        f"{unmet.revealed_label}, after your reading limit ({limit.label}).",
    )


def paginated(request, items, page, per_page, summary):
    """One page of ``items`` as a list answer, each item made by ``summary``."""
    paginator = Paginator(items, per_page)
    if page > paginator.num_pages:
        raise HttpError(
            404, f"The “page” in the address, {page}, is past the last page ({paginator.num_pages})."
        )
    current = paginator.page(page)
    links = schemas.Addresses(request)
    return {
        "reading_limit": schemas.reading_limit(),
        "count": paginator.count,
        "page": current.number,
        "pages": paginator.num_pages,
        "per_page": per_page,
        "next": page_address(request, links, current.next_page_number()) if current.has_next() else None,
        "previous": (
            page_address(request, links, current.previous_page_number()) if current.has_previous() else None
        ),
        "results": [summary(item, links) for item in current.object_list],
    }


def page_address(request, links, number):
    query = QueryDict(mutable=True)
    for name, values in request.GET.lists():
        query.setlist(name, values)
    query["page"] = str(number)
    return links.absolute(f"{request.path}?{query.urlencode()}")


def episode_named(value):
    """The episode ``value`` names: its slug, or its code as a reading limit ("s1e8")."""
    episode = Episode.objects.met().in_order().filter(slug=value).first()
    if episode is None:
        point = reading.Timeline.by_code().get(value)
        if point is not None and point.position:
            episode = Episode.objects.of_the_series().filter(number_overall=point.position).first()
    if episode is None:
        raise not_found("episode", value, "episode (give its slug, or its code such as s1e8)")
    return episode


# The parameters' declarations, shared by the operations that take them.
SLUG = Path(...)
PAGE = Query(1, ge=1, le=MAX_PAGE_NUMBER, description="The page of results, from 1.")
PER_PAGE = Query(
    DEFAULT_PER_PAGE, ge=1, le=MAX_PER_PAGE, description=f"Results per page, at most {MAX_PER_PAGE}."
)
CHARACTER_FILTER = Query(None, description="Only the episodes the character appears or is mentioned in.")
EPISODE_FILTER = Query(None, description="Only those in the episode: its slug, or its code such as s1e8.")
ROLE_FILTER = Query(None, description='Only those of one role ("" for other characters).')
SEARCH_WORDS = Query("", description="The words to search for.")
TITLE_START = Query("", description="The start of a title.")


@api.get("/", response={200: schemas.IndexOut, **ERRORS}, url_name="index", tags=["index"])
def index(request):
    """Where everything is: the lists, this documentation and the OpenAPI document."""
    collections = (
        "works", "seasons", "episodes", "characters", "people", "organizations", "articles", "categories",
    )  # fmt: skip
    return schemas.index_answer(schemas.Addresses(request), collections)


# Works, seasons, episodes ---------------------------------------------------------------


@api.get("/works/", response={200: schemas.WorkListOut, **ERRORS}, url_name="works", tags=["works"])
def works(request, page: PageNumber = PAGE, per_page: PerPage = PER_PAGE):
    """The anime series and the works adapted from it."""
    return paginated(request, Work.objects.met(), page, per_page, schemas.work_summary)


@api.get("/works/{slug}/", response={200: schemas.WorkOut, **ERRORS}, url_name="work", tags=["works"])
def work(request, slug: Slug = SLUG):
    """A work with its seasons, staff, companies and releases."""
    return schemas.work_detail(met_or_404(Work.objects.met().for_page(), slug), schemas.Addresses(request))


@api.get("/seasons/", response={200: schemas.SeasonListOut, **ERRORS}, url_name="seasons", tags=["works"])
def seasons(request, page: PageNumber = PAGE, per_page: PerPage = PER_PAGE):
    """Every season, work by work."""
    items = Season.objects.met().with_episode_stats().select_related("work")
    return paginated(request, items, page, per_page, schemas.season_summary)


@api.get("/seasons/{slug}/", response={200: schemas.SeasonOut, **ERRORS}, url_name="season", tags=["works"])
def season(request, slug: Slug = SLUG):
    """A season with its episodes."""
    found = met_or_404(Season.objects.met().for_page(), slug)
    return schemas.season_detail(found, schemas.Addresses(request))


@api.get(
    "/episodes/", response={200: schemas.EpisodeListOut, **ERRORS}, url_name="episodes", tags=["episodes"]
)
def episodes(
    request,
    character: Slug | None = CHARACTER_FILTER,
    page: PageNumber = PAGE,
    per_page: PerPage = PER_PAGE,
):
    """Every episode in order; with ``character``, those of one character the reader has watched."""
    items = Episode.objects.met().in_order()
    if character is not None:
        items = items.featuring(met_or_404(Character.objects.met(), character, name="character"))
    return paginated(request, items, page, per_page, schemas.episode_summary)


@api.get(
    "/episodes/{slug}/", response={200: schemas.EpisodeOut, **ERRORS}, url_name="episode", tags=["episodes"]
)
def episode(request, slug: Slug = SLUG):
    """An episode; its summary and who is in it once the reader has watched it."""
    found = met_or_404(Episode.objects.met().for_page(), slug)
    return schemas.episode_detail(found, schemas.Addresses(request))


# Characters and people ------------------------------------------------------------------


@api.get(
    "/characters/",
    response={200: schemas.CharacterListOut, **ERRORS},
    url_name="characters",
    tags=["characters"],
)
def characters(
    request,
    episode: Slug | None = EPISODE_FILTER,
    role: Role | None = ROLE_FILTER,
    page: PageNumber = PAGE,
    per_page: PerPage = PER_PAGE,
):
    """Every character the reader has met, by role as the characters index groups them."""
    items = Character.objects.met().by_role()
    if episode is not None:
        items = items.in_episode(episode_named(episode))
    if role is not None:
        items = items.filter(role=role)
    return paginated(request, items, page, per_page, schemas.character_summary)


@api.get(
    "/characters/{slug}/",
    response={200: schemas.CharacterOut, **ERRORS},
    url_name="character",
    tags=["characters"],
)
def character(request, slug: Slug = SLUG):
    """A character with affiliations, relationships, voice cast and appearances, at the reading limit."""
    found = met_or_404(Character.objects.met().for_page(), slug)
    return schemas.character_detail(found, schemas.Addresses(request))


@api.get("/people/", response={200: schemas.PersonListOut, **ERRORS}, url_name="people", tags=["people"])
def people(request, page: PageNumber = PAGE, per_page: PerPage = PER_PAGE):
    """The voice actors and staff."""
    return paginated(request, Person.objects.met().with_credits(), page, per_page, schemas.person_summary)


@api.get("/people/{slug}/", response={200: schemas.PersonOut, **ERRORS}, url_name="person", tags=["people"])
def person(request, slug: Slug = SLUG):
    """A person with the characters they voice (in which language) and their staff roles."""
    found = met_or_404(Person.objects.met().for_page(), slug)
    return schemas.person_detail(found, schemas.Addresses(request))


# Organizations, articles, categories -----------------------------------------------------


@api.get(
    "/organizations/",
    response={200: schemas.OrganizationListOut, **ERRORS},
    url_name="organizations",
    tags=["organizations"],
)
def organizations(request, page: PageNumber = PAGE, per_page: PerPage = PER_PAGE):
    """Companies of the real world and organizations of the story the reader has met."""
    return paginated(request, Organization.objects.met(), page, per_page, schemas.organization_summary)


@api.get(
    "/organizations/{slug}/",
    response={200: schemas.OrganizationOut, **ERRORS},
    url_name="organization",
    tags=["organizations"],
)
def organization(request, slug: Slug = SLUG):
    """An organization with its divisions, members and works."""
    found = met_or_404(Organization.objects.met().for_page(), slug)
    return schemas.organization_detail(found, schemas.Addresses(request))


@api.get(
    "/articles/", response={200: schemas.ArticleListOut, **ERRORS}, url_name="articles", tags=["articles"]
)
def articles(request, page: PageNumber = PAGE, per_page: PerPage = PER_PAGE):
    """Free-standing articles and disambiguation pages."""
    return paginated(request, Article.objects.met(), page, per_page, schemas.article_summary)


@api.get(
    "/articles/{slug}/", response={200: schemas.ArticleOut, **ERRORS}, url_name="article", tags=["articles"]
)
def article(request, slug: Slug = SLUG):
    """An article."""
    found = met_or_404(Article.objects.met().for_page(), slug)
    return schemas.article_detail(found, schemas.Addresses(request))


@api.get(
    "/categories/",
    response={200: schemas.CategoryListOut, **ERRORS},
    url_name="categories",
    tags=["categories"],
)
def categories(request, page: PageNumber = PAGE, per_page: PerPage = PER_PAGE):
    """The categories with pages the reader knows to be in them."""
    items = Category.objects.with_page_counts()
    if not reading.current().is_everything:
        items = [category for category in items if category.count_at_limit()]
    return paginated(request, items, page, per_page, schemas.category_summary)


@api.get(
    "/categories/{slug}/",
    response={200: schemas.CategoryOut, **ERRORS},
    url_name="category",
    tags=["categories"],
)
def category(request, slug: Slug = SLUG):
    """A category with the pages in it that the reader knows to be in it."""
    found = Category.objects.with_pages().filter(slug=slug).first()
    if found is None:
        raise not_found("slug", slug, "category")
    if not reading.current().is_everything and not found.pages_at_limit():
        raise HttpError(
            404,
            f"The “slug” in the address names a category with nothing in it you have met by your "
            f"reading limit ({reading.current().label}).",
        )
    description = render_markdown(found.description, resolver=TitleResolver())
    return schemas.category_detail(found, description, schemas.Addresses(request))


# Search -------------------------------------------------------------------------------------


@api.get("/search/", response={200: schemas.SearchOut, **ERRORS}, url_name="search", tags=["search"])
def search_pages(request, q: str = SEARCH_WORDS, page: PageNumber = PAGE):
    """The site's full-text search: ranked results with snippets, "did you mean", and the exact page."""
    results = search.search(SearchQuery.parse(q), page=page)
    links = schemas.Addresses(request)
    return schemas.search_answer(results, links, lambda number: page_address(request, links, number))


@api.get("/suggest/", response={200: schemas.SuggestOut, **ERRORS}, url_name="suggest", tags=["search"])
def suggest(request, q: str = TITLE_START):
    """Up to ten pages whose title or another name starts with, or has a word starting with, ``q``."""
    query = SearchQuery.parse(q)
    return schemas.suggest_answer(query, search.suggest(query), schemas.Addresses(request))
