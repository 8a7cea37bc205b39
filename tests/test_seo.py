"""What search engines and link previews read: the sitemap, robots.txt, each page
kind's title, description, canonical address, Open Graph tags and JSON-LD."""

import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from articles.models import Article, Organization
from characters.models import Character, Language, Person
from episodes.models import Episode, Season, Work
from tests.factories import (
    AppearanceFactory,
    ArticleFactory,
    CategoryFactory,
    CharacterFactory,
    EpisodeFactory,
    OrganizationFactory,
    PersonFactory,
    SeasonFactory,
    StaffCreditFactory,
    VoiceCreditFactory,
    WorkCompanyFactory,
    WorkFactory,
)
from wiki.models import Category, Generation, Page
from wiki.seo import StructuredData, plain_text

pytestmark = pytest.mark.django_db

SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
FICTIONAL_CHARACTER = "https://www.wikidata.org/wiki/Q95074"


class HeadParser(HTMLParser):
    """The title, meta tags, canonical link and JSON-LD blocks of a document."""

    def __init__(self):
        super().__init__()
        self.title = ""
        self.meta = {}
        self.canonical = []
        self.json_ld = []
        self.h1_count = 0
        self._in = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and "content" in attrs:
            self.meta[attrs.get("name") or attrs.get("property")] = attrs["content"]
        elif tag == "link" and attrs.get("rel") == "canonical":
            self.canonical.append(attrs["href"])
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in = "json_ld"
            self.json_ld.append("")
        elif tag == "title":
            self._in = "title"
        elif tag == "h1":
            self.h1_count += 1

    def handle_endtag(self, tag):
        if tag in ("script", "title"):
            self._in = None

    def handle_data(self, data):
        if self._in == "title":
            self.title += data
        elif self._in == "json_ld":
            self.json_ld[-1] += data


def head_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    parser = HeadParser()
    parser.feed(response.content.decode())
    parser.data = [json.loads(block) for block in parser.json_ld]
    return parser


def of_type(head, schema_type):
    matches = [item for item in head.data if item["@type"] == schema_type]
    assert len(matches) == 1, f"expected one {schema_type} in {[item['@type'] for item in head.data]}"
    assert matches[0]["@context"] == "https://schema.org"
    return matches[0]


@pytest.fixture
def world(settings):
    """One page of every kind, linked the way the real content is."""
    settings.WIKI_HOME_PAGE = ("work", "hero-mask")
    work = WorkFactory(
        title="Hero Mask",
        slug="hero-mask",
        native_title="HERO≠MASK",
        genres="Action, Mystery",
        lead="**Hero Mask** is an anime series about bio-masks.[^1]",
    )
    season_1 = SeasonFactory(work=work, number=1, title="Hero Mask season 1")
    season_2 = SeasonFactory(work=work, number=2, title="Hero Mask season 2")
    episode = EpisodeFactory(season=season_1, number=3, number_overall=3, title="Hero Mask episode 3")
    EpisodeFactory(season=season_2, number=1, number_overall=16, title="Hero Mask episode 16")
    director = PersonFactory(title="Hiroyasu Aoki", lead="Hiroyasu Aoki directed the series.")
    StaffCreditFactory(work=work, person=director)
    studio = OrganizationFactory(title="Studio Pierrot", sphere="real")
    WorkCompanyFactory(work=work, organization=studio)
    ssc = OrganizationFactory(title="Special Services Command", lead="The SSC is an elite police force.")
    division = OrganizationFactory(title="SSC Special Investigations", parent=ssc)
    james = CharacterFactory(title="James Blood", occupation="SSC agent", lead="James Blood is an SSC agent.")
    james.affiliations.add(ssc)
    actor = PersonFactory(title="Yasuyuki Kase")
    VoiceCreditFactory(character=james, person=actor, language=Language.JAPANESE)
    AppearanceFactory(episode=episode, character=james)
    article = ArticleFactory(title="Bio-mask", lead="A bio-mask changes the wearer's face.")
    disambiguation = ArticleFactory(title="Mask", is_disambiguation=True, lead="Mask may mean:")
    category = CategoryFactory(name="Episodes", slug="episodes")
    episode.categories.add(category)
    return {
        "work": work,
        "season": season_1,
        "episode": episode,
        "director": director,
        "studio": studio,
        "organization": division,
        "parent": ssc,
        "character": james,
        "actor": actor,
        "article": article,
        "disambiguation": disambiguation,
        "category": category,
    }


