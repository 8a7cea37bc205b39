"""The editors' admin: every model has working list, add and change pages,
search, autocompletion and a link to the public page."""

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse

from episodes.models import Episode, Season, Work
from tests.factories import (
    AliasFactory,
    AppearanceFactory,
    ArticleFactory,
    CategoryFactory,
    CharacterFactory,
    CharacterRelationshipFactory,
    MembershipFactory,
    ReferenceFactory,
    ReleaseFactory,
    StaffCreditFactory,
    StaffUserFactory,
    UserFactory,
    VoiceCreditFactory,
    WorkCompanyFactory,
)
from wiki.models import Page, PageLink, Revision

pytestmark = pytest.mark.django_db

APPS = {"articles", "characters", "episodes"}
REGISTERED_MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)


@pytest.fixture
def superuser_client(client):
    client.force_login(StaffUserFactory())
    return client


@pytest.fixture
def one_of_everything():
    """One row of every registered model, keyed by model."""
    appearance = AppearanceFactory()
    episode, character = appearance.episode, appearance.character
    season, work = episode.season, episode.season.work
    voice_credit = VoiceCreditFactory(character=character)
    company = WorkCompanyFactory(work=work)
    group = Group.objects.create(name="Editors")
    rows = [
        appearance,
        episode,
        character,
        season,
        work,
        voice_credit,
        voice_credit.person,
        company,
        company.organization,
        group,
        UserFactory(),
        ArticleFactory(),
        AliasFactory(page=character),
        CategoryFactory(),
        ReferenceFactory(title="Hero Mask official site"),
        ReleaseFactory(season=season, work=work),
        CharacterRelationshipFactory(character=character),
        MembershipFactory(character=character),
        StaffCreditFactory(work=work),
        Revision.objects.latest_of(character),
        PageLink.objects.create(source=character, target=episode, target_title="Episode"),
        Page.objects.get(pk=character.pk),
    ]
    return {type(row): row for row in rows}


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", REGISTERED_MODELS, ids=lambda model: model._meta.label)
def test_admin_list_add_and_change_pages_open_for_a_superuser(superuser_client, one_of_everything, model):
    obj = one_of_everything[model]
    model_admin = admin.site._registry[model]

    changelist = superuser_client.get(admin_url(model, "changelist"))
    add = superuser_client.get(admin_url(model, "add"))
    change = superuser_client.get(admin_url(model, "change", obj.pk), follow=True)

    assert changelist.status_code == 200
    assert f'href="{admin_url(model, "change", obj.pk)}"' in changelist.content.decode()
    assert add.status_code == (200 if model_admin.has_add_permission(add.wsgi_request) else 403)
    assert change.status_code == 200


def test_every_model_of_the_three_apps_is_registered():
    apps_models = [
        apps.get_app_config(label).get_models() for label in ("articles", "characters", "episodes")
    ]
    models = [model for app_models in apps_models for model in app_models]

    assert [model for model in models if model not in admin.site._registry] == []


def test_page_admin_search_finds_pages_by_title_and_by_alias(superuser_client):
    sarah = CharacterFactory(title="Sarah Sinclair")
    james = CharacterFactory(title="James Blood")
    AliasFactory(title="Jim", page=james)

    by_title = superuser_client.get(admin_url(type(sarah), "changelist"), {"q": "sinclair"}).content.decode()
    by_alias = superuser_client.get(admin_url(type(sarah), "changelist"), {"q": "jim"}).content.decode()

    assert "Sarah Sinclair" in by_title and "James Blood" not in by_title
    assert "James Blood" in by_alias and "Sarah Sinclair" not in by_alias


def test_categories_are_chosen_by_autocomplete_on_every_page_kind(superuser_client):
    CategoryFactory(name="Main characters")
    CategoryFactory(name="Episodes")

    response = superuser_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "characters", "model_name": "character", "field_name": "categories", "term": "main"},
    )

    assert [result["text"] for result in response.json()["results"]] == ["Main characters"]


def test_change_page_links_to_the_public_page_and_its_history(superuser_client):
    character = CharacterFactory(title="Sarah Sinclair")

    html = superuser_client.get(admin_url(type(character), "change", character.pk)).content.decode()

    assert f'href="{character.get_absolute_url()}" class="viewsitelink"' in html
    assert f'href="{reverse("wiki:history", args=[character.pk])}"' in html


def test_change_page_of_a_page_kind_has_its_inlines_and_an_edit_summary(superuser_client):
    character = CharacterFactory()

    response = superuser_client.get(admin_url(type(character), "change", character.pk))

    inline_models = [inline.formset.model.__name__ for inline in response.context["inline_admin_formsets"]]
    assert inline_models == ["VoiceCredit", "Membership", "CharacterRelationship", "Alias"]
    assert '<label for="id_edit_summary">Edit summary:</label>' in response.content.decode()


def test_opening_a_page_in_the_all_pages_list_goes_to_its_own_kind(superuser_client):
    character = CharacterFactory()

    response = superuser_client.get(admin_url(Page, "change", character.pk))

    assert response.status_code == 302
    assert response.url == admin_url(type(character), "change", character.pk)


def test_admin_change_pages_of_the_real_contents_busiest_pages_open(superuser_client, content):
    work = Work.objects.get(slug=settings.WIKI_HOME_PAGE[1])
    season = work.seasons.order_by("number").first()

    work_page = superuser_client.get(admin_url(Work, "change", work.pk))
    season_page = superuser_client.get(admin_url(Season, "change", season.pk))

    assert work_page.status_code == season_page.status_code == 200
    inlines = {
        inline.formset.model.__name__: inline.formset for inline in work_page.context["inline_admin_formsets"]
    }
    assert inlines["StaffCredit"].queryset.count() == work.staff_credits.count() > 0
    episode_rows = next(
        i.formset for i in season_page.context["inline_admin_formsets"] if i.formset.model is Episode
    )
    assert [form.instance.number for form in episode_rows.initial_forms] == sorted(
        season.episodes.values_list("number", flat=True)
    )
