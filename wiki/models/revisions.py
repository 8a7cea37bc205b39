"""Rows only the write path writes: each page's revisions, and the link table."""

from dataclasses import dataclass, field

from django.conf import settings
from django.db import models
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

    class Meta:
        ordering = ["source", "target_title"]
        constraints = [
            models.UniqueConstraint("source", Lower("target_title"), name="page_link_unique_per_title")
        ]

    def __str__(self):
        return f"{self.source} → {self.target_title}"
