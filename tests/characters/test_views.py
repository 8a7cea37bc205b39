"""Reader pages of the characters app: characters, the cast and people."""

import datetime

import pytest
from django.urls import reverse

from characters.models import Language, Role
from episodes.models import Role as StaffRole
from tests.conftest import queries_for
from tests.factories import (
    AppearanceFactory,
    CategoryFactory,
    CharacterFactory,
    CharacterRelationshipFactory,
    EpisodeFactory,
    OrganizationFactory,
    PersonFactory,
    SeasonFactory,
    StaffCreditFactory,
    VoiceCreditFactory,
    WorkFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def james():
    ssc = OrganizationFactory(title="Special Services Command")
    james = CharacterFactory(
        title="James Blood", role=Role.MAIN, occupation="SSC agent", body="James is an SSC agent."
    )
    james.affiliations.add(ssc)
    VoiceCreditFactory(
        character=james, person=PersonFactory(title="Yasuyuki Kase"), language=Language.JAPANESE
    )
    VoiceCreditFactory(character=james, person=PersonFactory(title="Greg Chun"), language=Language.ENGLISH)
    return james


@pytest.fixture
def episodes():
    work = WorkFactory(title="Hero Mask")
    season_1 = SeasonFactory(work=work, number=1)
    season_2 = SeasonFactory(work=work, number=2)
    return [
        EpisodeFactory(season=season_2, number=1, number_overall=16, title="Season 2 episode 1"),
        EpisodeFactory(
            season=season_1,
            number=2,
            number_overall=2,
            title="Season 1 episode 2",
            release_date=datetime.date(2018, 12, 3),
        ),
        EpisodeFactory(season=season_1, number=9, number_overall=9, title="Season 1 episode 9"),
    ]


def test_character_infobox_links_affiliation_and_both_voice_actors(client, james):
    html = client.get(james.get_absolute_url()).content.decode()
    organization = james.affiliations.get()
    japanese, english = (credit.person for credit in james.voice_credits.order_by("language").reverse())
    assert '<th scope="row">Role</th><td>Main character</td>' in html
    assert "SSC agent" in html
    assert f'<a href="{organization.get_absolute_url()}">Special Services Command</a>' in html
    assert (
        f'<th scope="row">Japanese voice</th><td><a href="{japanese.get_absolute_url()}">Yasuyuki Kase</a>'
        in html
    )
    assert (
        f'<th scope="row">English voice</th><td><a href="{english.get_absolute_url()}">Greg Chun</a>' in html
    )
    assert "Biography</h2>" in html


def test_character_appearances_are_in_broadcast_order_with_the_first_highlighted(client, james, episodes):
    for episode in episodes:
        AppearanceFactory(episode=episode, character=james)
    html = client.get(james.get_absolute_url()).content.decode()
    appearances = html[html.index('id="character-appearances"') :]
    positions = [appearances.index(f'href="{episode.get_absolute_url()}"') for episode in episodes]
    assert positions[1] < positions[2] < positions[0]
    first = appearances[appearances.index('class="first-appearance"') :]
    assert first.index(episodes[1].get_absolute_url()) < first.index("First appearance</strong>")
    assert '<time datetime="2018-12-03">3 December 2018</time>' in first


def test_character_page_shows_relationships_from_both_sides(client, james):
    monica = CharacterFactory(title="Monica Campbell")
    sarah = CharacterFactory(title="Sarah Sinclair")
    CharacterRelationshipFactory(character=james, related_character=monica, description="mentor")
    CharacterRelationshipFactory(character=sarah, related_character=james, description="partner")
    html = client.get(james.get_absolute_url()).content.decode()
    assert f'<a href="{monica.get_absolute_url()}">Monica Campbell</a> – mentor' in html
    assert (
        f'<a href="{sarah.get_absolute_url()}">Sarah Sinclair</a> – James Blood is Sarah Sinclair\'s partner'
        in html
    )


def test_character_page_query_count_does_not_grow_with_the_character(client, james, episodes):
    small = queries_for(client, james.get_absolute_url())
    work = episodes[0].season.work
    for n in range(12):
        season = SeasonFactory(work=work, number=10 + n)
        AppearanceFactory(
            episode=EpisodeFactory(season=season, number=1, number_overall=50 + n), character=james
        )
        CharacterRelationshipFactory(character=james)
        CharacterRelationshipFactory(related_character=james)
        VoiceCreditFactory(character=james)
        james.affiliations.add(OrganizationFactory())
        james.categories.add(CategoryFactory())
    assert queries_for(client, james.get_absolute_url()) == small


def test_character_index_groups_characters_by_role(client, james):
    villain = CharacterFactory(title="Geffrey Connor", role=Role.ANTAGONIST)
    html = client.get(reverse("characters:index")).content.decode()
    main = html.index("Main characters</h2>")
    antagonists = html.index("Antagonists</h2>")
    assert main < html.index(f'href="{james.get_absolute_url()}"') < antagonists
    assert antagonists < html.index(f'href="{villain.get_absolute_url()}"')


def test_cast_page_links_characters_and_voices(client, james):
    CharacterFactory(title="Unvoiced Extra")
    html = client.get(reverse("characters:cast")).content.decode()
    assert f'<th scope="row"><a href="{james.get_absolute_url()}">James Blood</a></th>' in html
    for credit in james.voice_credits.select_related("person"):
        assert f'<a href="{credit.person.get_absolute_url()}">{credit.person.title}</a>' in html
    assert "Unvoiced Extra" not in html


@pytest.mark.parametrize("url_name", ["characters:index", "characters:cast", "characters:people"])
def test_index_query_counts_do_not_grow_with_the_cast(client, james, url_name):
    small = queries_for(client, reverse(url_name))
    work = WorkFactory()
    for _ in range(12):
        character = CharacterFactory(role=Role.MINOR)
        VoiceCreditFactory(character=character)
        VoiceCreditFactory(character=character, language=Language.ENGLISH)
        StaffCreditFactory(work=work, role=StaffRole.WRITER)
    assert queries_for(client, reverse(url_name)) == small


def test_person_page_lists_voice_and_staff_credits_linked(client, james):
    person = PersonFactory(title="Hiroyasu Aoki")
    work = WorkFactory(title="Hero Mask")
    StaffCreditFactory(work=work, person=person, role=StaffRole.DIRECTOR)
    VoiceCreditFactory(character=james, person=person, language=Language.ENGLISH)
    html = client.get(person.get_absolute_url()).content.decode()
    work_link, james_link = work.get_absolute_url(), james.get_absolute_url()
    assert f'<a href="{work_link}">Hero Mask</a></th><td data-label="Role">Director</td>' in html
    assert f'<a href="{james_link}">James Blood</a></th><td data-label="Language">English</td>' in html


def test_person_page_query_count_does_not_grow_with_credits(client, james):
    person = PersonFactory()
    small = queries_for(client, person.get_absolute_url())
    for _ in range(12):
        VoiceCreditFactory(person=person)
        StaffCreditFactory(person=person)
        person.categories.add(CategoryFactory())
    assert queries_for(client, person.get_absolute_url()) == small


def test_people_index_separates_voice_actors_from_staff(client, james):
    director = PersonFactory(title="Hiroyasu Aoki")
    StaffCreditFactory(person=director, role=StaffRole.DIRECTOR)
    html = client.get(reverse("characters:people")).content.decode()
    staff = html.index('id="people-staff"')
    assert html.index(">Yasuyuki Kase</a>") < staff < html.index(f'<a href="{director.get_absolute_url()}">')
    assert f'<a href="{james.get_absolute_url()}">James Blood</a> (Japanese)' in html


@pytest.mark.parametrize("url", ["/characters/nobody/", "/people/nobody/"])
def test_unknown_slugs_are_404(client, url):
    assert client.get(url).status_code == 404
