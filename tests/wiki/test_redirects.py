"""``/go/<title>/``: titles, aliases and slugs lead to their page, which says
when the reader came through another name."""

import pytest
from django.urls import reverse

from tests.factories import AliasFactory, ArticleFactory, CharacterFactory
from wiki import markup
from wiki.models import TitleResolver


def render_markdown(text, page=None):
    return markup.render_markdown(text, resolver=TitleResolver(), page=page)


pytestmark = pytest.mark.django_db


def go(title):
    return reverse("wiki:go", kwargs={"title": title})


@pytest.fixture
def chandler():
    character = CharacterFactory(title="Edmond Chandler")
    AliasFactory(title="Eddy", page=character)
    return character


def test_a_title_leads_to_its_page_whatever_the_case(client, chandler):
    for title in ("Edmond Chandler", "edmond CHANDLER"):
        response = client.get(go(title))
        assert response.status_code == 302
        assert response["Location"] == "/characters/edmond-chandler/"


def test_a_slug_leads_to_its_page(client, chandler):
    assert client.get(go("edmond-chandler"))["Location"] == "/characters/edmond-chandler/"


def test_an_alias_leads_to_its_page_which_says_where_the_reader_came_from(client, chandler):
    response = client.get(go("eddy"), follow=True)
    assert response.redirect_chain == [("/characters/edmond-chandler/?redirectfrom=Eddy", 302)]
    assert '<p class="redirect-note">(Redirected from Eddy)</p>' in response.content.decode()


def test_a_wiki_link_to_an_alias_brings_the_reader_to_the_page_with_the_note(client, chandler):
    html = str(render_markdown("[[Eddy]]"))
    href = html.split('href="', 1)[1].split('"', 1)[0]
    response = client.get(href, follow=True)
    assert "(Redirected from Eddy)" in response.content.decode()
    assert response.redirect_chain[-1][0].startswith(chandler.get_absolute_url())


def test_no_redirect_note_for_a_name_that_is_not_one_of_the_pages_aliases(client, chandler):
    AliasFactory(title="Jim", page=CharacterFactory(title="James Blood"))
    for name in ("Nonsense", "Jim"):
        html = client.get(chandler.get_absolute_url(), {"redirectfrom": name}).content.decode()
        assert "Redirected from" not in html


def test_the_redirect_note_shows_the_alias_as_text(client):
    character = CharacterFactory(title="Harry Creighton")
    AliasFactory(title="<b>Harry</b>", page=character)
    html = client.get(go("<b>Harry</b>"), follow=True).content.decode()
    assert "(Redirected from &lt;b&gt;Harry&lt;/b&gt;)" in html


def test_an_unknown_title_is_a_not_found_page_offering_a_search(client):
    response = client.get(go("Grimm's cell"))
    html = response.content.decode()
    assert response.status_code == 404
    assert "There is no page titled “Grimm&#x27;s cell”." in html
    assert f'href="{reverse("wiki:search")}?q=Grimm%27s%20cell&amp;fulltext=1"' in html


def test_only_staff_are_offered_to_create_the_missing_page(client, admin_client):
    assert "Create the page" not in client.get(go("Grimm")).content.decode()
    html = admin_client.get(go("Grimm")).content.decode()
    assert 'href="/admin/articles/article/add/?title=Grimm"' in html


def test_a_disambiguation_page_says_the_name_may_refer_to_several_pages(client):
    page = ArticleFactory(title="Herst", is_disambiguation=True, body="* [[William Herst]]\n* [[Tina Herst]]")
    html = client.get(page.get_absolute_url()).content.decode()
    assert "may refer to" in html
    assert "Herst" in html
