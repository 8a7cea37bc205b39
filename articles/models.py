"""Wiki pages and what every page shares: titles, slugs, Markdown text,
categories, aliases, references and revisions.

Every public page of the encyclopedia, whatever app it belongs to, is a row of
``Page`` (multi-table inheritance). That gives wiki links, backlinks,
categories, history and search one relational target instead of a generic
foreign key per feature.
"""

import functools

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Prefetch
from django.db.models.functions import Lag, Length, Lower
from django.urls import reverse
from django.utils.functional import cached_property

from articles.markup import render_body, render_lead


class PageKind(models.TextChoices):
    ARTICLE = "article", "Article"
    ORGANIZATION = "organization", "Organization"
    WORK = "work", "Work"
    SEASON = "season", "Season"
    EPISODE = "episode", "Episode"
    CHARACTER = "character", "Character"
    PERSON = "person", "Person"


class PageQuerySet(models.QuerySet):
    def by_title(self, title):
        """Pages whose title matches ``title`` case-insensitively."""
        return self.filter(title__iexact=title.strip())

    def with_categories(self):
        return self.prefetch_related("categories")

    def linking_to(self, page):
        """Pages whose text links to ``page``, by wiki link or automatic link, A to Z."""
        return self.filter(outgoing_links__target=page).distinct().order_by("title")

    def random(self):
        """One page picked at random in one query; ORDER BY RANDOM() is fine at a wiki's size."""
        return self.order_by("?").only("kind", "slug").first()


