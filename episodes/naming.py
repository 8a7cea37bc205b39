"""The ways readers name an episode in a search: "s2e3", "S02E03", "2x03",
"season 2 episode 3", "episode 3 of season 2", "episode 15" and "ep 15"
(counted across the series), "first episode", "last episode of season 1",
"the pilot", "season 2 finale", with numbers in digits, words or ordinals.

``episode_reference`` reads a search's words into a ``Reference``;
``Episode.find_by_query`` looks it up."""

import re
from dataclasses import dataclass

# "last" stands for the last episode (or season) there is.
LAST = "last"
# The first episode (of the series or a season), and the last.
_SPECIALS = {"pilot", "premiere", "finale"}

_UNITS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_TEENS = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen")
_TEENS += ("nineteen",)
_ORDINAL_UNITS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth")
_ORDINAL_TEENS = ("tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth")
_ORDINAL_TEENS += ("seventeenth", "eighteenth", "nineteenth")
_NUMBER_WORDS = {
    **{word: number for number, word in enumerate(_UNITS, 1)},
    **{word: number for number, word in enumerate(_ORDINAL_UNITS, 1)},
    **{word: number for number, word in enumerate(_TEENS, 10)},
    **{word: number for number, word in enumerate(_ORDINAL_TEENS, 10)},
    "twenty": 20,
    "twentieth": 20,
}
# Words that name the series or join the parts ("the first episode of the
# series", "hero mask s2e3").
_FILLER = {"the", "of", "in", "from", "hero", "mask", "anime", "series", "show", "watch"}
_EPISODE = r"(?:episode|ep|e)"
_NUMBER = r"(\d+|last)"
_SPECIAL = r"(pilot|premiere|finale)"
_PATTERNS = [
    # s2e3, s02e03, s2 e3, s2 ep3, s2 episode 3
    (re.compile(rf"s(\d+) ?{_EPISODE} ?(\d+)"), "season episode"),
    (re.compile(r"(\d+)x(\d+)"), "season episode"),
    (re.compile(rf"(?:season|s) {_NUMBER} {_EPISODE} ?{_NUMBER}"), "season episode"),
    (re.compile(rf"{_EPISODE} ?{_NUMBER} (?:season|s) {_NUMBER}"), "episode season"),
    (re.compile(rf"{_NUMBER} {_EPISODE} (?:season|s) {_NUMBER}"), "episode season"),
    (re.compile(rf"(?:season|s) {_NUMBER} {_NUMBER} {_EPISODE}"), "season episode"),
    (re.compile(rf"{_EPISODE} ?{_NUMBER}|{_NUMBER} {_EPISODE}"), "episode"),
    (re.compile(rf"(?:season|s) {_NUMBER} {_SPECIAL}|{_SPECIAL} (?:season|s) {_NUMBER}"), "season special"),
    (re.compile(rf"(?:season )?{_SPECIAL}"), "special"),
]


@dataclass(frozen=True)
class Reference:
    """An episode as a search names it: its number in ``season`` (a number,
    ``LAST`` or None: counted across the series), a number or ``LAST``."""

    season: object
    number: object


def episode_reference(terms):
    """The ``Reference`` the words ``terms`` (a search's lower-case words) make,
    or None if they are anything but the name of an episode."""
    words = _normalized([term for term in terms if term not in _FILLER])
    for pattern, shape in _PATTERNS:
        match = pattern.fullmatch(words)
        if match:
            return _reference(shape, [group for group in match.groups() if group is not None])
    return None


def _reference(shape, groups):
    values = [group if group == LAST or group in _SPECIALS else int(group) for group in groups]
    if shape == "season episode":
        return Reference(*values)
    if shape == "episode season":
        return Reference(values[1], values[0])
    if shape == "episode":
        return Reference(None, values[0])
    if shape == "season special":
        special = next(value for value in values if value in _SPECIALS)
        season = next(value for value in values if value not in _SPECIALS)
        return Reference(season, LAST if special == "finale" else 1)
    return Reference(None, LAST if values[0] == "finale" else 1)


def _normalized(words):
    """Words with numbers in digits ("twenty four" → "24", "3rd" → "3") and
    "final" as "last", joined by spaces."""
    out = []
    for word in words:
        if word == "final":
            word = LAST
        elif re.fullmatch(r"\d+(?:st|nd|rd|th)", word):
            word = word[:-2]
        elif word in _NUMBER_WORDS:
            number = _NUMBER_WORDS[word]
            if out and out[-1] == "20" and number < 10:
                out[-1] = str(20 + number)
                continue
            word = str(number)
        out.append(word)
    return " ".join(out)
