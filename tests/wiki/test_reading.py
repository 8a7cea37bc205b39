"""Reading limits (``wiki.reading``) as a reader meets them: the control, the
limit in the address and the cookie, passages revealed later, pages of
characters not met yet, and the page cache that must never cross limits."""

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import (
    ArticleFactory,
    CharacterFactory,
    CharacterRelationshipFactory,
    EpisodeFactory,
    MembershipFactory,
    OrganizationFactory,
    make_series,
)
from wiki import markup, reading
from wiki.models import TitleResolver

SECRET = "The butler did it"


@pytest.fixture
def series(db):
    # Season 1: positions 1-3 (s1e1-s1e3); season 2: 4-5 (s2e1, s2e2).
    return make_series(seasons=(3, 2))


@pytest.fixture
def mystery(series):
    return ArticleFactory(
        title="The mystery",
        lead=f"A crime is committed. {{{{reveal s2e1|{SECRET}.}}}}",
        body=(
            "## Suspects\n\n{{reveal s1e2}}\nA second suspect emerges.\n\n"
            "- one\n- two\n{{/reveal}}\n\nThe end."
        ),
    )


def text_of(response):
    return response.content.decode()


def test_the_control_lists_not_started_every_episode_and_everything(client, series):
    html = text_of(client.get("/wiki/"))
    assert 'name="upto"' in html
    for code in ("all", "start", "s1e1", "s1e3", "s2e1", "s2e2"):
        assert f'value="{code}"' in html
    assert '<optgroup label="Season 1">' in html and '<optgroup label="Season 2">' in html


def test_a_passage_revealed_later_is_hidden_and_says_when(client, mystery):
    html = text_of(client.get(mystery.get_absolute_url() + "?upto=s1e3"))
    assert SECRET not in html
    assert "revealed in Season 2, Episode 1" in html
    assert "A second suspect emerges" in html  # revealed at s1e2, before the limit
    assert 'href="?show=lead-1#lead-1"' in html


def test_a_block_passage_is_hidden_whole(client, mystery):
    html = text_of(client.get(mystery.get_absolute_url() + "?upto=s1e1"))
    assert "A second suspect emerges" not in html and "<li>one</li>" not in html
    assert "A passage revealed in Season 1, Episode 2 is hidden" in html
    assert "The end." in html


def test_everything_shows_every_passage_without_notes(client, mystery):
    html = text_of(client.get(mystery.get_absolute_url()))
    assert SECRET in html and "A second suspect emerges" in html
    assert "hidden-passage" not in html and "shown-passage" not in html
    assert "{{reveal" not in html and "{{/reveal}}" not in html


def test_showing_a_passage_once_shows_that_passage_only(client, mystery):
    html = text_of(client.get(mystery.get_absolute_url() + "?upto=start&show=lead-1"))
    assert SECRET in html
    assert "shown at your request" in html
    assert "A second suspect emerges" not in html
    # Only on that page: the next page at the same limit hides it again.
    assert SECRET not in text_of(client.get(mystery.get_absolute_url()))


def test_the_description_and_title_of_a_page_leave_hidden_passages_out(client, mystery):
    html = text_of(client.get(mystery.get_absolute_url() + "?upto=start"))
    head = html.split("</head>")[0]
    assert SECRET not in head


def test_a_limit_in_the_address_is_remembered_in_a_cookie(client, series):
    response = client.get("/wiki/?upto=s1e2")
    assert response.cookies[reading.COOKIE_NAME].value == "s1e2"
    assert response.cookies[reading.COOKIE_NAME]["samesite"] == "Lax"
    assert "Cookie" in response.headers["Vary"]
    html = text_of(client.get("/wiki/"))
    assert "Reading up to: <strong>Season 1, Episode 2</strong>" in html


