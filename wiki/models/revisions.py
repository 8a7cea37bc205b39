"""Rows only the write path writes: each page's revisions, and the link table;
and what a page does with its revisions (``PageHistoryMixin``)."""

import json
from dataclasses import dataclass, field

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Max
from django.db.models.functions import Lag, Length, Lower
from django.urls import reverse


@dataclass(frozen=True)
class Snapshot:
    """A page's state in the shape of a ``Revision``, for comparing with one."""

    title: str = ""
    lead: str = ""
    body: str = ""
    data: dict = field(default_factory=dict)


class RevisionQuerySet(models.QuerySet):
    def with_sizes(self):
        """Each revision's text size in characters (lead and body) and the size
        of the page's revision before it, for the +/- column of history lists.

        The window only sees rows the query's filters keep: filter by page at
        most, and paginate (LIMIT applies after the window) rather than filter."""
        size = Length("lead") + Length("body")
        return self.annotate(
            size=size,
            previous_size=models.Window(
                Lag(size), partition_by=[models.F("page")], order_by=models.F("number").asc()
            ),
        )

    def recent(self):
        """Every page's revisions, newest first, with what the list shows."""
        return self.with_sizes().select_related("page", "user").order_by("-created_at", "-pk")

    def latest_of(self, page):
        return self.filter(page_id=page.pk).select_related("user").order_by("-number").first()

    def pair(self, page, older_number, newer_number):
        """The two revisions of ``page`` to compare, oldest first; number 0 means
        "nothing", so revision 1 compares as the creation of the page.
        Raises ``Revision.DoesNotExist`` for a number the page does not have."""
        older_number, newer_number = sorted((older_number, newer_number))
        revisions = self.filter(page_id=page.pk, number__in=[older_number, newer_number])
        found = {revision.number: revision for revision in revisions.select_related("user")}
        if newer_number not in found or (older_number and older_number not in found):
            raise self.model.DoesNotExist
        return found.get(older_number), found[newer_number]


class Revision(models.Model):
    """One saved state of a page: who saved it, when, why, and what it said."""

    page = models.ForeignKey("wiki.Page", on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    summary = models.CharField(max_length=300, blank=True)
    title = models.CharField(max_length=200)
    lead = models.TextField(blank=True)
    body = models.TextField(blank=True)
    data = models.JSONField(default=dict, help_text="The page's other fields as they were saved.")

    objects = RevisionQuerySet.as_manager()

    class Meta:
        ordering = ["page", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["page", "number"], name="revision_number_unique_per_page")
        ]

    def __str__(self):
        return f"{self.title} (revision {self.number})"

    def get_absolute_url(self):
        """The difference this revision made to the one before it (to nothing, for revision 1)."""
        diff_url = reverse("wiki:diff", kwargs={"pk": self.page_id})
        return f"{diff_url}?from={self.number - 1}&to={self.number}"

    def snapshot(self):
        return Snapshot(self.title, self.lead, self.body, self.data)

    @property
    def size_change(self):
        """Characters added (positive) or removed (negative); needs ``with_sizes()``."""
        return self.size - (self.previous_size or 0)


class PageLink(models.Model):
    """A link from one page's text to another page, kept current by the write
    path so "What links here" is a query, not a scan of every text.

    ``target`` is empty while the linked title has no page (a red link); the
    link is attached when a page with that title or alias is created.
    """

    source = models.ForeignKey("wiki.Page", on_delete=models.CASCADE, related_name="outgoing_links")
    target = models.ForeignKey(
        "wiki.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="incoming_links"
    )
    target_title = models.CharField(max_length=200)
    # From which point of the story a reader sees the link (None: from the
    # premise): a link in a passage revealed later is not shown before.
    revealed_at = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["source", "target_title"]
        constraints = [
            models.UniqueConstraint("source", Lower("target_title"), name="page_link_unique_per_title")
        ]

    def __str__(self):
        return f"{self.source} → {self.target_title}"


# Kept as fields of their own; a revision's ``data`` holds the page's other fields.
TEXT_FIELDS = ("title", "lead", "body")


class PageHistoryMixin:
    """A page's revisions: what one keeps, recording one, and going back to one, for ``Page``."""

    @classmethod
    def revision_fields(cls):
        """The editable fields a revision keeps in ``data``: everything an editor
        can change on the page's form except the title, lead and body."""
        concrete = [
            f
            for f in cls._meta.concrete_fields
            if f.editable and not f.primary_key and f.name not in TEXT_FIELDS
        ]
        # Relations with their own through model (an episode's cast) are edited
        # as inlines of their own, not as a field of the page.
        many = [f for f in cls._meta.many_to_many if f.remote_field.through._meta.auto_created]
        return concrete + many

    def revision_data(self, many_to_many=None):
        """The ``data`` fields as JSON-safe values: related rows by primary key,
        dates as ISO strings. ``many_to_many`` overrides many-to-many values with
        ones not saved yet ({field name: objects or keys})."""
        many_to_many = many_to_many or {}
        data = {}
        for f in type(self).revision_fields():
            if f.many_to_many:
                if f.name in many_to_many:
                    keys = [getattr(item, "pk", item) for item in many_to_many[f.name]]
                else:
                    keys = list(getattr(self, f.name).values_list("pk", flat=True))
                data[f.name] = sorted(keys)
            else:
                data[f.name] = _json_safe(f.value_from_object(self))
        return data

    def snapshot(self, many_to_many=None):
        """The page's state in the shape of a revision, to compare with one."""
        page = self.specific
        return Snapshot(page.title, page.lead, page.body, page.revision_data(many_to_many))

    def record_revision(self, user, summary, number=None, created_at=None):
        """Record the page as it is now as its next revision (part of the write path)."""
        page = self.specific
        if number is None:
            number = (Revision.objects.filter(page_id=page.pk).aggregate(last=Max("number"))["last"] or 0) + 1
        revision = Revision.objects.create(
            page_id=page.pk,
            number=number,
            user=user if user is not None and user.is_authenticated else None,
            summary=summary[: Revision._meta.get_field("summary").max_length],
            title=page.title,
            lead=page.lead,
            body=page.body,
            data=page.revision_data(),
        )
        if created_at is not None:
            # created_at is set automatically on insert; a state recorded late
            # dates from the page's last write, not from the edit that records it.
            Revision.objects.filter(pk=revision.pk).update(created_at=created_at)
            revision.created_at = created_at
        return revision

    def restore(self, revision):
        """Put ``revision``'s text and fields back onto the page (not saved).
        Returns the many-to-many values to set once it is saved."""
        self.title, self.lead, self.body = revision.title, revision.lead, revision.body
        many_to_many = {}
        for f in type(self).revision_fields():
            if f.name not in revision.data:
                continue
            if f.many_to_many:
                many_to_many[f.name] = revision.data[f.name]
            else:
                setattr(self, f.attname, f.to_python(revision.data[f.name]))
        return many_to_many

    def revert_to(self, revision, user):
        """Make ``revision`` the page's current state again, as a new revision.

        Raises ``django.core.exceptions.ValidationError`` if the old state is no
        longer valid (its title has since been taken by another page, say)."""
        page = self.specific
        many_to_many = page.restore(revision)
        page.full_clean()

        def set_many_to_many():
            for name, keys in many_to_many.items():
                getattr(page, name).set(keys)

        page.save(user=user, summary=f"Reverted to revision {revision.number}", save_related=set_many_to_many)
        return Revision.objects.latest_of(page)


def _json_safe(value):
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))
