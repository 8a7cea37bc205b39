"""Page history: revisions, edit-conflict detection, reverts and readable diffs.

Every save of a page through the admin records a ``Revision``: the title, lead
and body, plus the page kind's other editable fields as JSON in ``data``.
``Page.version`` goes up by one on every save; an editor's save only goes
through if the version is still the one they loaded, checked and incremented
in a single ``UPDATE ... WHERE version = loaded`` so two concurrent saves
cannot both win.

Pages loaded from fixtures start without revisions; their imported state is
recorded as revision 1 just before their first edit, so no text is ever lost.
"""

import json
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from django.contrib.auth import get_permission_codename
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import F, Max
from django.utils.text import capfirst

from articles.models import Page, Revision

IMPORTED_SUMMARY = "Imported from fixtures"


class EditConflict(Exception):
    """The page was saved by someone else after this editor loaded it."""


@dataclass(frozen=True)
class Snapshot:
    """A page's state in the shape of a ``Revision``, for comparing with one."""

    title: str = ""
    lead: str = ""
    body: str = ""
    data: dict = field(default_factory=dict)


NOTHING = Snapshot()


def data_fields(model):
    """The editable fields a revision keeps in ``data``: everything an editor
    can change on the page's form except the title, lead and body."""
    concrete = [
        f
        for f in model._meta.concrete_fields
        if f.editable and not f.primary_key and f.name not in {"title", "lead", "body"}
    ]
    # Relations with their own through model (an episode's cast) are edited
    # as inlines of their own, not as a field of the page.
    many = [f for f in model._meta.many_to_many if f.remote_field.through._meta.auto_created]
    return concrete + many


def _json_safe(value):
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def page_data(page, many_to_many=None):
    """``page``'s ``data`` fields as JSON-safe values: related rows by primary key,
    dates as ISO strings. ``many_to_many`` overrides many-to-many values with
    ones not saved yet ({field name: objects or keys})."""
    many_to_many = many_to_many or {}
    data = {}
    for f in data_fields(type(page)):
        if f.many_to_many:
            if f.name in many_to_many:
                keys = [getattr(item, "pk", item) for item in many_to_many[f.name]]
            else:
                keys = list(getattr(page, f.name).values_list("pk", flat=True))
            data[f.name] = sorted(keys)
        else:
            data[f.name] = _json_safe(f.value_from_object(page))
    return data


def snapshot(page, many_to_many=None):
    page = page.specific
    return Snapshot(page.title, page.lead, page.body, page_data(page, many_to_many))


def record_revision(page, user, summary, created_at=None):
    """Record ``page`` as it is now as its next revision."""
    page = page.specific
    last_number = Revision.objects.filter(page_id=page.pk).aggregate(last=Max("number"))["last"] or 0
    revision = Revision.objects.create(
        page_id=page.pk,
        number=last_number + 1,
        user=user if user is not None and user.is_authenticated else None,
        summary=summary[: Revision._meta.get_field("summary").max_length],
        title=page.title,
        lead=page.lead,
        body=page.body,
        data=page_data(page),
    )
    if created_at is not None:
        # created_at is set automatically on insert; the imported state dates
        # from the page's last write, not from the edit that records it.
        Revision.objects.filter(pk=revision.pk).update(created_at=created_at)
        revision.created_at = created_at
    return revision


def ensure_initial_revision(page):
    """Give a page that has no revisions (one loaded from fixtures) its current,
    imported state as revision 1. Call before changing the page."""
    if not Revision.objects.filter(page_id=page.pk).exists():
        record_revision(page, None, IMPORTED_SUMMARY, created_at=page.updated_at)


def claim_next_version(page, loaded_version):
    """Move the page from ``loaded_version`` to the next version, or raise
    ``EditConflict`` if it is no longer at ``loaded_version``.

    One conditional UPDATE: the database decides which of two concurrent
    saves gets there first, and the other matches no row."""
    claimed = Page.objects.filter(pk=page.pk, version=loaded_version).update(version=F("version") + 1)
    if not claimed:
        raise EditConflict(page)
    page.version = loaded_version + 1


def bump_version(page):
    """Count a save that does not go through the conflict check (a revert, an inline edit)."""
    Page.objects.filter(pk=page.pk).update(version=F("version") + 1)
    page.version = Page.objects.values_list("version", flat=True).get(pk=page.pk)


def latest_revision(page):
    return Revision.objects.filter(page_id=page.pk).select_related("user").order_by("-number").first()


def restore(page, revision):
    """Put ``revision``'s text and fields back onto ``page`` (not saved).
    Returns the many-to-many values to set once it is saved."""
    page.title, page.lead, page.body = revision.title, revision.lead, revision.body
    many_to_many = {}
    for f in data_fields(type(page)):
        if f.name not in revision.data:
            continue
        if f.many_to_many:
            many_to_many[f.name] = revision.data[f.name]
        else:
            setattr(page, f.attname, f.to_python(revision.data[f.name]))
    return many_to_many


def revert(page, revision, user):
    """Make ``revision`` the page's current state again, as a new revision.

    Raises ``django.core.exceptions.ValidationError`` if the old state is no
    longer valid (its title has since been taken by another page, say)."""
    page = page.specific
    with transaction.atomic():
        # Counting the save first locks the page's row for the transaction.
        bump_version(page)
        ensure_initial_revision(page)
        many_to_many = restore(page, revision)
        page.full_clean()
        page.save()
        for name, keys in many_to_many.items():
            getattr(page, name).set(keys)
        return record_revision(page, user, f"Reverted to revision {revision.number}")


def can_revert(user, page):
    """Staff who may change pages of ``page``'s kind may restore its old revisions."""
    opts = Page.model_for_kind(page.kind)._meta
    return user.is_staff and user.has_perm(f"{opts.app_label}.{get_permission_codename('change', opts)}")


def revision_pair(page, older_number, newer_number):
    """The two revisions of ``page`` to compare, oldest first; number 0 means
    "nothing", so revision 1 compares as the creation of the page.
    Raises ``Revision.DoesNotExist`` for a number the page does not have."""
    older_number, newer_number = sorted((older_number, newer_number))
    revisions = Revision.objects.filter(page_id=page.pk, number__in=[older_number, newer_number])
    found = {revision.number: revision for revision in revisions.select_related("user")}
    if newer_number not in found or (older_number and older_number not in found):
        raise Revision.DoesNotExist
    return found.get(older_number), found[newer_number]


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
        capfirst(f.verbose_name): _describe(f, data[f.name]) for f in data_fields(model) if f.name in data
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
