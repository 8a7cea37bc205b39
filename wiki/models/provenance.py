"""Where every statement of the wiki comes from: which sentences of the source
text (``wiki.sources``) the pages' texts cite, which ones the structured facts
rest on, and what has no provenance yet.

Three kinds of provenance, one per kind of statement:

* prose: a page's lead and body cite units with ``[^<unit id>]`` (``wiki.markup``);
* structured rows (a voice credit, an appearance): a ``SourcesField`` named
  ``sources`` on any model of any app; the engine finds them with
  ``apps.get_models()``;
* a page's own fields: ``Page.field_sources`` ({field name: unit ids}); the
  fields a kind must source are its ``provenance_fields``, when set.

``source_usage()`` is the index the source page shows (every unit with the
pages that use it, and the coverage figures), built with a fixed number of
queries and kept per content generation. It also says from where in the story
each unit may be quoted to a reader at a limit: the point the source's own
structure gives (``unit_positions``), raised to the latest point from which a
page citing it shows what the citation supports, so neither the source page
nor a References list quotes more than the pages tell. ``audit()`` is what ``manage.py
check_source`` reports. Content apps add checks of their own facts against the
source with a classmethod ``source_agreement(source)`` on a model, yielding
problems as sentences; and the timeline model's manager says where in the
story each unit is revealed (``source_reveal_positions(source)``).
"""

import functools
from collections import Counter
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import FieldDoesNotExist
from django.utils.text import slugify

from wiki import markup, reading, sources
from wiki.models.generation import Generation
from wiki.models.records import SourcesField


def _pages():
    return apps.get_model("wiki", "Page")


@functools.cache
def sourced_models():
    """``[(model, [foreign keys to pages])]`` for every model with a ``SourcesField``
    called ``sources``: the structured facts that record their provenance."""
    Page = _pages()
    found = []
    for model in apps.get_models():
        try:
            sources_field = model._meta.get_field("sources")
        except FieldDoesNotExist:
            continue
        if isinstance(sources_field, SourcesField):
            to_pages = [
                f
                for f in model._meta.concrete_fields
                if f.is_relation and f.many_to_one and issubclass(f.related_model, Page)
            ]
            found.append((model, to_pages))
    return sorted(found, key=lambda item: item[0]._meta.label)


def provenance_fields(kind_model):
    """The fields of a page kind whose value must have a source when set."""
    return tuple(getattr(kind_model, "provenance_fields", ()))


# Where each unit is revealed ---------------------------------------------------


def unit_positions(source=None):
    """``{unit id: position in the story or None}``: where the timeline model
    (``settings.WIKI_TIMELINE``) says each unit of the source is revealed;
    kept per content generation and source text."""
    source = source or sources.current()
    generation = Generation.objects.current().content
    key = f"wiki:source-positions:{generation}:{source.digest}"
    positions = cache.get(key)
    if positions is None:
        manager = apps.get_model(settings.WIKI_TIMELINE).objects
        reveal = getattr(manager, "source_reveal_positions", None)
        positions = dict(reveal(source)) if reveal else {}
        cache.set(key, positions)
    return positions


# The usage index ---------------------------------------------------------------


@dataclass(frozen=True)
class PageRef:
    pk: int
    title: str
    url: str
    revealed_at: int | None


@dataclass(frozen=True)
class Use:
    """A page's use of a unit: in its text, a field of its own, or a row it shows."""

    page_id: int
    what: str  # "text", "field: occupation", "voice credit"...


@dataclass
class Coverage:
    """How much of what the wiki states has provenance, and how much of the source it uses."""

    units: int = 0
    units_used: int = 0
    passages: int = 0
    passages_sourced: int = 0
    editorial: int = 0
    rows: int = 0
    rows_sourced: int = 0
    page_fields: int = 0  # required page fields (provenance_fields that are set)
    page_fields_sourced: int = 0
    field_sources: int = 0  # every field_sources entry

    @property
    def units_unused(self):
        return self.units - self.units_used

    @property
    def facts(self):
        return self.rows + self.page_fields

    @property
    def facts_sourced(self):
        return self.rows_sourced + self.page_fields_sourced

    @staticmethod
    def share(part, whole):
        return f"{round(100 * part / whole)} %" if whole else "–"


