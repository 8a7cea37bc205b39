"""What pages share besides their own text: categories, aliases and
references, and ``PageData``, the base of every row a page shows that is
not a page itself (a voice credit, an appearance).

Saving or deleting such a row, one at a time or in bulk, moves the content
generation on in the same transaction, so no cached page outlives it. There
is no signal to forget to connect: the behaviour comes with the base class.
"""

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, models, transaction
from django.db.models.deletion import Collector
from django.db.models.functions import Lower
from django.urls import reverse

from wiki import reading, sources
from wiki.models.generation import Generation


class RevealField(models.PositiveSmallIntegerField):
    """The point of the story (``wiki.reading``) that reveals a fact: its
    position, chosen in forms by its label ("Season 1, Episode 8"); empty
    means known from the premise, before the first episode."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs["choices"] = reading.Timeline.choices
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        # The choices are the episodes in the database, not part of the schema.
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("choices", None)
        return name, path, args, kwargs


def validate_unit_ids(value):
    """Every id of a space-separated list names a unit of the source text."""
    ids = sources.split_ids(value)
    malformed = [unit_id for unit_id in ids if not sources.CITABLE_ID_RE.fullmatch(unit_id)]
    unknown = [unit_id for unit_id in sources.current().unknown(ids) if unit_id not in malformed]
    problems = []
    if malformed:
        problems.append("not a sentence id (lowercase letters, digits, hyphens): " + ", ".join(malformed))
    if unknown:
        problems.append("no such sentence in the source text: " + ", ".join(unknown))
    if problems:
        message = "; ".join(problems)
        raise ValidationError(message[0].upper() + message[1:] + ".", code="unknown_unit")


class SourcesField(models.CharField):
    """The sentences of the source text (``wiki.sources``) a fact rests on: their
    ids, separated by spaces ("season-1-2018-e3 main-characters-1"). Empty
    means the fact has no recorded provenance yet (``manage.py check_source``
    lists such rows)."""

    default_validators = [validate_unit_ids]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 1000)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("verbose_name", "source sentences")
        kwargs.setdefault(
            "help_text",
            "Ids of the sentences of the source text this fact rests on, separated by spaces, "
            'e.g. "season-1-2018-e3 main-characters-1"; see the source text page for the ids.',
        )
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        # Wording is not schema.
        kwargs.pop("verbose_name", None)
        kwargs.pop("help_text", None)
        return name, path, args, kwargs


# The columns of a page that a link to it does not show (it shows the title, the
# address from kind and slug, and whether the reader has met the page).
PAGE_COLUMNS_NOT_LINKED = (
    "lead",
    "body",
    "field_sources",
    "categories_revealed_at",
    "version",
    "created_at",
    "updated_at",
)


class PageDataQuerySet(models.QuerySet):
    """Bulk writes tell the caches too."""

    def revealed(self, field="revealed_at"):
        """The rows the reader's limit (``wiki.reading.current()``) shows by ``field``."""
        return self.filter(reading.current().q(field))

    def as_links(self):
        """Pages shown only as links, their text and bookkeeping columns unread."""
        return self.defer(*PAGE_COLUMNS_NOT_LINKED)

    def select_linked(self, *relations):
        """``select_related(*relations)`` for pages shown only as links: their
        text and bookkeeping columns are left unread, which halves the time to
        load a row of links."""
        return self.select_related(*relations).defer(
            *(f"{relation}__{column}" for relation in relations for column in PAGE_COLUMNS_NOT_LINKED)
        )

    def update(self, **kwargs):
        with transaction.atomic():
            rows = list(self.values_list("pk", flat=True)) if self.model.indexed_pages else []
            before = self.indexed_page_ids()
            count = super().update(**kwargs)
            if count:
                Generation.objects.advance()
                self.model.index_pages(before | self.model.objects.filter(pk__in=rows).indexed_page_ids())
        return count

    update.alters_data = True

    def delete(self):
        with transaction.atomic():
            indexed = pages_indexed_with(self, self.db)
            deleted = super().delete()
            if deleted[0]:
                Generation.objects.advance()
                reindex_pages(indexed)
        return deleted

    delete.alters_data = True
    delete.queryset_only = True

    def bulk_create(self, objs, *args, **kwargs):
        with transaction.atomic():
            created = super().bulk_create(objs, *args, **kwargs)
            if created:
                Generation.objects.advance()
                self.model.index_pages(frozenset().union(*(row.indexed_page_ids() for row in created)))
        return created

    def bulk_update(self, objs, fields, *args, **kwargs):
        with transaction.atomic():
            before = self.filter(pk__in=[row.pk for row in objs]).indexed_page_ids()
            count = super().bulk_update(objs, fields, *args, **kwargs)
            if count:
                Generation.objects.advance()
                self.model.index_pages(before.union(*(row.indexed_page_ids() for row in objs)))
        return count

    def indexed_page_ids(self):
        """The (link field name, page id) pairs of these rows' ``PageData.indexed_pages``."""
        return _indexed_page_ids(self)