def absolute(path):
    return f"http://testserver{path}"


def test_sitemap_lists_every_page_at_its_canonical_address(client, world):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    locations = {loc.text for loc in ET.fromstring(response.content).findall("sm:url/sm:loc", SITEMAP_NS)}
    pages = Page.objects.exclude(slug="hero-mask")
    assert {absolute(page.get_absolute_url()) for page in pages} <= locations
    assert absolute("/") in locations
    assert absolute("/works/hero-mask/") not in locations, "the main work is listed once, as the home page"
    assert absolute(world["category"].get_absolute_url()) in locations
    for index in ("/episodes/", "/characters/", "/cast/", "/people/", "/organizations/", "/categories/"):
        assert absolute(index) in locations


def test_sitemap_gives_each_page_its_last_edit_date(client, world):
    response = client.get("/sitemap.xml")
    entries = ET.fromstring(response.content).findall("sm:url", SITEMAP_NS)
    by_location = {entry.find("sm:loc", SITEMAP_NS).text: entry for entry in entries}
    character = world["character"]
    lastmod = by_location[absolute(character.get_absolute_url())].find("sm:lastmod", SITEMAP_NS).text
    assert lastmod.startswith(character.updated_at.date().isoformat())


def test_robots_txt_points_crawlers_to_the_sitemap_on_the_requested_host(client):
    response = client.get("/robots.txt", HTTP_HOST="localhost")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "Sitemap: http://localhost/sitemap.xml" in text.splitlines()
    assert "Disallow: /admin/" in text.splitlines()
    assert "User-agent: *" in text.splitlines()


@pytest.mark.parametrize(
    ("key", "og_type"),
    [
        ("season", "video.tv_show"),
        ("episode", "video.episode"),
        ("character", "article"),
        ("actor", "profile"),
        ("organization", "article"),
        ("article", "article"),
        ("disambiguation", "article"),
    ],
)
def test_each_page_kind_describes_itself_for_search_engines_and_link_previews(client, world, key, og_type):
    page = world[key]
    head = head_of(client, page.get_absolute_url())
    url = absolute(page.get_absolute_url())
    assert head.title.startswith(page.title)
    assert head.meta["description"] == head.meta["og:description"]
    assert head.meta["description"], "the lead gives the description"
    assert head.canonical == [url]
    assert head.meta["og:url"] == url
    assert head.meta["og:title"] == page.title
    assert head.meta["og:type"] == og_type
    assert head.h1_count == 1


def test_home_page_is_the_canonical_address_of_the_main_work(client, world):
    head = head_of(client, "/")
    assert head.canonical == [absolute("/")]
    assert head.meta["og:title"] == "Hero Mask"
    assert head.meta["og:type"] == "website"
    work_head = head_of(client, "/works/hero-mask/")
    assert work_head.canonical == [absolute("/")], "the work's own address points to the home page"


def test_meta_description_is_the_lead_without_markup_or_citation_markers(client, world):
    head = head_of(client, "/")
    assert head.meta["description"] == "Hero Mask is an anime series about bio-masks."


def test_series_page_has_tv_series_data_with_seasons_director_and_studio(client, world):
    series = of_type(head_of(client, "/"), "TVSeries")
    assert series["name"] == "Hero Mask"
    assert series["alternateName"] == "HERO≠MASK"
    assert series["url"] == absolute("/")
    assert series["genre"] == ["Action", "Mystery"]
    assert series["numberOfSeasons"] == 2
    assert series["numberOfEpisodes"] == 2
    assert [season["seasonNumber"] for season in series["containsSeason"]] == [1, 2]
    assert series["containsSeason"][0]["url"] == absolute(world["season"].get_absolute_url())
    assert series["director"] == [
        {"@type": "Person", "name": "Hiroyasu Aoki", "url": absolute(world["director"].get_absolute_url())}
    ]
    assert [company["name"] for company in series["productionCompany"]] == ["Studio Pierrot"]


