"""factory-boy factories for every model, for unit tests and benchmarks."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.utils.text import slugify

from articles.models import Article, Organization
from characters.models import (
    Character,
    CharacterRelationship,
    Language,
    Membership,
    Person,
    Role,
    VoiceCredit,
)
from episodes.models import (
    Appearance,
    Episode,
    Release,
    Season,
    StaffCredit,
    Work,
    WorkCompany,
)
from episodes.models import Role as StaffRole
from wiki.models import Alias, Category, Reference


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"editor{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("correct horse battery staple")


class StaffUserFactory(UserFactory):
    is_staff = True
    is_superuser = True


class PageFactory(factory.django.DjangoModelFactory):
    """Fields every page kind has; subclasses set ``Meta.model`` and ``title``."""

    class Meta:
        abstract = True

    slug = factory.LazyAttribute(lambda page: slugify(page.title))
    lead = factory.LazyAttribute(lambda page: f"{page.title} is a page of the encyclopedia.")
    body = ""


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.LazyAttribute(lambda category: slugify(category.name))


class ArticleFactory(PageFactory):
    class Meta:
        model = Article

    title = factory.Sequence(lambda n: f"Article {n}")


class OrganizationFactory(PageFactory):
    class Meta:
        model = Organization

    title = factory.Sequence(lambda n: f"Organization {n}")
    sphere = Organization.Sphere.FICTIONAL


class AliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Alias

    title = factory.Sequence(lambda n: f"Alias {n}")
    page = factory.SubFactory(ArticleFactory)


class ReferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reference

    number = factory.Sequence(lambda n: n + 1)


class PersonFactory(PageFactory):
    class Meta:
        model = Person

    title = factory.Sequence(lambda n: f"Person {n}")


class CharacterFactory(PageFactory):
    class Meta:
        model = Character

    title = factory.Sequence(lambda n: f"Character {n}")
    role = Role.SUPPORTING


class CharacterRelationshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CharacterRelationship

    character = factory.SubFactory(CharacterFactory)
    related_character = factory.SubFactory(CharacterFactory)
    description = "colleague"


class VoiceCreditFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VoiceCredit

    character = factory.SubFactory(CharacterFactory)
    person = factory.SubFactory(PersonFactory)
    language = Language.JAPANESE


class WorkFactory(PageFactory):
    class Meta:
        model = Work

    title = factory.Sequence(lambda n: f"Work {n}")
    medium = Work.Medium.ANIME


class SeasonFactory(PageFactory):
    class Meta:
        model = Season

    work = factory.SubFactory(WorkFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.LazyAttribute(lambda season: f"{season.work.title} season {season.number}")
    release_date = datetime.date(2018, 12, 3)


class EpisodeFactory(PageFactory):
    class Meta:
        model = Episode

    season = factory.SubFactory(SeasonFactory)
    number = factory.Sequence(lambda n: n + 1)
    number_overall = factory.LazyAttribute(lambda episode: episode.number)
    title = factory.LazyAttribute(lambda episode: f"{episode.season.title}, episode {episode.number}")
    runtime_minutes = 24
    release_date = factory.LazyAttribute(lambda episode: episode.season.release_date)


class AppearanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Appearance

    episode = factory.SubFactory(EpisodeFactory)
    character = factory.SubFactory(CharacterFactory)


class StaffCreditFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffCredit

    work = factory.SubFactory(WorkFactory)
    person = factory.SubFactory(PersonFactory)
    role = StaffRole.DIRECTOR


class WorkCompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkCompany

    work = factory.SubFactory(WorkFactory)
    organization = factory.SubFactory(OrganizationFactory, sphere=Organization.Sphere.REAL)
    role = WorkCompany.Role.STUDIO


class ReleaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Release

    work = factory.SubFactory(WorkFactory)
    medium = Release.Medium.STREAMING
    region = "Worldwide"
    start_date = datetime.date(2018, 12, 3)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    character = factory.SubFactory(CharacterFactory)
    organization = factory.SubFactory(OrganizationFactory)


def make_series(seasons=(3, 2)):
    """A work with seasons of the given episode counts, numbered across the
    series from 1: the story's timeline (``wiki.reading``). Returns the episodes in order."""
    work = WorkFactory(medium="anime")
    episodes = []
    for season_number, count in enumerate(seasons, start=1):
        season = SeasonFactory(work=work, number=season_number)
        for number in range(1, count + 1):
            episodes.append(EpisodeFactory(season=season, number=number, number_overall=len(episodes) + 1))
    return episodes
