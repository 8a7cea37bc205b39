"""`manage.py check_source`: broken references fail it, naming the page and
field; missing provenance, reveal inconsistencies and drift from the source's
structured parts are warnings, or failures with --strict; the real fixtures
have no broken reference."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from characters.models import Character, Language, Membership
from episodes.models import Episode, Release
from tests.factories import (
    ArticleFactory,
    CharacterFactory,
    MembershipFactory,
    PersonFactory,
    ReleaseFactory,
    VoiceCreditFactory,
    make_series,
)
from tests.source_text import source_text  # noqa: F401 -- a fixture
from wiki import sources
from wiki.models import Page

pytestmark = pytest.mark.django_db


def check_source(*args):
    """(exit status, output) of ``manage.py check_source``."""
    out = io.StringIO()
    try:
        call_command("check_source", *args, stdout=out)
    except CommandError as error:
        return error.returncode, out.getvalue() + str(error)
    return 0, out.getvalue()


@pytest.fixture
def sourced(source_text):  # noqa: F811 -- the fixture imported above
    """A small wiki in full agreement with the small source text, every statement sourced."""
    episodes = make_series((3, 2))
    for episode, unit_id in zip(
        episodes,
        ["season-1-2018-e1", "season-1-2018-e2", "season-1-2018-e3", "season-2-2019-e1", "season-2-2019-e2"],
        strict=True,
    ):
        row = sources.current().by_id[unit_id].row
        Episode.objects.filter(pk=episode.pk).update(
            lead=f"{row[-1]}[^{unit_id}]", name=row[1] if len(row) > 2 else ""
        )
    work = episodes[0].season.work
    ReleaseFactory(work=work, start_date=datetime.date(2018, 12, 3), sources="introduction-2")
    ann = CharacterFactory(
        title="Ann Able",
        lead="Ann Able is a detective.[^main-characters-1]\n\n{{editorial}}\nSee [[Bob]].\n{{/editorial}}",
        role="main",
        field_sources={"role": "introduction-1"},
    )
    VoiceCreditFactory(
        character=ann,
        person=PersonFactory(title="Kei Voice", lead=""),
        language=Language.JAPANESE,
        sources="introduction-3",
    )
    return {"episodes": episodes, "work": work, "ann": ann}


def blank_other_pages(except_pages):
    """Empty the text of the pages the factories wrote (works, seasons): they cite nothing."""
    Page.objects.exclude(pk__in=[page.pk for page in except_pages]).exclude(kind="episode").update(
        lead="", body=""
    )


def test_a_wiki_in_agreement_with_its_source_passes_even_strictly(sourced):
    blank_other_pages([sourced["ann"]])
    status, output = check_source("--strict")
    assert status == 0, output
    assert "passages with provenance: 6 of 6 (100 %)" in output
    assert "facts with provenance: 3 of 3 (100 %): rows 2 of 2, page fields 1 of 1" in output
    assert "editorial passages: 1" in output
    assert "source sentences used: 9 of 15, unused: 6" in output


def test_a_cited_sentence_the_source_lacks_fails_naming_the_page_and_field(sourced):
    ArticleFactory(title="Broken", lead="Fine.[^season-1-1]", body="Gone.[^season-9-1]")
    status, output = check_source()
    assert status == 1
    assert "Broken (article), body: cites [^season-9-1], which is no sentence of the source text" in output
    assert "ERROR" in output


def test_broken_ids_in_field_sources_and_row_sources_fail_naming_where(sourced):
    Page.objects.filter(pk=sourced["ann"].pk).update(
        field_sources={"occupation": "gone-1 season-1-1", "nickname": "season-1-1"}
    )
    membership = MembershipFactory(character=sourced["ann"], sources="season-1-1")
    Membership.objects.filter(pk=membership.pk).update(sources="season-1-1 nowhere-7")
    status, output = check_source()
    assert status == 1
    assert (
        "Ann Able (character), field_sources['occupation']: gone-1 is no sentence of the source text"
        in output
    )
    assert "Ann Able (character), field_sources['nickname']: the character has no such field" in output
    assert f"(#{membership.pk}), sources: nowhere-7 is no sentence of the source text" in output


def test_missing_provenance_warns_and_fails_only_strictly(sourced):
    ArticleFactory(title="Unsourced", lead="A claim with no source.\n\n{{editorial|Only a note.}}")
    MembershipFactory(character=sourced["ann"])
    Character.objects.filter(pk=sourced["ann"].pk).update(occupation="detective")
    status, output = check_source()
    assert status == 0, output
    assert (
        "warning: Unsourced (article), lead: paragraph with no source sentence: “A claim with no source.”"
        in output
    )
    assert "Only a note" not in output
    assert "no source sentence in sources" in output
    assert (
        "Ann Able (character), field 'occupation' = 'detective': no source sentence in field_sources"
        in output
    )
    status, output = check_source("--strict")
    assert status == 1
    assert "ERROR: Unsourced (article), lead" in output


def test_reveal_inconsistencies_are_reported(sourced):
    # Outside a passage, a page met from the start cites the third episode's row.
    ArticleFactory(title="Early", lead="Bob fights the King.[^season-1-2018-e3]")
    # A passage revealed at the first episode cites only what the third reveals.
    ArticleFactory(
        title="Too soon", lead="Ann.[^main-characters-1] {{reveal s1e1|A fight.[^season-1-2018-e3]}}"
    )
    # Right: a passage at the third episode; a page met in the third episode.
    ArticleFactory(title="Right", lead="Ann.[^main-characters-1] {{reveal s1e3|A fight.[^season-1-2018-e3]}}")
    CharacterFactory(title="Met late", revealed_at=3, lead="Fights.[^season-1-2018-e3]")
    status, output = check_source()
    assert status == 0
    reveal = output[output.index("Reveal inconsistencies") : output.index("Summary:")]
    assert (
        "Early (article), lead: text shown from the premise cites [^season-1-2018-e3], "
        "revealed in Season 1, Episode 3" in reveal
    )
    assert (
        "Too soon (article), lead: a passage revealed in Season 1, Episode 1 "
        "cites only sentences revealed later" in reveal
    )
    assert "Right" not in reveal and "Met late" not in reveal


def test_the_structured_parts_of_the_source_are_checked_against_the_database(sourced):
    episodes = sourced["episodes"]
    Episode.objects.filter(pk=episodes[1].pk).update(lead="Ann and Bob chase a thief.[^season-1-2018-e2]")
    episodes[4].delete()
    ReleaseFactory(work=sourced["work"], start_date=datetime.date(2019, 1, 5), sources="introduction-2")
    Release.objects.filter(start_date=datetime.date(2018, 12, 3)).delete()
    VoiceCreditFactory(
        character=sourced["ann"], person=PersonFactory(title="Nobody Else"), language=Language.ENGLISH
    )
    status, output = check_source()
    assert status == 0
    drift = output[output.index("The database against the source") : output.index("Summary:")]
    assert (
        "its lead has drifted from the source's summary (season-1-2018-e2), without: market, through" in drift
    )
    assert "Season 2: the source's episode table has 2 episodes, the database 1" in drift
    assert "Season 2, Episode 2 (season-2-2019-e2): no such episode" in drift
    assert "its start date 2019-01-05 (day) is not named in the source" in drift
    assert "The source names December 3, 2018 (introduction-2), but no release starts or ends then" in drift
    assert (
        "Nobody Else voices Ann Able (English)" in drift
        and "no cast sentence of the source names it" in drift
    )


def test_the_voice_credits_the_source_names_must_exist(sourced):
    sourced["ann"].voice_credits.all().delete()
    status, output = check_source()
    assert (
        "The source names Kei Voice as the voice of Ann Able (introduction-3), but no voice credit says so"
        in output
    )


def test_the_real_fixtures_have_no_broken_reference(content):
    status, output = check_source()
    assert status == 0, output
    assert "source sentences used:" in output


def test_the_real_fixtures_pass_check_source_strictly(content):
    status, output = check_source("--strict")
    assert status == 0, output


def test_the_source_page_shows_every_unit_of_the_real_source_and_who_uses_it(client, content):
    html = client.get(reverse("wiki:source")).content.decode()
    for unit in sources.current().units:
        assert f'id="{unit.id}"' in html
    inconsistencies = reverse("wiki:go", kwargs={"title": "Source inconsistencies"})
    assert client.get(inconsistencies).status_code in (200, 302)