@dataclass
class SourceUsage:
    uses: dict = field(default_factory=dict)  # unit id -> [Use], known or not
    pages: dict = field(default_factory=dict)  # page pk -> PageRef
    coverage: Coverage = field(default_factory=Coverage)
    # unit id -> from where in the story its sentence may be quoted (None: from the start).
    positions: dict = field(default_factory=dict)

    def pages_using(self, unit_id):
        """``[(PageRef, [what, ...])]`` of the pages using ``unit_id``, A to Z."""
        grouped = {}
        for use in self.uses.get(unit_id, ()):
            grouped.setdefault(use.page_id, []).append(use.what)
        rows = [
            (self.pages[pk], list(dict.fromkeys(whats))) for pk, whats in grouped.items() if pk in self.pages
        ]
        return sorted(rows, key=lambda row: row[0].title.lower())


def source_usage():
    """The ``SourceUsage`` of the whole wiki, kept per content generation and
    source text: one query for the pages, one per page kind with
    ``provenance_fields`` of its own and one per model with ``sources``."""
    source = sources.current()
    generation = Generation.objects.current().content
    key = f"wiki:source-usage:{generation}:{source.digest}"
    usage = cache.get(key)
    if usage is None:
        # Every passage asks the story's timeline, which reads the generation: once here.
        with Generation.objects.remember_during():
            usage = _build_usage(source)
        cache.set(key, usage)
    return usage


def _build_usage(source):
    from wiki.models.text import TitleResolver  # noqa: PLC0415 -- wiki.models.text imports this module

    Page = _pages()
    usage = SourceUsage()
    coverage = usage.coverage
    resolver = TitleResolver()
    text_positions = _text_positions()
    # Where each unit's sentence may be quoted: the point the source's own
    # structure gives (an episode's row, a season's plot), or any later point
    # from which the wiki states what it says: everywhere it is cited, the page
    # is met, its text and the passage around the citation are revealed.
    positions = dict(unit_positions(source))

    def use(ids, page_id, what, context=None):
        for unit_id in sources.split_ids(ids):
            usage.uses.setdefault(unit_id, []).append(Use(page_id, what))
            if context:
                positions[unit_id] = max(positions.get(unit_id) or 0, context)

    pages = Page.objects.order_by().values_list(
        "pk", "kind", "slug", "title", "lead", "body", "revealed_at", "field_sources"
    )
    for pk, kind, slug, title, lead, body, revealed_at, field_sources in pages:
        usage.pages[pk] = PageRef(pk, title, Page.url_for(kind, slug), revealed_at)
        own = max(revealed_at or 0, text_positions.get(pk) or 0)
        for text in (lead, body):
            for citation in markup.citations_in(text, resolver):
                use(citation.unit_id, pk, "text", max(own, citation.context or 0))
            for paragraph in markup.paragraphs(text):
                coverage.passages += 1
                coverage.passages_sourced += bool(paragraph.units)
            coverage.editorial += markup.editorial_count(text)
        for name, ids in (field_sources or {}).items():
            if isinstance(ids, str):
                use(ids, pk, f"field: {_field_label(kind, name)}", revealed_at)
                coverage.field_sources += bool(sources.split_ids(ids))
    for kind_model, values in _required_page_fields():
        for _pk, field_sources, *set_fields in values:
            for name, value in zip(provenance_fields(kind_model), set_fields, strict=True):
                if value not in (None, ""):
                    coverage.page_fields += 1
                    coverage.page_fields_sourced += bool(sources.split_ids((field_sources or {}).get(name)))
    for model, to_pages in sourced_models():
        what = str(model._meta.verbose_name)
        # A fact the story reveals at a point says so in ``revealed_at`` (``RevealField``).
        revealed = [f.name for f in model._meta.concrete_fields if f.name == "revealed_at"]
        for ids, *rest in model._base_manager.order_by().values_list(
            "sources", *revealed, *(f.attname for f in to_pages)
        ):
            context = rest.pop(0) if revealed else None
            coverage.rows += 1
            coverage.rows_sourced += bool(sources.split_ids(ids))
            for page_id in rest:
                if page_id is not None:
                    use(ids, page_id, what, context)
    usage.positions = {unit_id: position or None for unit_id, position in positions.items()}
    coverage.units = len(source.units)
    coverage.units_used = sum(1 for unit in source.units if unit.id in usage.uses)
    return usage


def _required_page_fields():
    """For each page kind with ``provenance_fields``: the kind, and its pages as
    (pk, field_sources, value of each of those fields); one query per kind."""
    for _kind, model in sorted(_pages().kinds().items()):
        names = provenance_fields(model)
        if names:
            yield model, model._base_manager.order_by().values_list("pk", "field_sources", *names)


