"""The story the API's tests read: made once for each module that asks for it."""

import pytest

from characters.models import Language, Role
from tests.conftest import kept_for_the_module
from tests.factories import (
    AppearanceFactory,
    ArticleFactory,
    CategoryFactory,
    CharacterFactory,
    CharacterRelationshipFactory,
    MembershipFactory,
    OrganizationFactory,
    PersonFactory,
    ReleaseFactory,
    StaffCreditFactory,
    VoiceCreditFactory,
    WorkCompanyFactory,
    make_series,
)


def build_story():
    """Two seasons (3 + 2 episodes), characters met at different points, and every kind of row."""
    episodes = make_series()
    work = episodes[0].season.work
    hero = CharacterFactory(title="Hero Person", slug="hero-person", role=Role.MAIN, occupation="Detective")
    late = CharacterFactory(title="Late Comer", slug="late-comer", role=Role.ANTAGONIST, revealed_at=4)
    agency = OrganizationFactory(title="The Agency", slug="the-agency", organization_type="Police division")
    studio = OrganizationFactory(title="Studio Z", slug="studio-z", sphere="real")
    actor = PersonFactory(title="Voice One", slug="voice-one")
    english = PersonFactory(title="Voice Two", slug="voice-two")
    director = PersonFactory(title="Direct Or", slug="direct-or")
    AppearanceFactory(episode=episodes[0], character=hero)
    AppearanceFactory(episode=episodes[3], character=hero)
    AppearanceFactory(episode=episodes[3], character=late, kind="mentioned")
    MembershipFactory(character=hero, organization=agency)
    CharacterRelationshipFactory(character=hero, related_character=late, description="rival", revealed_at=4)
    VoiceCreditFactory(character=hero, person=actor, language=Language.JAPANESE)
    VoiceCreditFactory(character=hero, person=english, language=Language.ENGLISH)
    VoiceCreditFactory(character=late, person=actor, language=Language.JAPANESE)
    StaffCreditFactory(work=work, person=director)
    WorkCompanyFactory(work=work, organization=studio)
    ReleaseFactory(work=work, season=episodes[0].season, organization=studio)
    category = CategoryFactory(name="Heroes", slug="heroes")
    hero.categories.add(category)
    late.categories.add(CategoryFactory(name="Villains", slug="villains"))
    ArticleFactory(title="About", slug="about")
    return {"episodes": episodes, "work": work, "hero": hero, "late": late, "agency": agency}


@pytest.fixture(scope="module")
def module_story(django_db_setup, django_db_blocker):
    """The story, made once for the module; each test's own changes roll back to it."""
    with kept_for_the_module(django_db_blocker):
        yield build_story()


@pytest.fixture
def story(module_story, db):
    for row in (module_story["hero"], module_story["late"]):
        row.refresh_from_db()
    return module_story
