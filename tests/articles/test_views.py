"""Reader pages of the articles app: articles, organizations, categories, and the 404 page."""

import pytest
from django.template import loader
from django.urls import reverse

from articles.models import Organization
from episodes.models import WorkCompany
from tests.conftest import queries_for
from tests.factories import (
    ArticleFactory,
    CategoryFactory,
    CharacterFactory,
    EpisodeFactory,
    OrganizationFactory,
    PersonFactory,
    StaffUserFactory,
    WorkCompanyFactory,
    WorkFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ssc():
    police = OrganizationFactory(title="Capital Police Department", organization_type="Police force")
    ssc = OrganizationFactory(
        title="Special Services Command", organization_type="Police division", parent=police
    )
    OrganizationFactory(title="SSC Retrieval Team", parent=ssc)
    james = CharacterFactory(title="James Blood")
    james.affiliations.add(ssc)
    return ssc


def test_article_page_shows_lead_body_and_categories(client):
    category = CategoryFactory(name="Production")
    article = ArticleFactory(
        title="Bio-mask", lead="A **mask** that changes faces.", body="## Origins\n\nMade by LIVE."
    )
    article.categories.add(category)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<title>Bio-mask – Hero Mask Wiki</title>" in html
    assert "<strong>mask</strong>" in html
    assert '<a href="#origins">Origins</a>' in html
    assert f'<a href="{category.get_absolute_url()}">Production</a>' in html


def test_disambiguation_page_says_what_it_is(client):
    page = ArticleFactory(title="Herst", is_disambiguation=True)
    html = client.get(page.get_absolute_url()).content.decode()
    assert "This is a disambiguation page" in html
    assert (
        "This is a disambiguation page"
        not in client.get(ArticleFactory().get_absolute_url()).content.decode()
    )


def test_page_tools_link_history_and_backlinks_and_edit_only_for_staff(client):
    article = ArticleFactory()
    html = client.get(article.get_absolute_url()).content.decode()
    assert f'href="{reverse("wiki:history", args=[article.pk])}"' in html
    assert f'href="{reverse("wiki:backlinks", args=[article.pk])}"' in html
    admin_url = reverse("admin:articles_article_change", args=[article.pk])
    assert admin_url not in html
    client.force_login(StaffUserFactory())
    assert f'<a href="{admin_url}">Edit</a>' in client.get(article.get_absolute_url()).content.decode()


def test_all_pages_index_links_every_kind_of_page(client):
    pages = [ArticleFactory(), CharacterFactory(), PersonFactory(), EpisodeFactory(), OrganizationFactory()]
    html = client.get(reverse("wiki:index")).content.decode()
    for page in pages:
        assert f'<a href="{page.get_absolute_url()}">{page.title}</a>' in html


def test_organization_infobox_links_parent_divisions_members_and_work_roles(client, ssc):
    work = WorkFactory(title="Hero Mask")
    WorkCompanyFactory(work=work, organization=ssc, role=WorkCompany.Role.STUDIO)
    html = client.get(ssc.get_absolute_url()).content.decode()
    assert '<th scope="row">Type</th><td>Fictional police division</td>' in html
    assert f'<a href="{ssc.parent.get_absolute_url()}">Capital Police Department</a>' in html
    division = ssc.divisions.get()
    assert f'<a href="{division.get_absolute_url()}">SSC Retrieval Team</a>' in html
    member = ssc.members.get()
    assert f'<a href="{member.get_absolute_url()}">James Blood</a>' in html
    assert f'Studio of <a href="{work.get_absolute_url()}">Hero Mask</a>' in html


def test_organization_page_query_count_does_not_grow_with_members(client, ssc):
    small = queries_for(client, ssc.get_absolute_url())
    for _ in range(12):
        CharacterFactory().affiliations.add(ssc)
        OrganizationFactory(parent=ssc)
        WorkCompanyFactory(organization=ssc)
        ssc.categories.add(CategoryFactory())
    assert queries_for(client, ssc.get_absolute_url()) == small


def test_organizations_index_separates_story_from_real_world(client, ssc):
    studio = OrganizationFactory(title="Studio Pierrot", sphere=Organization.Sphere.REAL)
    html = client.get(reverse("articles:organizations")).content.decode()
    story = html.index("In the story</h2>")
    real = html.index("Real world</h2>")
    assert (
        story
        < html.index(f'href="{ssc.get_absolute_url()}"')
        < real
        < html.index(f'href="{studio.get_absolute_url()}"')
    )


def test_category_page_groups_members_by_kind(client):
    category = CategoryFactory(name="Special Services Command", description="Members of the *SSC*.")
    character = CharacterFactory(title="James Blood")
    organization = OrganizationFactory(title="SSC Retrieval Team")
    for page in (character, organization):
        page.categories.add(category)
    html = client.get(category.get_absolute_url()).content.decode()
    assert "<title>Category: Special Services Command – Hero Mask Wiki</title>" in html
    assert "<em>SSC</em>" in html
    characters = html.index("Characters <span")
    organizations = html.index("Organizations <span")
    assert characters < html.index(f'href="{character.get_absolute_url()}"') < organizations
    assert organizations < html.index(f'href="{organization.get_absolute_url()}"')


def test_categories_index_counts_pages(client):
    category = CategoryFactory(name="Characters")
    for _ in range(3):
        CharacterFactory().categories.add(category)
    html = client.get(reverse("wiki:categories")).content.decode()
    assert (
        f'<a href="{category.get_absolute_url()}">Characters</a> <span class="muted">(3 pages)</span>' in html
    )


@pytest.mark.parametrize("url_name", ["wiki:index", "articles:organizations", "wiki:categories"])
def test_index_query_counts_do_not_grow_with_the_wiki(client, url_name):
    CategoryFactory()
    small = queries_for(client, reverse(url_name))
    for _ in range(12):
        category = CategoryFactory()
        OrganizationFactory(parent=OrganizationFactory()).categories.add(category)
        ArticleFactory().categories.add(category)
    assert queries_for(client, reverse(url_name)) == small


def test_category_page_query_count_does_not_grow_with_members(client):
    category = CategoryFactory()
    CharacterFactory().categories.add(category)
    small = queries_for(client, category.get_absolute_url())
    for _ in range(12):
        for factory in (CharacterFactory, ArticleFactory, OrganizationFactory):
            factory().categories.add(category)
    assert queries_for(client, category.get_absolute_url()) == small


def test_article_page_query_count_does_not_grow_with_categories(client):
    article = ArticleFactory()
    small = queries_for(client, article.get_absolute_url())
    for _ in range(12):
        article.categories.add(CategoryFactory())
    assert queries_for(client, article.get_absolute_url()) == small


@pytest.mark.parametrize(
    "url", ["/wiki/no-such-page/", "/organizations/nobody/", "/categories/nothing/", "/no/such/address/"]
)
def test_unknown_addresses_get_a_helpful_404(client, url):
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in html
    assert f'action="{reverse("wiki:search")}"' in html
    assert 'name="q"' in html
    assert f'href="{reverse("home")}"' in html
    assert f'href="{reverse("characters:index")}"' in html


def test_404_page_offers_the_missing_address_as_a_search(client):
    html = client.get("/characters/geffrey-connor/").content.decode()
    assert 'value="geffrey connor"' in html


def test_500_page_renders_without_request_or_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        html = loader.get_template("500.html").render()
    assert "Something went wrong" in html
    assert f'href="{reverse("home")}"' in html
