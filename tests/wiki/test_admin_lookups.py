"""The admin answers an address that names no object with "not found", never a database error."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.urls import reverse

from tests.factories import CharacterFactory
from wiki import checks

pytestmark = pytest.mark.django_db


def test_every_admin_of_the_site_passes_the_check():
    assert checks.check_model_admins() == []


def test_an_admin_that_does_not_derive_from_the_wikis_is_named_by_the_check():
    site = admin.AdminSite(name="elsewhere")
    site.register(User, admin.ModelAdmin)

    errors = checks.model_admin_errors(site)

    assert [error.id for error in errors] == ["wiki.E007"]
    assert "auth.User" in errors[0].msg


@pytest.mark.parametrize("object_id", [str(2**63), "9" * 40, "-1"])
@pytest.mark.parametrize("view", ["change", "delete"])
def test_a_page_kind_id_the_database_cannot_hold_is_not_found(admin_client, object_id, view):
    response = admin_client.get(reverse(f"admin:characters_character_{view}", args=[object_id]))

    assert response.status_code == 302
    assert response.url == reverse("admin:index")
    messages = [str(message) for message in response.wsgi_request._messages]
    assert any("doesn’t exist" in message for message in messages)


def test_an_empty_to_field_opens_the_page_by_its_id(admin_client):
    character = CharacterFactory(title="Sarah Sinclair")

    response = admin_client.get(
        reverse("admin:characters_character_change", args=[character.pk]), {"_to_field": ""}
    )

    assert response.status_code == 200
    assert "Sarah Sinclair" in response.content.decode()