@functools.cache
def _field_label(kind, name):
    try:
        return str(_pages().model_for_kind(kind)._meta.get_field(name).verbose_name)
    except (LookupError, FieldDoesNotExist):  # a name Page.clean refuses: shown as written
        return name


# The audit of manage.py check_source ----------------------------------------------------

BROKEN, MISSING, REVEAL, DRIFT = "broken", "missing", "reveal", "drift"
KIND_HEADINGS = {
    BROKEN: "Broken references",
    MISSING: "Missing provenance",
    REVEAL: "Reveal inconsistencies",
    DRIFT: "The database against the source",
}


@dataclass(frozen=True)
class Problem:
    kind: str  # BROKEN, MISSING, REVEAL or DRIFT
    message: str


def audit(source=None):
    """Every problem of provenance in the wiki, as ``Problem``s, in order of kind."""
    source = source or sources.current()
    with Generation.objects.remember_during():
        yield from _text_problems(source)
        yield from _field_problems(source)
        yield from _row_problems(source)
        for model in apps.get_models():
            # Only a model's own hook: a subclass does not check its parent's facts again.
            if "source_agreement" in model.__dict__:
                for message in model.source_agreement(source):
                    yield Problem(DRIFT, message)


def _text_problems(source):
    from wiki.models.text import TitleResolver  # noqa: PLC0415 -- wiki.models.text imports this module

    Page = _pages()
    resolver = TitleResolver()
    positions = unit_positions(source)
    text_positions = _text_positions()
    for page in Page.objects.order_by("title").only("pk", "kind", "title", "lead", "body", "revealed_at"):
        for name in ("lead", "body"):
            text = getattr(page, name)
            if not text:
                continue
            where = f"{page.title} ({page.kind}), {name}"
            for unit_id in source.unknown(dict.fromkeys(markup.cited_ids(text))):
                yield Problem(BROKEN, f"{where}: cites [^{unit_id}], which is no sentence of the source text")
            for paragraph in markup.paragraphs(text):
                if not paragraph.units:
                    yield Problem(MISSING, f"{where}: paragraph with no source sentence: “{paragraph.start}”")
            own = max(page.revealed_at or 0, text_positions.get(page.pk) or 0)
            yield from _reveal_problems(where, markup.citations_in(text, resolver), positions, own)


def _text_positions():
    """``{page pk: where its text is revealed}``, for kinds whose text is revealed after the page."""
    Page = _pages()
    found = {}
    for _kind, model in sorted(Page.kinds().items()):
        if model.text_revealed_at is not Page.text_revealed_at:
            for page in model.objects.order_by():
                found[page.pk] = page.text_revealed_at()
    return found


def _reveal_problems(where, citations, positions, own):
    """Text outside passages cites no unit revealed after the page's own point;
    a passage is revealed no earlier than the earliest unit it cites."""
    label = reading.Timeline.label
    passages = {}
    for citation in citations:
        position = positions.get(citation.unit_id)
        if citation.passage is None:
            if position is not None and position > own:
                yield Problem(
                    REVEAL,
                    f"{where}: text shown from {label(own or None)} cites [^{citation.unit_id}], "
                    f"revealed in {label(position)}; put it in a {{{{reveal}}}} passage",
                )
        elif position is not None:
            passages.setdefault(citation.passage, []).append((position, citation.unit_id))
    for passage, cited in passages.items():
        earliest, unit_id = min(cited)
        if passage < earliest:
            yield Problem(
                REVEAL,
                f"{where}: a passage revealed in {label(passage)} cites only sentences revealed later "
                f"(the earliest, [^{unit_id}], in {label(earliest)})",
            )


def _field_problems(source):
    Page = _pages()
    for kind, title, field_sources in Page.objects.order_by("title").values_list(
        "kind", "title", "field_sources"
    ):
        if not isinstance(field_sources, dict):
            yield Problem(BROKEN, f"{title} ({kind}), field_sources: not an object of field names")
            continue
        names = Page.model_for_kind(kind).sourced_field_names() if kind in Page.kinds() else set()
        for name, ids in field_sources.items():
            where = f"{title} ({kind}), field_sources[{name!r}]"
            if name not in names:
                yield Problem(BROKEN, f"{where}: the {kind} has no such field")
            unknown = source.unknown(sources.split_ids(ids)) if isinstance(ids, str) else [repr(ids)]
            for unit_id in unknown:
                yield Problem(BROKEN, f"{where}: {unit_id} is no sentence of the source text")
    for kind_model, values in _required_page_fields():
        titles = dict(kind_model._base_manager.values_list("pk", "title"))
        for pk, field_sources, *set_fields in values:
            for name, value in zip(provenance_fields(kind_model), set_fields, strict=True):
                if value not in (None, "") and not sources.split_ids((field_sources or {}).get(name)):
                    yield Problem(
                        MISSING,
                        f"{titles[pk]} ({kind_model.page_kind()}), field {name!r} = {value!r}: "
                        "no source sentence in field_sources",
                    )


