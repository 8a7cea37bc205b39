"""Model behaviour every page kind relies on."""

import pytest
from django.db import IntegrityError

from tests.factories import CharacterFactory, EpisodeFactory, PersonFactory, SeasonFactory
from wiki.models import Page

pytestmark = pytest.mark.django_db


def test_every_page_kind_reaches_its_specific_row_from_page():
    character = CharacterFactory(title="James Blood")
    page = Page.objects.get(pk=character.pk)
    assert page.kind == "character"
    assert page.specific == character
    assert page.get_absolute_url() == character.get_absolute_url()


def test_titles_are_unique_regardless_of_case():
    CharacterFactory(title="James Blood")
    with pytest.raises(IntegrityError):
        PersonFactory(title="james blood", slug="james-blood-2")


def test_episodes_cross_the_season_boundary_in_order():
    season_1 = SeasonFactory(number=1)
    season_2 = SeasonFactory(number=2, work=season_1.work)
    last_of_1 = EpisodeFactory(season=season_1, number=15, number_overall=15)
    first_of_2 = EpisodeFactory(season=season_2, number=1, number_overall=16)
    assert last_of_1.next() == first_of_2
    assert first_of_2.previous() == last_of_1
    assert first_of_2.next() is None


def test_seasons_link_to_the_seasons_before_and_after_them_in_their_work():
    season_1 = SeasonFactory(number=1)
    season_2 = SeasonFactory(number=2, work=season_1.work)
    other_work_season = SeasonFactory(number=3)
    assert season_1.previous() is None
    assert season_1.next() == season_2
    assert season_2.previous() == season_1
    assert season_2.next() is None
    assert other_work_season.previous() is None


def test_the_next_episode_is_named_as_it_is_now_after_a_rename():
    season = SeasonFactory(number=1)
    first = EpisodeFactory(season=season, number=1, number_overall=1)
    second = EpisodeFactory(season=season, number=2, number_overall=2, title="Season 1, Episode 2")
    assert first.next().title == "Season 1, Episode 2"
    second.title = "The Second Episode"
    second.save()
    assert first.next().title == "The Second Episode"
    assert first.next().get_absolute_url() == second.get_absolute_url()