def test_home_page_offers_the_site_search_to_search_engines(client, world):
    website = of_type(head_of(client, "/"), "WebSite")
    assert website["potentialAction"]["target"]["urlTemplate"] == absolute("/search/?q={search_term_string}")


def test_season_page_has_tv_season_data_with_its_series_and_episodes(client, world):
    season = of_type(head_of(client, world["season"].get_absolute_url()), "TVSeason")
    assert season["seasonNumber"] == 1
    assert season["partOfSeries"] == {"@type": "TVSeries", "name": "Hero Mask", "url": absolute("/")}
    assert [episode["episodeNumber"] for episode in season["episode"]] == [3]
    assert season["numberOfEpisodes"] == 1


def test_episode_page_has_tv_episode_data_with_season_series_and_characters(client, world):
    episode = world["episode"]
    data = of_type(head_of(client, episode.get_absolute_url()), "TVEpisode")
    assert data["name"] == "Hero Mask episode 3"
    assert data["episodeNumber"] == 3
    assert data["partOfSeason"]["@type"] == "TVSeason"
    assert data["partOfSeason"]["seasonNumber"] == 1
    assert data["partOfSeason"]["url"] == absolute(world["season"].get_absolute_url())
    assert data["partOfSeries"]["name"] == "Hero Mask"
    assert data["datePublished"] == "2018-12-03"
    assert data["timeRequired"] == "PT24M"
    assert [character["name"] for character in data["character"]] == ["James Blood"]


def test_character_page_describes_a_fictional_person_voiced_by_the_cast(client, world):
    data = of_type(head_of(client, world["character"].get_absolute_url()), "Person")
    assert data["name"] == "James Blood"
    assert data["additionalType"] == FICTIONAL_CHARACTER
    assert data["jobTitle"] == "SSC agent"
    assert [org["name"] for org in data["affiliation"]] == ["Special Services Command"]
    series = data["subjectOf"]
    assert series["@type"] == "TVSeries"
    assert series["name"] == "Hero Mask"
    [role] = series["actor"]
    assert role["@type"] == "PerformanceRole"
    assert role["characterName"] == "James Blood"
    assert role["actor"] == {
        "@type": "Person",
        "name": "Yasuyuki Kase",
        "url": absolute(world["actor"].get_absolute_url()),
    }


def test_person_page_has_person_data(client, world):
    data = of_type(head_of(client, world["director"].get_absolute_url()), "Person")
    assert data["name"] == "Hiroyasu Aoki"
    assert data["description"] == "Hiroyasu Aoki directed the series."
    assert data["jobTitle"] == ["Director"]
    assert "additionalType" not in data
    actor = of_type(head_of(client, world["actor"].get_absolute_url()), "Person")
    assert actor["jobTitle"] == ["Voice actor"]


def test_organization_page_has_organization_data_with_its_parent(client, world):
    data = of_type(head_of(client, world["organization"].get_absolute_url()), "Organization")
    assert data["name"] == "SSC Special Investigations"
    assert data["parentOrganization"]["name"] == "Special Services Command"
    assert data["parentOrganization"]["url"] == absolute(world["parent"].get_absolute_url())


def test_article_page_has_article_data_and_a_disambiguation_page_is_a_web_page(client, world):
    article = of_type(head_of(client, world["article"].get_absolute_url()), "Article")
    assert article["headline"] == "Bio-mask"
    assert article["description"] == "A bio-mask changes the wearer's face."
    assert "dateModified" in article
    of_type(head_of(client, world["disambiguation"].get_absolute_url()), "WebPage")


def test_page_text_cannot_close_the_json_ld_script(client, world):
    character = CharacterFactory(
        title="Mask </script><script>alert(1)</script>", lead="Shown as `</script><!--` in code."
    )
    response = client.get(character.get_absolute_url())
    html = response.content.decode()
    assert "<script>alert(1)" not in html
    head = HeadParser()
    head.feed(html)
    data = json.loads(head.json_ld[0])
    assert data["name"] == "Mask </script><script>alert(1)</script>"
    assert data["description"] == "Shown as </script><!-- in code."


