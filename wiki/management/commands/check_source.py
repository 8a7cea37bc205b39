"""`manage.py check_source`: does everything the wiki states rest on its source text?

It reports, from ``wiki.models.provenance.audit``:

* broken references: a page text, a ``field_sources`` entry or a row's
  ``sources`` naming a sentence the source text does not have;
* missing provenance: a paragraph (outside editorial text) citing no source
  sentence, a structured fact with empty ``sources``, a page field of a kind's
  ``provenance_fields`` that is set but has no ``field_sources`` entry;
* reveal inconsistencies: text shown before a sentence it cites is revealed;
* drift: the structured parts of the source (episode tables, cast sentences,
  release dates) against the database, from the content apps' own checks;

then a summary of the coverage. It exits with status 1 on a broken reference,
and with ``--strict`` (as CI runs it on the fixtures) on any problem.
"""

from django.core.management.base import BaseCommand, CommandError

from wiki import sources
from wiki.models import provenance


class Command(BaseCommand):
    help = "Check that every statement of the wiki names existing sentences of the source text."

    def add_arguments(self, parser):
        parser.add_argument(
            "--strict",
            action="store_true",
            help="Fail on missing provenance, reveal inconsistencies and drift too, not only on broken ids.",
        )

    def handle(self, *args, strict=False, **options):
        source = sources.current()
        if source.missing:
            raise CommandError(f"The source text {source.path} does not exist (settings.WIKI_SOURCE_TEXT).")
        problems = list(provenance.audit(source))
        for kind, heading in provenance.KIND_HEADINGS.items():
            found = [problem for problem in problems if problem.kind == kind]
            if not found:
                continue
            fatal = kind == provenance.BROKEN or strict
            style = self.style.ERROR if fatal else self.style.WARNING
            self.stdout.write(style(f"{heading} ({len(found)}):"))
            for problem in found:
                self.stdout.write(f"  {'ERROR' if fatal else 'warning'}: {problem.message}")
        self.stdout.write(self.summary(provenance.source_usage().coverage, problems))
        counts = provenance.counts(problems)
        failing = sum(counts.values()) if strict else counts[provenance.BROKEN]
        if failing:
            raise CommandError(f"{failing} problem(s) of provenance; see above.", returncode=1)

    @staticmethod
    def summary(coverage, problems):
        c, share = coverage, coverage.share
        counts = provenance.counts(problems)
        problem_counts = ", ".join(
            f"{heading.lower()} {counts[kind]}" for kind, heading in provenance.KIND_HEADINGS.items()
        )
        lines = [
            "Summary:",
            f"  passages with provenance: {c.passages_sourced} of {c.passages} "
            f"({share(c.passages_sourced, c.passages)})",
            f"  facts with provenance: {c.facts_sourced} of {c.facts} ({share(c.facts_sourced, c.facts)}): "
            f"rows {c.rows_sourced} of {c.rows}, page fields {c.page_fields_sourced} of {c.page_fields} "
            f"({c.field_sources} field sources in all)",
            f"  editorial passages: {c.editorial}",
            f"  source sentences used: {c.units_used} of {c.units}, unused: {c.units_unused}",
            f"  problems: {problem_counts}",
        ]
        return "\n".join(lines)
