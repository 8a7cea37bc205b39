"""Page history for readers and editors: who may revert, and readable
diffs between two states of a page, field by field and word by word.

Revisions themselves are written by the write path (``wiki.models.Page.save``).
"""

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.contrib.auth import get_permission_codename
from django.db import models
from django.utils.text import capfirst

from wiki.models import Page, Snapshot

NOTHING = Snapshot()


def can_revert(user, page):
    """Staff who may change pages of ``page``'s kind may restore its old revisions."""
    opts = Page.model_for_kind(page.kind)._meta
    return user.is_staff and user.has_perm(f"{opts.app_label}.{get_permission_codename('change', opts)}")


# Diffs

WORD = re.compile(r"\w+|\s+|[^\w\s]")
CONTEXT_LINES = 2
# Word-matching two long, completely rewritten passages is quadratic; past this
# many token pairs the passage is shown as removed and re-added instead.
MAX_WORD_DIFF_PAIRS = 4_000_000


@dataclass(frozen=True)
class Segment:
    """A run of text in a diff: ``equal``, ``delete``, ``insert``, or ``skip``
    (unchanged lines left out, ``text`` saying how many)."""

    op: str
    text: str


@dataclass(frozen=True)
class FieldDiff:
    label: str
    segments: list

    @property
    def changed(self):
        return any(segment.op in {"insert", "delete"} for segment in self.segments)


def word_diff(old, new):
    old_words, new_words = WORD.findall(old), WORD.findall(new)
    if len(old_words) * len(new_words) > MAX_WORD_DIFF_PAIRS:
        return [Segment("delete", old), Segment("insert", new)]
    segments = []
    matcher = SequenceMatcher(None, old_words, new_words, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            segments.append(Segment("equal", "".join(old_words[i1:i2])))
            continue
        if i2 > i1:
            segments.append(Segment("delete", "".join(old_words[i1:i2])))
        if j2 > j1:
            segments.append(Segment("insert", "".join(new_words[j1:j2])))
    return segments


def _context(lines, is_first, is_last):
    """Unchanged lines between changes: a few either side, the rest skipped."""
    keep_before = 0 if is_first else CONTEXT_LINES
    keep_after = 0 if is_last else CONTEXT_LINES
    if len(lines) <= keep_before + keep_after + 1:
        return [Segment("equal", "".join(lines))]
    skipped = len(lines) - keep_before - keep_after
    segments = [Segment("equal", "".join(lines[:keep_before]))] if keep_before else []
    segments.append(Segment("skip", f"{skipped} unchanged line{'s' if skipped != 1 else ''}"))
    if keep_after:
        segments.append(Segment("equal", "".join(lines[-keep_after:])))
    return segments


def text_diff(old, new):
    """``old`` against ``new`` as segments: changed lines are compared word by word."""
    old, new = old.replace("\r\n", "\n"), new.replace("\r\n", "\n")
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    opcodes = SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes()
    segments = []
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            segments += _context(old_lines[i1:i2], index == 0, index == len(opcodes) - 1)
        elif tag == "replace":
            segments += word_diff("".join(old_lines[i1:i2]), "".join(new_lines[j1:j2]))
        elif tag == "delete":
            segments.append(Segment("delete", "".join(old_lines[i1:i2])))
        else:
            segments.append(Segment("insert", "".join(new_lines[j1:j2])))
    merged = []
    for segment in segments:
        if merged and merged[-1].op == segment.op and segment.op != "skip":
            merged[-1] = Segment(segment.op, merged[-1].text + segment.text)
        elif segment.text:
            merged.append(segment)
    return merged


def _describe(f, value):
    """A ``data`` value as a reader would name it."""
    if value in (None, "", []):
        return ""
    related = f.related_model
    if f.many_to_many:
        return ", ".join(sorted(str(item) for item in related._base_manager.filter(pk__in=value)))
    if f.is_relation:
        item = related._base_manager.filter(pk=value).first()
        return str(item) if item else f"(deleted #{value})"
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(f, models.BooleanField):
        return "yes" if value else "no"
    return str(value)


def described_data(model, data):
    """``data`` as {label: text}, in the order the page's form shows the fields."""
    return {
        capfirst(f.verbose_name): _describe(f, data[f.name])
        for f in model.revision_fields()
        if f.name in data
    }


def compare(older, newer, model):
    """Field-by-field diffs from ``older`` to ``newer`` (revisions or snapshots
    of a page of ``model``), text fields first."""
    diffs = [
        FieldDiff(label, text_diff(getattr(older, name), getattr(newer, name)))
        for label, name in (("Title", "title"), ("Lead", "lead"), ("Body", "body"))
    ]
    old_data, new_data = described_data(model, older.data), described_data(model, newer.data)
    for label in dict.fromkeys([*old_data, *new_data]):
        diffs.append(FieldDiff(label, text_diff(old_data.get(label, ""), new_data.get(label, ""))))
    return diffs