def _row_problems(source):
    for model, to_pages in sourced_models():
        label = model._meta.verbose_name
        rows = model._base_manager.select_related(*(f.name for f in to_pages)).order_by("pk")
        for row in rows:
            ids = sources.split_ids(row.sources)
            if not ids:
                yield Problem(MISSING, f"{label} “{row}” (#{row.pk}): no source sentence in sources")
            for unit_id in source.unknown(ids):
                yield Problem(
                    BROKEN,
                    f"{label} “{row}” (#{row.pk}), sources: {unit_id} is no sentence of the source text",
                )


def counts(problems):
    """How many problems of each kind."""
    return Counter(problem.kind for problem in problems)


# The source page (wiki:source) ---------------------------------------------------------


@dataclass
class UnitEntry:
    """A unit as the source page shows it at the reader's limit: its text (safe
    HTML, names not met masked) or, if the limit hides it, the label of the
    point of the story that reveals it; the pages the reader has met that use
    it, as (PageRef, [what, ...]), and how many other pages use it."""

    unit: sources.Unit
    html: str = ""
    revealed_in: str = ""
    pages: list = field(default_factory=list)
    unmet_pages: int = 0

    @property
    def used(self):
        return bool(self.pages or self.unmet_pages)

    @property
    def cells(self):
        """A table row's cells before its last one (the text), for the table."""
        return self.unit.row[:-1]


@dataclass
class SourceBlock:
    """A paragraph of the source (its sentences) or a table (its rows, under ``header``)."""

    entries: list = field(default_factory=list)
    header: tuple = ()

    @property
    def is_table(self):
        return bool(self.entries and self.entries[0].unit.is_row)


@dataclass
class SourceSection:
    headings: tuple
    blocks: list = field(default_factory=list)
    # The first section under a heading of its own ("Plot summary"), which shows that heading.
    opens_parent: bool = False

    @property
    def anchor(self):
        return "section-" + "-".join(slugify(heading) for heading in self.headings or ("introduction",))

    @property
    def parent_anchor(self):
        return f"section-{slugify(self.headings[0])}"

    @property
    def title(self):
        return self.headings[-1] if self.headings else "Introduction"

    @property
    def is_subsection(self):
        return len(self.headings) > 1


@dataclass
class SourceText:
    """The source text for the source page, section by section, unit by unit,
    at a reading limit, with the coverage of the whole wiki."""

    title: str
    sections: list
    coverage: Coverage
    hidden: int = 0  # units the limit hides

    @classmethod
    def at(cls, limit):
        from wiki.models.text import TitleResolver  # noqa: PLC0415 -- wiki.models.text imports this module

        source = sources.current()
        usage = source_usage()
        hides = limit.position is not None and "page" not in limit.shown
        positions = usage.positions if hides else {}
        resolver = TitleResolver() if limit.position is not None else None
        text = cls(source.title, [], usage.coverage)
        for headings, units in source.sections():
            before = text.sections[-1].headings if text.sections else ()
            section = SourceSection(headings, opens_parent=len(headings) > 1 and before[:1] != headings[:1])
            for unit in units:
                if not section.blocks or section.blocks[-1].entries[-1].unit.paragraph != unit.paragraph:
                    section.blocks.append(SourceBlock(header=source.headers.get(unit.paragraph, ())))
                entry = UnitEntry(unit)
                position = positions.get(unit.id)
                if hides and not limit.shows(position):
                    entry.revealed_in = reading.Timeline.label(position)
                    text.hidden += 1
                else:
                    entry.html = markup.masked_text(unit.text, resolver, limit)
                for page, whats in usage.pages_using(unit.id):
                    if limit.shows(page.revealed_at):
                        entry.pages.append((page, whats))
                    else:
                        entry.unmet_pages += 1
                section.blocks[-1].entries.append(entry)
            text.sections.append(section)
        return text
