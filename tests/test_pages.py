"""The reader pages over the real content (fixtures/*.json)."""

import re
from collections import Counter

import pytest
from django.urls import reverse

from characters.models import Character, Person
from episodes.models import Episode
from wiki.models import Category, Page

# Every test reads the real content, loaded once for the module.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("content_of_the_module")]

INDEXES = [
    "home",
    "episodes:list",
    "characters:index",
    "characters:cast",
    "characters:people",
    "wiki:index",
    "articles:organizations",
    "wiki:categories",
]


def infobox_row(html, label):
    start = html.index(f'<th scope="row">{label}</th>')
    return html[start : html.index("</tr>", start)]


def link_to(page):
    return f'<a href="{page.get_absolute_url()}">{page.title}</a>'


def test_home_infobox_gives_the_series_facts_linked(client, content):
    html = client.get("/").content.decode()
    assert link_to(Page.objects.get(title="Studio Pierrot")) in infobox_row(html, "Studio")
    assert link_to(Person.objects.get(title="Hiroyasu Aoki")) in infobox_row(html, "Director")
    assert link_to(Page.objects.get(title="Netflix")) in infobox_row(html, "Streaming service")
    assert ">24</a>" in infobox_row(html, "Episodes")
    assert "<td>2</td>" in infobox_row(html, "Seasons")


def test_home_has_an_episode_table_per_season_linking_every_episode(client, content):
    html = client.get("/").content.decode()
    assert html.count('<table class="data-table card-table episode-table">') == 2
    for episode in Episode.objects.all():
        assert f'href="{episode.get_absolute_url()}"' in html


def test_first_episode_links_to_monica_campbell(client, content):
    episode = Episode.objects.get(season__number=1, number=1)
    html = client.get(episode.get_absolute_url()).content.decode()
    assert f'href="{Character.objects.get(title="Monica Campbell").get_absolute_url()}"' in html


def test_last_episode_of_season_1_leads_on_to_season_2(client, content):
    finale = Episode.objects.get(season__number=1, number=15)
    opener = Episode.objects.get(season__number=2, number=1)
    html = client.get(finale.get_absolute_url()).content.decode()
    assert f'href="{opener.get_absolute_url()}" rel="next"' in html


def test_james_blood_page_links_both_voice_actors(client, content):
    html = client.get(Character.objects.get(title="James Blood").get_absolute_url()).content.decode()
    assert link_to(Person.objects.get(title="Yasuyuki Kase")) in infobox_row(html, "Japanese voice")
    assert link_to(Person.objects.get(title="Greg Chun")) in infobox_row(html, "English voice")


def test_every_page_and_index_returns_200(client, content):
    urls = [page.get_absolute_url() for page in Page.objects.all()]
    urls += [category.get_absolute_url() for category in Category.objects.all()]
    urls += [reverse(name) for name in INDEXES]
    failures = {url: status for url in urls if (status := client.get(url).status_code) != 200}
    assert failures == {}
    assert len(urls) > 100


@pytest.mark.parametrize("url_name", ["home", "episodes:list", "characters:cast"])
def test_no_element_id_repeats_on_pages_that_gather_other_pages_text(client, content, url_name):
    html = client.get(reverse(url_name)).content.decode()
    repeated = [id_ for id_, count in Counter(re.findall(r'\sid="([^"]+)"', html)).items() if count > 1]
    assert repeated == []
