"""Link previews (``/preview/<address>``): a small card about a page, at the
reader's limit, cacheable like any page."""

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.models import Organization
from tests.factories import CharacterFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def preview(client, address, **extra):
    return client.get(f"/preview{address}", **extra)


KIND_FACTS = [
    ("/episodes/season-1-episode-8/", "Episode", "<dt>Released</dt><dd>3 December 2018</dd>"),
    ("/people/yasuyuki-kase/", "Person", "<dt>Voice of</dt><dd>James Blood (Japanese)</dd>"),
    ("/organizations/special-services-command/", "Organization", "<dd>Fictional police division</dd>"),
    ("/organizations/studio-pierrot/", "Organization", "<dt>Type</dt><dd>Animation studio</dd>"),
    ("/seasons/season-1/", "Season", "<dt>Episodes</dt><dd>15</dd>"),
    ("/", "Work", "<dt>Episodes</dt><dd>24</dd>"),
    ("/go/SSC/", "Organization", "<dt>Part of</dt><dd>Capital Police Department</dd>"),
]


def test_previews_of_the_real_content_at_everything_and_at_a_limit(content, client):
    response = preview(client, "/characters/james-blood/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<p class="page-preview__kind">Character</p>' in html
    assert '<p class="page-preview__title">James Blood</p>' in html
    assert "James Blood is the primary protagonist of Hero Mask" in html
    assert "<dt>Voiced by</dt><dd>Greg Chun (English), Yasuyuki Kase (Japanese)</dd>" in html
    assert "<dt>Affiliation</dt><dd>Special Services Command</dd>" in html
    # Plain text: no citation marks, no links inside a tooltip; two sentences at most.
    assert "[1]" not in html and "<a " not in html
    text = html.split('<p class="page-preview__text">')[1].split("</p>")[0]
    assert text.count(". ") <= 1

    for address, kind, fact in KIND_FACTS:
        html = preview(client, address).content.decode()
        assert f'<p class="page-preview__kind">{kind}</p>' in html, address
        assert fact in html, address

    # A page not met yet: "Not met yet", no name, no facts.
    html = preview(client, "/characters/tina-herst/?upto=s1e3").content.decode()
    assert '<p class="page-preview__title">Not met yet</p>' in html
    assert "Tina" not in html and "page-preview__facts" not in html

    # Text hidden at the limit does not reach the preview.
    everything = preview(client, "/organizations/special-services-command/?upto=all").content.decode()
    assert "It is an elite high-tech police organization." in everything
    at_limit = preview(client, "/organizations/special-services-command/?upto=s1e3").content.decode()
    assert "elite high-tech" not in at_limit and "show once" not in at_limit
    assert "Douglas Coates" not in at_limit  # a member met only in season 2
    episode = preview(client, "/episodes/season-2-episode-3/?upto=s1e3").content.decode()
    assert "Revealed in Season 2, Episode 3." in episode

    for address in [
        "/characters/nobody/",
        "/nowhere/",
        "/pages/1/history/",
        "/go/No such page/",
        "/characters/",
    ]:
        assert preview(client, address).status_code == 404, address


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(address=st.text(max_size=60))
def test_hostile_addresses_get_a_4xx_never_a_500(db, client, address):
    response = client.get("/preview/" + address.replace("\x00", ""))
    assert response.status_code in (200, 301, 400, 404)


@override_settings(PAGE_CACHE_ENABLED=True)
def test_preview_is_cacheable_and_served_from_the_page_cache(db, client):
    character = CharacterFactory(title="Cached Character")
    first = preview(client, character.get_absolute_url())
    assert not first.cookies
    assert "public" in first.headers["Cache-Control"]
    assert first.headers["X-Page-Cache"] == "miss"
    assert first.headers["X-Robots-Tag"] == "noindex"
    second = preview(client, character.get_absolute_url())
    assert second.headers["X-Page-Cache"] == "hit"
    assert second.content == first.content


def test_query_count_does_not_grow_with_the_facts(db, client, settings):
    settings.PAGE_CACHE_ENABLED = False
    few = OrganizationFactory(title="Small Unit", sphere=Organization.Sphere.FICTIONAL)
    many = OrganizationFactory(title="Large Unit", sphere=Organization.Sphere.FICTIONAL)
    for number in range(6):
        member = CharacterFactory(title=f"Member {number}")
        member.affiliations.add(many)
    counts = []
    for organization in (few, many):
        with CaptureQueriesContext(connection) as queries:
            assert preview(client, organization.get_absolute_url()).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert (
        "Member 0, Member 1, Member 2 and 3 more" in preview(client, many.get_absolute_url()).content.decode()
    )
