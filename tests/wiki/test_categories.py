"""Categories: every page shows its own, and a category's description is wiki markup."""

import pytest

from tests.factories import ArticleFactory, CategoryFactory, CharacterFactory, EpisodeFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("factory", [ArticleFactory, CharacterFactory, EpisodeFactory])
def test_every_kind_of_page_links_to_its_categories(client, factory):
    agents = CategoryFactory(name="SSC members")
    leads = CategoryFactory(name="Main characters")
    page = factory()
    page.categories.set([agents, leads])
    html = client.get(page.get_absolute_url()).content.decode()
    footer = html[html.index('<footer class="page-footer">') :]
    assert f'<a href="{agents.get_absolute_url()}">SSC members</a>' in footer
    assert f'<a href="{leads.get_absolute_url()}">Main characters</a>' in footer


def test_a_category_page_lists_its_members_and_renders_its_description_as_wiki_markup(client):
    CharacterFactory(title="James Blood")
    category = CategoryFactory(
        name="Agents", description="Colleagues of [[James Blood]] and [[Grimm]]. <script>x</script>"
    )
    member = ArticleFactory(title="Field work")
    member.categories.add(category)
    html = client.get(category.get_absolute_url()).content.decode()
    assert '<a href="/characters/james-blood/" title="James Blood">James Blood</a>' in html
    assert 'class="new"' in html
    assert "<script>x" not in html
    assert f'<a href="{member.get_absolute_url()}">Field work</a>' in html
