"""Reader pages of the episodes app: the series article (home), seasons, episodes."""

import datetime

import pytest
from django.urls import reverse

from characters.models import Language, Role
from episodes.models import Release, WorkCompany
from episodes.models import Role as StaffRole
from tests.conftest import queries_for
from tests.factories import (
    AppearanceFactory,
    CategoryFactory,
    CharacterFactory,
    EpisodeFactory,
    OrganizationFactory,
    PersonFactory,
    ReleaseFactory,
    SeasonFactory,
    StaffCreditFactory,
    VoiceCreditFactory,
    WorkCompanyFactory,
    WorkFactory,
)
from wiki.models import PageLink

pytestmark = pytest.mark.django_db


@pytest.fixture
def series(settings):
    """A two-season series with staff, companies, a release and a manga adaptation."""
    work = WorkFactory(
        title="Hero Mask",
        slug=settings.WIKI_HOME_PAGE[1],
        native_title="HERO≠MASK",
        genres="Action, Mystery",
        format="Original net animation (ONA)",
        body="## Plot summary\n\n### Season 1\n\nThe first season.\n",
    )
    season_1 = SeasonFactory(
        work=work, number=1, title="Hero Mask season 1", release_date=datetime.date(2018, 12, 3)
    )
    season_2 = SeasonFactory(
        work=work, number=2, title="Hero Mask season 2", release_date=datetime.date(2019, 8, 23)
    )
    last_of_1 = EpisodeFactory(season=season_1, number=15, number_overall=15, title="Hero Mask S1E15")
    first_of_1 = EpisodeFactory(season=season_1, number=1, number_overall=1, title="Hero Mask S1E1")
    first_of_2 = EpisodeFactory(season=season_2, number=1, number_overall=16, title="Hero Mask S2E1")
    director = PersonFactory(title="Hiroyasu Aoki")
    StaffCreditFactory(work=work, person=director, role=StaffRole.DIRECTOR)
    studio = OrganizationFactory(title="Studio Pierrot", sphere="real")
    WorkCompanyFactory(work=work, organization=studio, role=WorkCompany.Role.STUDIO)
    netflix = OrganizationFactory(title="Netflix", sphere="real")
    WorkCompanyFactory(work=work, organization=netflix, role=WorkCompany.Role.STREAMING)
    manga = WorkFactory(title="Hero Mask: A lost memory", medium="manga", adaptation_of=work)
    ReleaseFactory(
        work=manga,
        medium=Release.Medium.PRINT,
        region="Japan",
        start_date=datetime.date(2021, 3, 1),
        start_precision="month",
    )
    ReleaseFactory(work=work, season=season_1, organization=netflix, start_date=datetime.date(2018, 12, 3))
    james = CharacterFactory(title="James Blood", role=Role.MAIN)
    AppearanceFactory(episode=first_of_1, character=james)
    VoiceCreditFactory(
        character=james, person=PersonFactory(title="Yasuyuki Kase"), language=Language.JAPANESE
    )
    VoiceCreditFactory(character=james, person=PersonFactory(title="Greg Chun"), language=Language.ENGLISH)
    return {
        "work": work,
        "manga": manga,
        "seasons": [season_1, season_2],
        "episodes": [first_of_1, last_of_1, first_of_2],
        "director": director,
        "studio": studio,
        "netflix": netflix,
        "james": james,
    }


def grow_series(work, times):
    """Add ``times`` more of everything the series article lists."""
    for n in range(times):
        season = SeasonFactory(work=work, number=10 + n)
        character = CharacterFactory(role=Role.MINOR)
        VoiceCreditFactory(character=character)
        VoiceCreditFactory(character=character, language=Language.ENGLISH)
        for number in range(1, 4):
            episode = EpisodeFactory(season=season, number=number, number_overall=100 * (n + 1) + number)
            AppearanceFactory(episode=episode, character=character)
        StaffCreditFactory(work=work, role=StaffRole.MUSIC)
        WorkCompanyFactory(work=work, role=WorkCompany.Role.LICENSOR)
        ReleaseFactory(work=work, season=season, organization=OrganizationFactory())
        work.categories.add(CategoryFactory())


def test_home_shows_the_main_work_with_linked_infobox_facts(client, series):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Hero Mask – Hero Mask Wiki</title>" in html
    assert "HERO≠MASK" in html
    assert f'<a href="{series["director"].get_absolute_url()}">Hiroyasu Aoki</a>' in html
    assert f'<a href="{series["studio"].get_absolute_url()}">Studio Pierrot</a>' in html
    assert f'<a href="{series["netflix"].get_absolute_url()}">Netflix</a>' in html
    assert '<th scope="row">Seasons</th><td>2</td>' in html
    assert f'<a href="{reverse("episodes:list")}">3</a>' in html
    assert '<time datetime="2018-12-03">3 December 2018</time>' in html
    assert f'<a href="{series["manga"].get_absolute_url()}">Hero Mask: A lost memory</a> (Manga)' in html


def test_home_lists_body_headings_and_data_sections_in_its_contents_box(client, series):
    html = client.get("/").content.decode()
    assert '<a href="#plot-summary">Plot summary</a>' in html
    assert '<a href="#season-1">Season 1</a>' in html
    for section in ("work-characters", "work-cast", "work-episodes", "work-season-1", "work-releases"):
        assert f'<a href="#{section}">' in html
        assert f'id="{section}"' in html


