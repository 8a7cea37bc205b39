"""A small source text for the provenance tests, shaped like the real one
(``fixtures/source/hero-mask.txt``): a lead paragraph, a plot summary by
season, a characters section, and episode tables with a paragraph each.

Its units: introduction-1..3, season-1-1..2, season-2-1, main-characters-1..2,
season-1-2018-1, season-1-2018-e1..e3, season-2-2019-1, season-2-2019-e1..e2.
With ``make_series((3, 2))`` the season 1 plot is revealed at 3, season 2's at
5, and each table row at its episode.
"""

import pytest

SOURCE_TEXT = "\n".join(
    [
        "Test Show",
        "Test Show (stylized as TEST≠SHOW) is an anime about Ann Able and Bob Best.[1][2] "
        "It premiered on December 3, 2018, with episodes of approximately 24 minutes.[3] "
        "The Japanese voice cast includes Kei Voice as Ann Able.[4]Plot summary",
        "Season 1",
        "Ann meets Bob at the station. They fight the King together.[5]Season 2",
        "The King turns out to be Bob.[6]Characters",
        "Main characters",
        "Ann Able is a detective with a dog.[7] Bob Best is a prosecutor.Episodes",
        "Season 1 (2018)",
        "The first season has 3 episodes.[8]| Episode | Summary |",
        "|---|---|",
        "| 1 | Ann meets Bob at the station.[9] |",
        "| 2 | Ann and Bob chase a thief through the market. |",
        "| 3 | Bob fights the masked King on a rooftop. |",
        "Season 2 (2019)",
        "The second season has 2 episodes.| Episode | Title | Summary |",
        "|---|---|---|",
        "| 1 | Episode 1 | The King returns to the city. |",
        "| 2 | Episode 2 | Bob is unmasked as the King. |",
        "",
    ]
)


@pytest.fixture
def source_text(tmp_path, settings):
    """``settings.WIKI_SOURCE_TEXT`` pointing at ``SOURCE_TEXT`` for the test."""
    path = tmp_path / "source.txt"
    path.write_text(SOURCE_TEXT, encoding="utf-8")
    settings.WIKI_SOURCE_TEXT = path
    return path