@pytest.mark.parametrize("url", ["/episodes/", "/characters/", "/cast/", "/people/", "/organizations/"])
def test_index_pages_name_their_own_address_as_canonical(client, world, url):
    head = head_of(client, url)
    assert head.canonical == [absolute(url)]
    assert head.meta["og:url"] == absolute(url)
    assert head.meta["og:type"] == "website"
    assert head.meta["og:title"] != "Hero Mask Wiki"
    assert head.data == [], "index pages carry no page's structured data"


def test_missing_page_is_not_indexed_and_names_no_canonical_address(client, world):
    response = client.get("/characters/nobody-at-all/")
    assert response.status_code == 404
    head = HeadParser()
    head.feed(response.content.decode())
    assert head.meta["robots"] == "noindex"
    assert head.canonical == []


def test_every_page_of_the_real_content_has_a_canonical_address_and_structured_data(client, content):
    pages = list(Page.objects.all())
    assert pages, "the content fixtures hold pages"
    for page in pages:
        head = head_of(client, page.get_absolute_url())
        is_home = page.slug == "hero-mask" and page.kind == "work"
        expected = absolute("/" if is_home else page.get_absolute_url())
        assert head.canonical == [expected], page.get_absolute_url()
        assert head.meta.get("description"), page.get_absolute_url()
        assert head.data, page.get_absolute_url()
        assert all(item["url"] == expected for item in head.data if item["@type"] != "WebSite")


def test_long_leads_are_cut_at_a_word_boundary_for_the_meta_description(client, world):
    words = "masks alter the wearer's appearance and grant superhuman abilities " * 5
    character = CharacterFactory(title="Long lead", lead=words)
    description = head_of(client, character.get_absolute_url()).meta["description"]
    assert len(description) <= 161
    assert description.endswith("…")
    assert words.startswith(description.removesuffix("…"))
    assert words[len(description) - 1] == " ", "the cut falls between words"


def test_sitemap_of_the_real_content_lists_each_page_category_and_index_once(client, content):
    response = client.get("/sitemap.xml")
    locations = [loc.text for loc in ET.fromstring(response.content).findall("sm:url/sm:loc", SITEMAP_NS)]
    assert len(locations) == len(set(locations)), "no address is listed twice"
    expected = {
        absolute("/" if page.kind == "work" and page.slug == "hero-mask" else page.get_absolute_url())
        for page in Page.objects.all()
    }
    expected |= {absolute(category.get_absolute_url()) for category in Category.objects.all()}
    assert expected <= set(locations)
    assert len(locations) == len(expected) + 7, "plus the seven index pages"
    for location in locations:
        assert client.get(location.removeprefix("http://testserver")).status_code == 200, location


@pytest.mark.parametrize(
    ("key", "queryset", "queries"),
    [
        ("work", lambda: Work.objects.for_page(), 0),
        ("season", lambda: Season.objects.for_page(), 0),
        ("episode", lambda: Episode.objects.for_page(), 0),
        ("person", lambda: Person.objects.for_page(), 0),
        ("organization", lambda: Organization.objects.for_page(), 0),
        ("article", lambda: Article.objects.with_categories(), 0),
        # The series the character belongs to is the one thing its view does not
        # load: read once per process and change, for every character's page.
        ("character", lambda: Character.objects.for_page(), 1),
    ],
)
def test_structured_data_reads_what_the_page_view_already_loaded(
    rf, world, django_assert_num_queries, key, queryset, queries
):
    key = {"person": "director"}.get(key, key)
    page = queryset().get(pk=world[key].pk)
    plain_text(page)  # the lead is rendered for the page body anyway
    with Generation.objects.remember_during():
        Generation.objects.current()  # as every request reads it first
        with django_assert_num_queries(queries):
            first = StructuredData(rf.get("/")).for_page(page)
        with django_assert_num_queries(0):
            assert StructuredData(rf.get("/")).for_page(page) == first