def test_home_episode_tables_link_every_episode_in_season_order(client, series):
    html = client.get("/").content.decode()
    first, last, next_season = series["episodes"]
    positions = [html.index(f'href="{episode.get_absolute_url()}"') for episode in (first, last, next_season)]
    assert positions == sorted(positions)
    assert "Episodes of Hero Mask season 1</caption>" in html
    assert f'<a href="{series["seasons"][1].get_absolute_url()}">Hero Mask season 2</a>' in html


def test_home_cast_table_links_character_and_both_voices(client, series):
    html = client.get("/").content.decode()
    james = series["james"]
    row = html[html.index(f'<th scope="row"><a href="{james.get_absolute_url()}">James Blood</a></th>') :]
    row = row[: row.index("</tr>")]
    assert ">Yasuyuki Kase</a>" in row
    assert ">Greg Chun</a>" in row


def test_adaptation_page_shows_its_source_and_release_date_as_precise_as_known(client, series):
    manga = series["manga"]
    html = client.get(manga.get_absolute_url()).content.decode()
    assert f'<a href="{series["work"].get_absolute_url()}">Hero Mask</a>' in html
    assert '<time datetime="2021-03">March 2021</time>' in html
    assert "1 March 2021" not in html


def test_home_is_404_when_the_main_work_is_missing(client, db):
    assert client.get("/").status_code == 404


def test_home_query_count_does_not_grow_with_the_series(client, series):
    small = queries_for(client, "/")
    grow_series(series["work"], 10)
    assert queries_for(client, "/") == small


def test_episode_page_shows_infobox_and_links_its_characters(client, series):
    episode = series["episodes"][0]
    html = client.get(episode.get_absolute_url()).content.decode()
    assert f'<a href="{series["seasons"][0].get_absolute_url()}">Hero Mask season 1</a>' in html
    assert '<th scope="row">Overall number</th><td>1</td>' in html
    assert "24 minutes" in html
    assert f'<a href="{series["james"].get_absolute_url()}">James Blood</a>' in html


def test_next_episode_of_a_season_finale_is_the_first_of_the_next_season(client, series):
    first, finale, next_season = series["episodes"]
    html = client.get(finale.get_absolute_url()).content.decode()
    assert f'href="{next_season.get_absolute_url()}" rel="next"' in html
    assert f'href="{first.get_absolute_url()}" rel="prev"' in html
    html = client.get(next_season.get_absolute_url()).content.decode()
    assert f'href="{finale.get_absolute_url()}" rel="prev"' in html
    assert 'rel="next"' not in html


def test_episode_page_query_count_does_not_grow_with_its_cast(client, series):
    episode = series["episodes"][0]
    small = queries_for(client, episode.get_absolute_url())
    for _ in range(12):
        AppearanceFactory(episode=episode)
        episode.categories.add(CategoryFactory())
    assert queries_for(client, episode.get_absolute_url()) == small


def test_season_page_shows_its_episodes_and_the_neighbouring_season(client, series):
    season_1, season_2 = series["seasons"]
    html = client.get(season_1.get_absolute_url()).content.decode()
    assert '<th scope="row">Episodes</th><td>2</td>' in html
    assert f'<a href="{season_2.get_absolute_url()}">Hero Mask season 2</a>' in html
    for episode in series["episodes"][:2]:
        assert f'href="{episode.get_absolute_url()}"' in html
    assert f'href="{series["episodes"][2].get_absolute_url()}"' not in html


def test_season_page_query_count_does_not_grow_with_its_episodes(client, series):
    season = series["seasons"][1]
    small = queries_for(client, season.get_absolute_url())
    for number in range(2, 14):
        EpisodeFactory(season=season, number=number, number_overall=15 + number)
    assert queries_for(client, season.get_absolute_url()) == small


def test_episode_list_has_a_table_per_season(client, series):
    html = client.get(reverse("episodes:list")).content.decode()
    assert html.count('<table class="data-table card-table episode-table">') == 2
    for episode in series["episodes"]:
        assert f'href="{episode.get_absolute_url()}"' in html


def test_episode_list_query_count_does_not_grow_with_the_series(client, series):
    small = queries_for(client, reverse("episodes:list"))
    grow_series(series["work"], 10)
    assert queries_for(client, reverse("episodes:list")) == small


@pytest.mark.parametrize(
    "url", ["/episodes/no-such-episode/", "/seasons/no-such-season/", "/works/no-such-work/"]
)
def test_unknown_slugs_are_404(client, series, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_work_lists_characters_its_article_names_without_an_empty_cast_table(client, series):
    manga = series["manga"]
    jasper = CharacterFactory(title="Jasper", role=Role.MINOR)
    PageLink.objects.update_or_create(source=manga, target_title="Jasper", defaults={"target": jasper})
    html = client.get(manga.get_absolute_url()).content.decode()
    assert f'<a href="{jasper.get_absolute_url()}">Jasper</a>' in html
    assert 'id="work-cast"' not in html
    assert f'href="{series["james"].get_absolute_url()}"' not in html


def test_work_lists_characters_who_appear_or_are_named_in_its_article_and_no_others(client, series):
    work = series["work"]
    CharacterFactory(title="Jasper", role=Role.MINOR)
    CharacterFactory(title="Somebody Else", role=Role.MINOR)
    work.body += "\n\n[[Jasper]] is a bodyguard in the manga.\n"
    work.save()
    html = client.get(work.get_absolute_url()).content.decode()
    characters = html[html.index('id="work-characters"') : html.index('id="work-cast"')]
    assert 'href="/characters/james-blood/"' in characters
    assert 'href="/characters/jasper/"' in characters
    assert "Somebody Else" not in html