class Page(models.Model):
    """The parts of a page that every kind of page has."""

    # Subclasses set these; Page itself is never shown on its own.
    page_kind = None
    detail_url_name = None

    kind = models.CharField(max_length=20, choices=PageKind.choices, editable=False, db_index=True)
    title = models.CharField(max_length=200, help_text="The page's name, as wiki links use it.")
    slug = models.SlugField(max_length=200, help_text="The last part of the page's address.")
    lead = models.TextField(
        blank=True,
        help_text="Markdown. The opening summary, also used in tables, search results and link previews.",
    )
    body = models.TextField(blank=True, help_text="Markdown. The rest of the page.")
    categories = models.ManyToManyField("articles.Category", blank=True, related_name="pages")
    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Incremented on every save; used to detect edit conflicts."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PageQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(Lower("title"), name="page_title_unique_ci"),
            models.UniqueConstraint(fields=["kind", "slug"], name="page_slug_unique_per_kind"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if self.page_kind:
            self.kind = self.page_kind
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        url_name = self.detail_url_name or Page.model_for_kind(self.kind).detail_url_name
        return reverse(url_name, kwargs={"slug": self.slug})

    @classmethod
    def model_for_kind(cls, kind):
        try:
            return _page_models_by_kind()[kind]
        except KeyError:
            raise LookupError(f"No page model for kind {kind!r}") from None

    @cached_property
    def specific(self):
        """This page as its own kind (a Character, an Episode...)."""
        if self.page_kind:
            return self
        return getattr(self, f"as_{Page.model_for_kind(self.kind)._meta.model_name}")

    @cached_property
    def rendered_lead(self):
        return render_lead(self)

    @cached_property
    def rendered_body(self):
        return render_body(self, self.rendered_lead)

    @property
    def lead_html(self):
        return self.rendered_lead.html

    @property
    def body_html(self):
        return self.rendered_body.html

    def cited_references(self):
        """The references the lead and body cite, in number order, with one query.

        Each carries ``backlinks``: (anchor id, label) of every citation mark,
        for the References list. A number with no ``Reference`` record yet is
        listed with its back-links and no details, rather than left dangling."""
        counts = {}
        for number in (*self.rendered_lead.citations, *self.rendered_body.citations):
            counts[number] = counts.get(number, 0) + 1
        if not counts:
            return []
        known = {reference.number: reference for reference in Reference.objects.filter(number__in=counts)}
        references = []
        for number in sorted(counts):
            reference = known.get(number) or Reference(number=number)
            reference.backlinks = [
                (f"cite-ref-{number}-{k}", _backlink_label(k - 1)) for k in range(1, counts[number] + 1)
            ]
            references.append(reference)
        return references

    @property
    def kind_label(self):
        return PageKind(self.kind).label


@functools.cache
def _page_models_by_kind():
    # Asked for every link to a page read as a plain Page: look the models up once.
    return {
        model.page_kind: model for model in apps.get_models() if issubclass(model, Page) and model.page_kind
    }


def _backlink_label(index):
    """The label of a reference's back-link number ``index`` (from 0): "a"... "z", "aa"..."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    label = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        label = letters[remainder] + label
    return label


def page_link():
    """The parent link every page kind declares, so that a ``Page`` reaches its
    specific row as ``page.as_character`` and field names such as
    ``Episode.season`` do not clash with reverse accessors."""
    return models.OneToOneField(
        Page,
        on_delete=models.CASCADE,
        parent_link=True,
        primary_key=True,
        related_name="as_%(class)s",
    )


class CategoryQuerySet(models.QuerySet):
    def with_page_counts(self):
        # A Count() annotation drops Meta.ordering, so the order is set again.
        return self.annotate(page_count=models.Count("pages")).order_by("name")

    def with_pages(self):
        """Each category with its pages, grouped by kind, A to Z within a kind."""
        return self.prefetch_related(Prefetch("pages", queryset=Page.objects.order_by("kind", "title")))


class Category(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True, help_text="Markdown.")

    objects = CategoryQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:category", kwargs={"slug": self.slug})


class Alias(models.Model):
    """Another name for a page: a redirect in wiki terms ("Eddy Chandler", "SSC")."""

    title = models.CharField(max_length=200)
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="aliases")
    note = models.CharField(
        max_length=300,
        blank=True,
        help_text="Where the variant comes from, e.g. a spelling the source also uses.",
    )

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "aliases"
        constraints = [models.UniqueConstraint(Lower("title"), name="alias_title_unique_ci")]

    def __str__(self):
        return f"{self.title} → {self.page.title}"


class Reference(models.Model):
    """A numbered source the text cites with ``[^n]``. Unknown details stay empty."""

    number = models.PositiveIntegerField(unique=True)
    title = models.CharField(max_length=300, blank=True)
    url = models.URLField(blank=True, verbose_name="URL")
    publisher = models.CharField(max_length=200, blank=True)
    published = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["number"]

    def __str__(self):
        return f"[{self.number}] {self.title}".rstrip()


class Article(Page):
    """A free-standing wiki article, or a disambiguation page."""

    page_kind = PageKind.ARTICLE
    detail_url_name = "articles:detail"

    page_ptr = page_link()

    is_disambiguation = models.BooleanField(
        default=False, help_text="A page that lists the pages an ambiguous name may mean."
    )

    class Meta:
        ordering = ["title"]


class OrganizationQuerySet(PageQuerySet):
    def for_page(self):
        from episodes.models import WorkCompany

        return self.select_related("parent").prefetch_related(
            "divisions",
            "members",
            Prefetch("work_roles", queryset=WorkCompany.objects.select_related("work")),
            "categories",
        )


class Organization(Page):
    """A company, agency or department, in the story or in the real world."""

    class Sphere(models.TextChoices):
        FICTIONAL = "fictional", "In the story"
        REAL = "real", "Real world"

    page_kind = PageKind.ORGANIZATION
    detail_url_name = "articles:organization"

    page_ptr = page_link()

    sphere = models.CharField(max_length=10, choices=Sphere.choices)
    organization_type = models.CharField(
        max_length=100, blank=True, help_text='What it is, e.g. "Animation studio", "Police division".'
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="divisions"
    )

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["title"]


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


class Revision(models.Model):
    """One saved state of a page: who saved it, when, why, and what it said."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="revisions")
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
        diff_url = reverse("articles:diff", kwargs={"pk": self.page_id})
        return f"{diff_url}?from={self.number - 1}&to={self.number}"

    @property
    def size_change(self):
        """Characters added (positive) or removed (negative); needs ``with_sizes()``."""
        return self.size - (self.previous_size or 0)


class PageLink(models.Model):
    """A link from one page's text to another page, kept current on save so
    "What links here" is a query, not a scan of every text.

    ``target`` is empty while the linked title has no page (a red link); the
    link is attached when a page with that title or alias is created.
    """

    source = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="outgoing_links")
    target = models.ForeignKey(
        Page, null=True, blank=True, on_delete=models.SET_NULL, related_name="incoming_links"
    )
    target_title = models.CharField(max_length=200)

    class Meta:
        ordering = ["source", "target_title"]
        constraints = [
            models.UniqueConstraint("source", Lower("target_title"), name="page_link_unique_per_title")
        ]

    def __str__(self):
        return f"{self.source} → {self.target_title}"