def test_the_control_saves_the_limit_and_goes_back(client, series):
    response = client.get(reverse("wiki:reading"), {"upto": "s2e1", "next": "/wiki/?upto=s1e1&x=1"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/wiki/?x=1"
    assert response.cookies[reading.COOKIE_NAME].value == "s2e1"


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", ""])
def test_the_control_never_sends_the_reader_elsewhere(client, series, next_url):
    response = client.get(reverse("wiki:reading"), {"upto": "s2e1", "next": next_url})
    assert response.headers["Location"] == "/"


def test_the_control_refuses_an_unknown_point_with_a_message(client, series):
    response = client.get(reverse("wiki:reading"), {"upto": "s9e9", "next": "/"})
    assert response.status_code == 400
    assert "is not a point of the story" in text_of(response)
    assert reading.COOKIE_NAME not in response.cookies


def test_an_unknown_limit_in_the_address_is_ignored_with_a_note(client, mystery):
    response = client.get(mystery.get_absolute_url() + "?upto=s7e77")
    assert response.status_code == 200
    html = text_of(response)
    assert "is not a point of the story, so it was ignored" in html
    assert SECRET in html  # everything
    assert reading.COOKIE_NAME not in response.cookies


def test_a_broken_cookie_is_ignored_with_a_note_and_forgotten(client, mystery):
    client.cookies[reading.COOKIE_NAME] = "<script>"
    response = client.get(mystery.get_absolute_url())
    assert response.status_code == 200
    assert "The saved reading limit “&lt;script&gt;” is not a point of the story" in text_of(response)
    assert response.cookies[reading.COOKIE_NAME].value == ""


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.text(max_size=300))
def test_any_limit_in_the_address_or_the_cookie_gets_a_page_never_an_error(client, series, value):
    client.cookies[reading.COOKIE_NAME] = value.encode("utf-8", "surrogatepass").decode("latin-1")
    for response in (
        client.get("/wiki/", {"upto": value, "show": value}),
        client.get(reverse("wiki:reading"), {"upto": value, "next": value}),
    ):
        assert response.status_code in (200, 302, 400)


def test_a_character_not_met_yet_has_a_page_that_gives_nothing_away(client, series):
    tina = CharacterFactory(title="Tina Herst", lead="Tina is the daughter of a researcher.", revealed_at=5)
    html = text_of(client.get(tina.get_absolute_url() + "?upto=s2e1"))
    assert "Tina" not in html.replace("tina-herst", "")
    assert "Not met yet" in html and "Season 2, Episode 2" in html
    assert "Tina is the daughter" in text_of(client.get(tina.get_absolute_url() + "?upto=s2e2"))


def test_showing_an_unmet_page_once_shows_it(client, series):
    tina = CharacterFactory(title="Tina Herst", lead="Tina is the daughter of a researcher.", revealed_at=5)
    assert "Tina is the daughter" in text_of(client.get(tina.get_absolute_url() + "?upto=start&show=page"))


def test_every_mention_of_a_character_not_met_is_masked(client, series):
    CharacterFactory(title="Gary Evans", revealed_at=4)
    article = ArticleFactory(lead="Gary Evans is a pioneer. Later, [[Gary Evans]] hides. Gary Evans again.")
    html = text_of(client.get(article.get_absolute_url() + "?upto=s1e3"))
    assert "Gary" not in html
    lead = html.split('<div class="lead">')[1].split("</div>")[0]
    assert lead.count(markup.UNMET_TEXT) == 3
    assert "Gary Evans is a pioneer" in text_of(client.get(article.get_absolute_url() + "?upto=s2e1"))


def test_lists_and_indexes_leave_out_pages_not_met(client, series):
    CharacterFactory(title="Gary Evans", revealed_at=4)
    for url in ("/wiki/", reverse("characters:index")):
        assert "Gary Evans" not in text_of(client.get(url + "?upto=s1e3"))
        assert "Gary Evans" in text_of(client.get(url + "?upto=all"))


def test_random_page_never_leads_to_a_page_not_met(client, series):
    gary = CharacterFactory(title="Gary Evans", revealed_at=4)
    at_limit = {client.get(reverse("wiki:random") + "?upto=s1e3").headers["Location"] for _ in range(40)}
    assert gary.get_absolute_url() not in at_limit
    assert len(at_limit) > 1


def test_what_links_here_leaves_out_links_in_passages_not_revealed(client, series):
    james = CharacterFactory(title="James Blood")
    article = ArticleFactory(title="Twist", lead="A twist. {{reveal s2e1|[[James Blood]] is a fugitive.}}")
    url = reverse("wiki:backlinks", kwargs={"pk": james.pk})
    assert "Twist" not in text_of(client.get(url + "?upto=s1e3"))
    assert "Twist" in text_of(client.get(url + "?upto=s2e1"))
    assert article.outgoing_links.get().revealed_at == 4


def test_relationships_and_affiliations_show_their_state_at_the_limit(client, series):
    james = CharacterFactory(title="James Blood")
    monica = CharacterFactory(title="Monica Campbell")
    CharacterRelationshipFactory(character=james, related_character=monica, description="mentor", ended_at=2)
    CharacterRelationshipFactory(
        character=james,
        related_character=CharacterFactory(title="Tina Herst"),
        description="ward",
        revealed_at=5,
    )
    MembershipFactory(character=james, organization=OrganizationFactory(title="SSC"), ended_at=4)
    early = text_of(client.get(james.get_absolute_url() + "?upto=s1e1"))
    assert "mentor" in early and "ended by" not in early
    assert "ward" not in early and "Tina" not in early
    later = text_of(client.get(james.get_absolute_url() + "?upto=s2e2"))
    assert "mentor</a>" not in later
    assert "(ended by Season 1, Episode 2)" in later and "(ended by Season 2, Episode 1)" in later
    assert "ward" in later


def test_an_episode_summary_is_hidden_until_the_episode(client, series):
    episode = series[3]
    episode.lead = "Everybody dies."
    episode.save()
    assert "Everybody dies." not in text_of(client.get(episode.get_absolute_url() + "?upto=s1e3"))
    assert "Everybody dies." in text_of(client.get(episode.get_absolute_url() + "?upto=s2e1"))
    # The episode itself (its number, its date) is never hidden.
    assert episode.title in text_of(client.get(episode.get_absolute_url() + "?upto=start"))


def test_histories_and_diffs_wait_until_asked_at_a_limit(client, mystery):
    url = reverse("wiki:history", kwargs={"pk": mystery.pk})
    html = text_of(client.get(url + "?upto=s1e1"))
    assert "are not shown at a reading limit" in html and "Revision" not in html
    assert "Created the page" in text_of(client.get(url + "?upto=s1e1&show=page"))
    assert "Created the page" in text_of(client.get(url + "?upto=all"))


def test_the_feed_at_a_limit_leaves_out_pages_not_met_and_summaries(client, series):
    CharacterFactory(title="Gary Evans", revealed_at=4)
    feed = text_of(client.get(reverse("wiki:recent_feed") + "?upto=s1e3"))
    assert "Gary Evans" not in feed and "Created the page" not in feed
    assert "Gary Evans" in text_of(client.get(reverse("wiki:recent_feed") + "?upto=all"))


@override_settings(PAGE_CACHE_ENABLED=True)
def test_a_page_cached_at_one_limit_is_never_served_at_another(client, mystery):
    url = mystery.get_absolute_url()
    everything = client.get(url + "?upto=all")
    assert SECRET in text_of(everything)
    for code in ("s1e1", "s1e3", "s2e1", "start"):
        client.cookies[reading.COOKIE_NAME] = code
        first, second = client.get(url), client.get(url)
        assert (first.headers["X-Page-Cache"], second.headers["X-Page-Cache"]) == ("miss", "hit")
        assert (SECRET in text_of(second)) == (code == "s2e1"), code
        assert "Cookie" in second.headers["Vary"]


def test_the_control_lists_an_episode_added_later_and_selects_each_readers_limit(client, series):
    # The control's options are rendered once per limit and kept (wiki.templatetags.site_chrome).
    assert 'value="s2e3"' not in text_of(client.get("/wiki/?upto=s1e1"))
    EpisodeFactory(season=series[-1].season, number=3, number_overall=6)
    for code in ("s2e3", "s1e1", "s2e3"):
        html = text_of(client.get(f"/wiki/?upto={code}"))
        assert html.count(" selected>") == 1
        assert f'<option value="{code}" selected>' in html
        assert 'value="s2e3"' in html


def test_markup_notes_cannot_be_forged_by_an_editor(series):
    text = (
        "zq0123456789abcdefh1 {{reveal s2e1|<script>alert(1)</script>x}} <span class=hidden-passage>y</span>"
    )
    for position in (None, 1):
        limit = reading.EVERYTHING if position is None else reading.limit_at(position)
        html = markup.render(text, resolver=TitleResolver(), limit=limit).html
        assert "<script" not in html
        assert html.count('class="hidden-passage"') == (0 if position is None else 1) + 1


def test_a_code_the_story_does_not_know_hides_the_passage_at_every_limit(client, series):
    article = ArticleFactory(lead="Known. {{reveal s9e9|Unknowable.}}")
    assert "Unknowable." not in text_of(client.get(article.get_absolute_url() + "?upto=s2e2"))
    assert "Unknowable." in text_of(client.get(article.get_absolute_url() + "?upto=all"))


def test_a_name_not_met_is_hidden_in_headings_and_link_labels_too(client, series):
    CharacterFactory(title="Gary Evans", revealed_at=4)
    article = ArticleFactory(
        lead="Intro.", body="## Gary Evans and others\n\nSee [[The mystery|what Gary Evans did]].\n\nMore."
    )
    ArticleFactory(title="The mystery")
    html = text_of(client.get(article.get_absolute_url() + "?upto=s1e3"))
    assert "Gary" not in html
    assert "Gary Evans and others" in text_of(client.get(article.get_absolute_url() + "?upto=all"))


def test_a_page_cannot_take_the_address_of_a_fixed_page_of_the_site(series):
    episode = series[0]
    episode.slug = "timeline"
    with pytest.raises(ValidationError) as error:
        episode.full_clean()
    assert "/episodes/timeline/ is already a page of the site" in str(error.value)
    episode.slug = "a-fine-slug"
    episode.full_clean()


# What the link table is built from: a text's links at each point of the
# story, found without rendering the HTML, are those its rendering has.
_LINKED_PIECES = st.sampled_from(
    [
        "[[James Blood]]",
        "[[James Blood|the detective]]",
        "[[Grimm]]",
        "Sarah Sinclair",
        "Gary Evans",
        "`Sarah Sinclair`",
        "## Gary Evans\n\n",
        "<a>James Blood</a>",
        "\n\n| a | [[Grimm]] |\n|---|---|\n| Sarah Sinclair | b |\n\n",
        "{{reveal s1e2|Gary Evans}}",
        "{{reveal s2e1|[[Grimm]] and Sarah Sinclair}}",
        "\n\n{{reveal s1e3}}\nSarah Sinclair [[James Blood]]\n{{/reveal}}\n\n",
        "{{editorial|Gary Evans}}",
        "plain words",
        " ",
        "\n\n",
    ]
)


@pytest.fixture
def named(series):
    CharacterFactory(title="James Blood")
    CharacterFactory(title="Sarah Sinclair")
    CharacterFactory(title="Gary Evans", revealed_at=4)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pieces=st.lists(_LINKED_PIECES, max_size=12))
def test_the_links_found_without_rendering_are_the_renderings_links(named, pieces):
    text = "".join(pieces)
    resolver = TitleResolver()
    for position in (None, 0, 2, 3, 4):
        limit = reading.EVERYTHING if position is None else reading.limit_at(position)
        rendered = markup.render(text, resolver=resolver, field="body", limit=limit).links
        assert markup.links_in(text, None, resolver, "body", limit) == rendered, (text, position)
