"""The source text the encyclopedia is written from, as sentences a page can cite.

The wiki states nothing its source text does not (``settings.WIKI_SOURCE_TEXT``,
a plain-text article: a title line, paragraphs, headings that may run on at
the end of a paragraph, Markdown-style tables, and ``[n]`` note markers with
no list of notes). This module reads it into *units*: each sentence of a
paragraph and each row of a table, with a stable id made of its section and
its number in it (``season-2-3``: the third sentence of the section "Season 2";
``season-1-2018-e8``: the row of episode 8 in "Season 1 (2018)"). Pages cite
units by id (``[^season-2-3]``), and rows of structured facts list the ids
they rest on (``wiki.models.records.SourcesField``); ``manage.py
check_source`` checks the ids, and ``/source/`` shows the text unit by unit.

Nothing here touches the database.
"""

import functools
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.text import slugify

NOTE_RE = re.compile(r"\[(\d{1,3})\]")
# A sentence ends at . ! or ? (and the notes after it) followed by a space and a capital or a quote.
SENTENCE_END_RE = re.compile(r"(?<=[.!?])((?:\[\d{1,3}\])*)\s+(?=[A-Z\"“(])")
ABBREVIATIONS = ("Dr.", "Mr.", "Mrs.", "Ms.", "St.", "vs.", "e.g.", "i.e.")
HEADING_MAX_LENGTH = 40
UNIT_ID_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# What a citation or a sources field may name as a unit: letters, digits and
# hyphens with at least one letter, so that ``[^16]`` stays a note number.
CITABLE_ID_RE = re.compile(r"(?=[a-z0-9-]*[a-z])[a-z0-9-]{1,100}")
# A paragraph whose last note or full stop is followed by a heading.
_RUN_ON_HEADING_RE = re.compile(rf"^(.*[.!?\]])([A-Z][^.!?\[\]]{{0,{HEADING_MAX_LENGTH}}})$", re.DOTALL)


@dataclass(frozen=True)
class Unit:
    """A sentence of the source, or a row of one of its tables."""

    id: str
    section: tuple  # the headings above it, outermost first ("Plot summary", "Season 2")
    text: str  # without note markers
    notes: tuple = ()  # the source's own [n] markers on it, in order
    row: tuple = ()  # a table row's cells (without notes), for rows
    paragraph: int = 0  # the paragraph (or table) of the text it belongs to, counted from 1

    @property
    def section_label(self):
        return " › ".join(self.section) if self.section else "Introduction"

    @property
    def is_row(self):
        return bool(self.row)


@dataclass
class Source:
    title: str
    units: list = field(default_factory=list)
    # A hash of the text: renderings that say whether a cited unit exists are keyed by it.
    digest: str = ""
    # Where the text was read from; empty for a text parsed from a string.
    path: str = ""
    # The file named by the setting does not exist: every unit id is unknown.
    missing: bool = False
    # The header cells of each table, by its paragraph number.
    headers: dict = field(default_factory=dict)

    @functools.cached_property
    def by_id(self):
        return {unit.id: unit for unit in self.units}

    def unknown(self, ids):
        """The ids in ``ids`` that name no unit, in their order."""
        return [unit_id for unit_id in ids if unit_id not in self.by_id]

    def sections(self):
        """(section headings, units) in the order of the text."""
        groups = []
        for unit in self.units:
            if not groups or groups[-1][0] != unit.section:
                groups.append((unit.section, []))
            groups[-1][1].append(unit)
        return groups

    def containing(self, quote):
        """The units whose text contains ``quote`` (spaces and quote marks normalised)."""
        wanted = _normalise(quote)
        return [unit for unit in self.units if wanted and wanted in _normalise(unit.text)]


def split_ids(value):
    """The unit ids of a sources value ("season-1-4 introduction-2"), in order, once each."""
    return list(dict.fromkeys((value or "").split()))


def _normalise(text):
    text = text.replace("’", "'").replace("“", '"').replace("”", '"')
    return " ".join(NOTE_RE.sub("", text).split()).casefold()


def parse(text):
    """The ``Source`` of a source text."""
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    source = Source(title=lines[0] if lines else "", digest=hashlib.blake2b(text.encode()).hexdigest()[:16])
    headings = []  # the current heading path
    pending_parent = None  # a heading with nothing under it yet: the parent of the next one
    counters = {}
    paragraph = 0

    def open_heading(name):
        nonlocal headings, pending_parent
        if pending_parent is not None:
            headings = [pending_parent, name]
        elif len(headings) == 2:
            headings = [headings[0], name]
        else:
            headings = [name]
        pending_parent = name

    def add(unit_text, row=()):
        nonlocal pending_parent
        pending_parent = None
        slug = slugify(headings[-1]) if headings else "introduction"
        notes = tuple(int(number) for number in NOTE_RE.findall(unit_text))
        clean = " ".join(NOTE_RE.sub("", unit_text).split())
        if row:
            unit_id = f"{slug}-e{slugify(row[0])}" if row[0].isdigit() else f"{slug}-row-{len(source.units)}"
        else:
            counters[slug] = counters.get(slug, 0) + 1
            unit_id = f"{slug}-{counters[slug]}"
        source.units.append(Unit(unit_id, tuple(headings), clean, notes, row, paragraph))

    in_table = False
    header = ()
    for line in lines[1:]:
        if line.startswith("|"):
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            if all(set(cell) <= {"-", ":"} for cell in cells):
                continue
            if cells and cells[0].isdigit():
                if not in_table:
                    paragraph += 1
                    in_table = True
                    source.headers[paragraph] = header
                add(cells[-1], row=tuple(NOTE_RE.sub("", cell).strip() for cell in cells))
            else:
                header = tuple(cells)
            continue
        in_table = False
        text, _, run_on = line.partition("| ")  # a table's header row runs on after the paragraph
        header = tuple(cell.strip() for cell in run_on.strip().strip("|").split("|")) if run_on else ()
        text, heading = _split_heading(text.strip())
        if text and _is_heading(text):
            open_heading(text)
        elif text:
            paragraph += 1
            for sentence in _sentences(text):
                add(sentence)
        if heading:
            open_heading(heading)
    return source


def _is_heading(text):
    return len(text) <= HEADING_MAX_LENGTH and not re.search(r"[.!?\]]$", text)


def _split_heading(paragraph):
    """A paragraph and the heading that runs on after its last note or full stop."""
    match = _RUN_ON_HEADING_RE.match(paragraph)
    if match and not _is_heading(paragraph):
        return match.group(1), match.group(2).strip()
    return paragraph, ""


def _sentences(paragraph):
    protected = paragraph
    for abbreviation in ABBREVIATIONS:
        protected = protected.replace(abbreviation, abbreviation.replace(".", "\x00"))
    pieces = []
    start = 0
    for match in SENTENCE_END_RE.finditer(protected):
        pieces.append(protected[start : match.end(1)])
        start = match.end()
    pieces.append(protected[start:])
    return [piece.replace("\x00", ".").strip() for piece in pieces if piece.strip()]


@functools.lru_cache(maxsize=2)
def _load(path, modified):
    source = parse(Path(path).read_text(encoding="utf-8"))
    source.path = path
    return source


def current():
    """The ``Source`` of ``settings.WIKI_SOURCE_TEXT``, read once per change of
    the file; an empty one (``missing``) if there is no such file, so that pages
    still render, with every citation of a unit shown as broken."""
    path = Path(settings.WIKI_SOURCE_TEXT)
    try:
        modified = path.stat().st_mtime_ns
    except FileNotFoundError:
        return Source(title="", digest="missing", path=str(path), missing=True)
    return _load(str(path), modified)