def _indexed_page_ids(queryset):
    fields = queryset.model.indexed_pages
    if not fields:
        return frozenset()
    attnames = [queryset.model._meta.get_field(name).attname for name in fields]
    return frozenset(
        (name, page_id)
        for row in queryset.values_list(*attnames)
        for name, page_id in zip(fields, row, strict=True)
        if page_id is not None
    )


def pages_indexed_with(objs, using=DEFAULT_DB_ALIAS):
    """The ids of the pages whose search text includes a row that deleting
    ``objs`` (model instances, or a queryset) deletes: every ``PageData`` row
    that Django's deletion collector finds, those deleted by cascade included
    (deleting a person deletes their voice credits, which the characters'
    entries include)."""
    collector = Collector(using=using, origin=objs)
    collector.collect(objs)
    pairs = set()
    for model, rows in collector.data.items():
        if issubclass(model, PageData):
            for row in rows:
                pairs |= row.indexed_page_ids()
    for queryset in collector.fast_deletes:
        if issubclass(queryset.model, PageData):
            pairs |= _indexed_page_ids(queryset)
    return {page_id for _, page_id in pairs}


def reindex_pages(page_ids):
    """Write the search index rows of the pages ``page_ids`` (those that still exist) again."""
    if page_ids:
        apps.get_model("wiki", "Page").objects.filter(pk__in=page_ids).update_search_index()


class PageData(models.Model):
    """A row some page shows. Subclasses' QuerySets derive from ``PageDataQuerySet``."""

    # The links to the pages whose search text includes this row (their kind's
    # ``search_texts``: a voice credit is found on its person's page): every write
    # of the row, one at a time or in bulk, writes those pages' index rows again.
    indexed_pages = ()

    objects = PageDataQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        with transaction.atomic():
            before = type(self).objects.filter(pk=self.pk).indexed_page_ids() if self.pk else frozenset()
            super().save(*args, **kwargs)
            Generation.objects.advance()
            self.index_pages(before | self.indexed_page_ids())

    def delete(self, *args, **kwargs):
        with transaction.atomic():
            indexed = pages_indexed_with([self], kwargs.get("using") or self._state.db)
            deleted = super().delete(*args, **kwargs)
            Generation.objects.advance()
            reindex_pages(indexed)
        return deleted

    def indexed_page_ids(self):
        ids = ((name, getattr(self, self._meta.get_field(name).attname)) for name in self.indexed_pages)
        return frozenset((name, page_id) for name, page_id in ids if page_id is not None)

    @classmethod
    def index_pages(cls, indexed):
        """Write the search index rows of the pages ``indexed`` ((link field name, page id) pairs) again."""
        reindex_pages({page_id for _, page_id in indexed})


class CategoryQuerySet(PageDataQuerySet):
    def with_page_counts(self):
        """Each category with ``page_count``: at a reading limit, with the pages
        in it too, to count those the reader has met and knows to be in it
        (``Category.count_at_limit``)."""
        met = reading.current().q("pages__revealed_at")
        # A Count() annotation drops Meta.ordering, so the order is set again.
        counted = self.annotate(page_count=models.Count("pages", filter=met)).order_by("name")
        return counted if reading.current().is_everything else counted.with_pages()

    def with_pages(self):
        """Each category with the pages in it the reader has met, grouped by kind, A to Z within a kind."""
        page_model = self.model._meta.get_field("pages").related_model
        return self.prefetch_related(
            models.Prefetch("pages", queryset=page_model.objects.met().order_by("kind", "title"))
        )


class Category(PageData):
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
        return reverse("wiki:category", kwargs={"slug": self.slug})

    def pages_at_limit(self):
        """The pages in the category as far as the reader knows; reads the
        pages ``with_pages()`` prefetches (only those the reader has met)."""
        return [page for page in self.pages.all() if page.in_category_at_limit(self)]

    def count_at_limit(self):
        if reading.current().is_everything:
            return self.page_count
        return len(self.pages_at_limit())


class Alias(PageData):
    """Another name for a page: a redirect in wiki terms ("Eddy Chandler", "SSC").

    Saving or deleting one changes what names link where: the link generation
    moves on, the pages whose text mentions the old or new name re-read their
    links, and the search index learns the page's names."""

    title = models.CharField(max_length=200)
    page = models.ForeignKey("wiki.Page", on_delete=models.CASCADE, related_name="aliases")
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

    def save(self, *args, **kwargs):
        before = (
            type(self)._base_manager.filter(pk=self.pk).values_list("title", "page_id").first()
            if self.pk is not None
            else None
        )
        with transaction.atomic():
            super().save(*args, **kwargs)
            if before != (self.title, self.page_id):
                self._names_changed(
                    names={self.title, before[0] if before else ""},
                    page_ids={self.page_id, before[1] if before else None},
                )

    def delete(self, *args, **kwargs):
        names, page_ids = {self.title}, {self.page_id}
        with transaction.atomic():
            deleted = super().delete(*args, **kwargs)
            self._names_changed(names, page_ids)
        return deleted

    def _names_changed(self, names, page_ids):
        pages = self._meta.get_field("page").related_model.objects
        Generation.objects.advance(links=True)
        pages.mentioning(names).sync_links()
        pages.filter(pk__in=page_ids - {None}).update_search_index()


class Reference(PageData):
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
