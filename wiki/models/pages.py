"""The page every kind of page is, the contract a kind fills in, and the one
write path.

Every public page of the encyclopedia, whatever app declares its kind, is a
row of ``Page`` (multi-table inheritance): wiki links, backlinks,
categories, history and search have one relational target.

**A page kind** is a concrete subclass of ``Page`` in a content app. What the
engine needs from it is declared on the class, with defaults here:

* ``url_prefix`` (required): its pages live at ``/<url_prefix>/<slug>/``,
  URL name ``pages:<model name>``;
* ``template_name``: default ``<app label>/<model name>_detail.html``,
  extending ``page.html`` (whose ``infobox`` block the kind fills in);
* its QuerySet's ``for_page()``: what loading one page for display prefetches;
* ``get_context(request)``: anything else its template shows;
* ``autolinked``: whether the first mention of its title is linked by itself;
* ``open_graph_type`` and ``structured_data(schema)``: what search engines
  and link previews read;
* ``preview_facts()``: the key facts the wiki's own link preview card shows;
* ``Meta.verbose_name``: how the kind is named in search results and lists;
* ``provenance_fields``: its fields that, when set, must name the sentences
  of the source text they rest on in ``field_sources`` (``manage.py check_source``);
* ``search_texts(page_ids)``: text the search index adds to its pages besides
  lead and body (a person's credits), and ``find_by_query(query)``: the page
  of the kind a search names in the kind's own terms ("s2e3"), if any.

The engine finds the kinds with ``apps.get_models()``; ``wiki.checks``
reports a kind that is incomplete.

**The write path** is ``Page.save()`` (and ``Page.delete()``): whoever saves a
page, the admin, a revert, a command, a script or the shell, goes through it.
See ``Page.save`` for what it does, in which order.
"""

import bisect
import functools

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Lower
from django.urls import Resolver404, resolve, reverse
from django.utils.functional import cached_property
from django.utils.text import capfirst

from wiki import markup, reading, titles
from wiki.models.generation import Generation
from wiki.models.records import (
    Alias,
    PageDataQuerySet,
    RevealField,
    pages_indexed_with,
    reindex_pages,
    validate_unit_ids,
)
from wiki.models.revisions import PageHistoryMixin, PageLink, Revision
from wiki.models.text import PageTextMixin, TitleQuerySetMixin, TitleResolver
from wiki.search import index as search_index

# The summary of a page's state as it was before its first recorded edit.
UNRECORDED_SUMMARY = "The page as it was before its first recorded edit"


class EditConflict(Exception):
    """The page was saved by someone else after this editor loaded it."""


class PageQuerySet(TitleQuerySetMixin, PageDataQuerySet):
    def for_page(self):
        """What showing one page loads with it; page kinds extend it."""
        return self.with_categories()

    def by_title(self, title):
        """Pages whose title matches ``title`` case-insensitively."""
        return self.filter(title__iexact=title.strip())

    def with_categories(self):
        return self.prefetch_related("categories")

    def met(self):
        """The pages a reader at their limit (``wiki.reading.current()``) has met."""
        return self.revealed()

    def linking_to(self, page):
        """Pages the reader has met whose text, as far as the reader has read,
        links to ``page`` by wiki link or automatic link, A to Z."""
        limit = reading.current()
        links = PageLink.objects.filter(target=page).filter(limit.q()).values("source")
        return self.met().filter(pk__in=links).order_by("title")

    def random(self):
        """One page the reader has met, picked at random in one query; ORDER BY
        RANDOM() is fine at a wiki's size."""
        return self.met().order_by("?").only("kind", "slug").first()

    def mentioning(self, names):
        """Pages whose lead or body contains one of ``names`` (ignoring case)."""
        query = Q()
        for name in {titles.normalize_title(name) for name in names if name}:
            if name:
                query |= Q(lead__icontains=name) | Q(body__icontains=name)
        return self.filter(query) if query else self.none()

    # The write path, in bulk ---------------------------------------------------

    def update(self, **kwargs):
        """A bulk change of pages, with what a save implies except revisions
        (links, search and caches stay right)."""
        with transaction.atomic():
            ids = list(self.values_list("pk", flat=True))
            count = models.QuerySet.update(self, **kwargs)
            if count:
                self._written_in_bulk(ids, names_changed=bool({"title", "slug", "kind"} & kwargs.keys()))
        return count

    update.alters_data = True

    def delete(self):
        with transaction.atomic():
            indexed = pages_indexed_with(self, self.db)
            deleted = models.QuerySet.delete(self)
            if deleted[0]:
                _pages_deleted(indexed)
        return deleted

    delete.alters_data = True
    delete.queryset_only = True

    def bulk_create(self, objs, *args, **kwargs):
        """New pages in bulk (plain ``Page`` rows: Django cannot bulk-create
        a kind's two rows), with their links and search entries."""
        objs = list(objs)
        with transaction.atomic():
            for page in objs:
                if type(page) is not Page:
                    page.kind = page.page_kind()
            created = models.QuerySet.bulk_create(self, objs, *args, **kwargs)
            self._written_in_bulk([page.pk for page in created], names_changed=True)
        return created

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        with transaction.atomic():
            count = models.QuerySet.bulk_update(self, objs, fields, *args, **kwargs)
            if count:
                names_changed = bool({"title", "slug", "kind"} & set(fields))
                self._written_in_bulk([page.pk for page in objs], names_changed)
        return count

    def _written_in_bulk(self, ids, names_changed):
        Generation.objects.advance(links=names_changed)
        written = Page.objects.filter(pk__in=ids)
        if names_changed:
            Page.objects.rebuild_links()
        else:
            written.sync_links()
        written.update_search_index()

    def record_loaded(self, summary):
        """The write path for rows saved raw (``loaddata``), these pages among
        them: each page whose state is not its latest revision gets a revision
        with ``summary``; then, as ``Page.save`` does, the generations move on
        and the link table and search index are read again (all of them, since
        raw rows such as aliases change other pages' links and entries)."""
        with transaction.atomic():
            latest = {
                revision.page_id: revision
                for revision in Revision.objects.filter(
                    pk=Revision.objects.filter(page_id=OuterRef("page_id"))
                    .order_by("-number")
                    .values("pk")[:1],
                    page__in=self,
                )
            }
            for page in self:
                page = page.specific
                last = latest.get(page.pk)
                if last is None or page.snapshot() != last.snapshot():
                    page.record_revision(None, summary, number=(last.number + 1) if last else 1)
            Generation.objects.advance(links=True)
            Page.objects.rebuild_links()
            Page.objects.rebuild_search_index()

    # Link table and search index -------------------------------------------------

    def sync_links(self):
        """Make the link table say what these pages' texts link to now (their
        links only: these are other pages than the one being saved, rendered
        when a reader asks for them)."""
        pages = list(self.only("pk", "kind", "version", "lead", "body"))
        resolver = markup.batch_resolver(
            TitleResolver(), (text for page in pages for text in (page.lead, page.body))
        )
        for page in pages:
            page.sync_links(resolver, warm=False)

    def rebuild_links(self):
        """Read every page's links afresh into an emptied link table; returns the number of pages."""
        PageLink.objects.all().delete()
        count = 0
        resolver = TitleResolver()
        pages = list(self.only("pk", "kind", "version", "lead", "body").order_by("pk"))
        # In batches, each with one query for the titles its texts link to.
        for start in range(0, len(pages), 500):
            batch = pages[start : start + 500]
            batch_resolver = markup.batch_resolver(
                resolver, (text for page in batch for text in (page.lead, page.body))
            )
            for page in batch:
                PageLink.objects.bulk_create(page.links_in_text(batch_resolver, warm=False))
            count += len(batch)
        return count

    def search_rows(self):
        """Search index rows of these pages (see ``wiki.search.index``): one per
        level of the story at which what a reader can read of a page changes.
        Read at everything, whatever the reader's limit, and at one reading
        of the generations (every passage asks the story's timeline)."""
        with reading.everything(), Generation.objects.remember_during():
            pages = list(self.values_list("pk", "kind", "title", "lead", "body", "revealed_at"))
            ids = [page[0] for page in pages]
            aliases = {}
            for page_id, title in (
                Alias.objects.filter(page_id__in=ids)
                .order_by("page_id", "title")
                .values_list("page_id", "title")
            ):
                aliases.setdefault(page_id, []).append(title)
            # A kind whose text the story reveals later than the page (an
            # episode's summary) says where: one query per such kind.
            text_revealed_at = {}
            # A kind that adds text of its own (credits): one call per such kind.
            added_text = {}
            for kind, model in Page.kinds().items():
                of_kind = [page[0] for page in pages if page[1] == kind]
                if of_kind and model.text_revealed_at is not Page.text_revealed_at:
                    for page in model.objects.filter(pk__in=of_kind):
                        text_revealed_at[page.pk] = page.text_revealed_at()
                if of_kind and model.search_texts.__func__ is not Page.search_texts.__func__:
                    added_text.update(model.search_texts(of_kind))
            # The added text is indexed as part of the body: it is Markdown
            # like it, and hides the names not met yet in the same way.
            pages = [
                (*page[:4], "\n\n".join(filter(None, (page[4], added_text.get(page[0])))), page[5])
                for page in pages
            ]
            names = search_index.Names(
                TitleResolver(),
                dict(Page.objects.filter(revealed_at__isnull=False).values_list("pk", "revealed_at")),
                [text for page in pages for text in page[3:5]],
            )
            rows = []
            for pk, _, title, lead, body, revealed_at in pages:
                page = search_index.IndexedPage(
                    pk, title, tuple(aliases.get(pk, ())), lead, body, revealed_at, text_revealed_at.get(pk)
                )
                rows += search_index.page_rows(page, names)
            return ids, rows

    def update_search_index(self, timeline_changed=None):
        """Write these pages' index rows. Other pages' rows can depend on
        them, and are written again too: a page whose names or first point
        in the story changed changes what the pages naming it (by its old or
        new names) hide, since a name the reader has not met yet reads
        "[not met yet]"; and a point of the story (an episode) may have
        moved, which moves every passage revealed at it. ``timeline_changed``
        says whether the points of the story moved; None: they may have, if
        these pages are of the timeline's kind."""
        with reading.everything():
            ids, rows = self.search_rows()
            before = search_index.indexed_names(ids)
            search_index.write(ids, rows)
            names = set()
            changed = []
            for pk, _, visible_from, _, title, aliases, *_ in (row for row in rows if row[1] == 0):
                old = before.get(pk)
                if old != (title, aliases, visible_from) and (visible_from or (old and old[2])):
                    changed.append(pk)
                    names |= {title, *aliases.split("\n"), *((old[0], *old[1].split("\n")) if old else ())}
            others = Q()
            if changed:
                linking = PageLink.objects.filter(target_id__in=changed).values("source_id")
                others |= Q(pk__in=linking) | Q(pk__in=Page.objects.mentioning(names))
            if timeline_changed is None:
                timeline = apps.get_model(settings.WIKI_TIMELINE)
                timeline_changed = (
                    issubclass(timeline, Page) and self.filter(kind=timeline.page_kind()).exists()
                )
            if timeline_changed:
                others |= Q(lead__icontains="{{reveal") | Q(body__icontains="{{reveal")
            if others:
                other_ids, other_rows = Page.objects.filter(others).exclude(pk__in=ids).search_rows()
                search_index.write(other_ids, other_rows)

    def rebuild_search_index(self, batch_size=2000):
        """Index every page afresh; returns the number of pages indexed."""
        with reading.everything():
            search_index.clear()
            total = last_pk = 0
            while True:
                ids, rows = self.filter(pk__gt=last_pk).order_by("pk")[:batch_size].search_rows()
                if not ids:
                    break
                search_index.write(ids, rows)
                total += len(ids)
                last_pk = ids[-1]
            search_index.optimize()
        return total


class Page(PageHistoryMixin, PageTextMixin, models.Model):
    """The parts of a page that every kind of page has. See the module's
    docstring for what a kind declares."""

    url_prefix = None
    template_name = None
    autolinked = False
    open_graph_type = "article"
    provenance_fields = ("revealed_at",)

    kind = models.CharField(max_length=40, editable=False, db_index=True)
    title = models.CharField(max_length=200, help_text="The page's name, as wiki links use it.")
    slug = models.SlugField(max_length=200, help_text="The last part of the page's address.")
    lead = models.TextField(
        blank=True,
        help_text="Markdown. The opening summary, also used in tables, search results and link previews.",
    )
    body = models.TextField(blank=True, help_text="Markdown. The rest of the page.")
    categories = models.ManyToManyField("wiki.Category", blank=True, related_name="pages")
    categories_revealed_at = models.JSONField(
        default=dict,
        blank=True,
        verbose_name="categories revealed later",
        help_text=(
            "Categories the story puts the page in only from a later episode, as "
            '{"category-slug": episode number across the series}; e.g. {"live-corporation": 15}.'
        ),
    )
    revealed_at = RevealField(
        verbose_name="first met in",
        help_text=(
            "The episode in which the story first shows or names this page's subject; empty if "
            "it is known from the premise, or is not part of the story (a studio, a voice actor). "
            "Readers who have not watched so far are told the page exists, and nothing more."
        ),
    )
    field_sources = models.JSONField(
        default=dict,
        blank=True,
        verbose_name="sources of the fields",
        help_text=(
            "The sentences of the source text each of the page's own fields rests on, as "
            '{"field name": "sentence ids separated by spaces"}; e.g. '
            '{"occupation": "main-characters-1", "revealed_at": "season-1-2018-e3"}.'
        ),
    )
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

    # The write path ------------------------------------------------------------------

    def save(self, *args, user=None, summary="", loaded_version=None, save_related=None, **kwargs):
        """Save the page as an edit. In one transaction, in this order:

        1. claim the next version: the page's row moves from ``loaded_version``
           (the version the editor loaded; any, if None) to the next one in one
           conditional UPDATE, which also locks the row until the transaction
           ends; if it has moved on since, ``EditConflict`` is raised and
           nothing is written;
        2. a page that has no revision yet (one written in bulk) gets its stored
           state recorded as revision 1, so no text is ever lost;
        3. the row is written, then ``save_related()`` runs (the admin saves
           many-to-many fields and inline rows there);
        4. the new state is recorded as the next revision, by ``user``, with ``summary``;
        5. the content generation moves on, and the link generation with it if
           the page is new or its title or slug changed: every cached page and
           rendering is keyed by them;
        6. the link table is read from the page's text, and, if names changed,
           from the texts of the pages that mention the old or new name;
        7. the page's search index entry is written, and, if the page is a
           point of the story that moved, those of the pages with passages
           revealed later in the story.
        """
        adding = self._state.adding
        if type(self) is not Page:
            self.kind = self.page_kind()
        self.forget_renderings()
        # Saving a point of the story (an episode) may move it, and with it every passage revealed there.
        on_timeline = type(self) is apps.get_model(settings.WIKI_TIMELINE)
        # Every point of the story a passage names asks for the generation: read it once.
        with transaction.atomic(), Generation.objects.remember_during():
            points_before = reading.Timeline.points() if on_timeline else None
            names_before = None
            if not adding:
                names_before = self.claim_version(loaded_version)
                adding = names_before is None
            super().save(*args, **kwargs)
            if save_related is not None:
                save_related()
            self.record_revision(user, summary or ("Created the page" if adding else ""))
            names_changed = names_before != (self.title, self.slug)
            Generation.objects.advance(links=names_changed)
            if names_changed:
                Page.objects.exclude(pk=self.pk).mentioning({*(names_before or ()), self.title}).sync_links()
            self.sync_links()
            Page.objects.filter(pk=self.pk).update_search_index(
                timeline_changed=on_timeline and reading.Timeline.points() != points_before
            )

    save.alters_data = True

    def get_absolute_url(self):
        return Page.url_for(self.kind, self.slug)

    def clean(self):
        super().clean()
        self.clean_slug()
        self.clean_field_sources()

    def clean_slug(self):
        """The page's address must lead to it: another page of the site (an
        index such as /episodes/timeline/) may already answer there."""
        if type(self) is Page or not self.slug:
            return
        address = Page.url_for(self.page_kind(), self.slug)
        try:
            match = resolve(address)
        except Resolver404:
            return
        if match.view_name != f"pages:{self.page_kind()}":
            raise ValidationError({"slug": f"The address {address} is already a page of the site."})

    def clean_field_sources(self):
        """``field_sources`` names fields of the page's kind, each with ids of units of the source text."""
        value = self.field_sources
        if value in (None, ""):
            self.field_sources = {}
            return
        if not isinstance(value, dict):
            example = '{"occupation": "main-characters-1"}'
            message = f"An object of field names and sentence ids, e.g. {example}."
            raise ValidationError({"field_sources": message})
        names = self.sourced_field_names()
        problems = []
        for name, ids in value.items():
            if name not in names:
                problems.append(f"{self._meta.verbose_name} has no field {name!r}")
            elif not isinstance(ids, str):
                problems.append(f"{name}: the sentence ids must be one string, separated by spaces")
            else:
                try:
                    validate_unit_ids(ids)
                except ValidationError as error:
                    problems += [f"{name}: {message}" for message in error.messages]
        if problems:
            raise ValidationError({"field_sources": problems})

    @classmethod
    def sourced_field_names(cls):
        """The fields of the kind whose provenance ``field_sources`` may record."""
        return {
            f.name
            for f in cls._meta.get_fields()
            if (f.concrete or f.many_to_many)
            and f.editable
            and not f.primary_key
            and f.name not in ("field_sources", "lead", "body")
        }

    def delete(self, *args, **kwargs):
        with transaction.atomic():
            indexed = pages_indexed_with([self], kwargs.get("using") or self._state.db)
            deleted = super().delete(*args, **kwargs)
            _pages_deleted(indexed)
        return deleted

    delete.alters_data = True

    # The kinds ---------------------------------------------------------------------

    @classmethod
    def page_kind(cls):
        """The kind's key, stored in ``kind``: the model's name ("character")."""
        return cls._meta.model_name

    @classmethod
    def kinds(cls):
        """``{kind: model}`` for every page kind of the installed apps."""
        return _kinds()

    @classmethod
    def model_for_kind(cls, kind):
        try:
            return _kinds()[kind]
        except KeyError:
            raise LookupError(f"No page model for kind {kind!r}") from None

    @classmethod
    def detail_template_name(cls):
        return cls.template_name or f"{cls._meta.app_label}/{cls._meta.model_name}_detail.html"

    @staticmethod
    def url_for(kind, slug):
        return f"{_url_prefix(kind)}{slug}/"

    def neighbours(self, group, group_value, order):
        """The pages of this kind just before and after this one by ``order``
        (a field) among those whose ``group`` (a field path) is ``group_value``,
        as (previous, next), either None; each loaded with what a link to it
        shows. From the group's list, read once per process and change, rather
        than two queries a page."""
        generation = Generation.objects.current().content
        fields, positions, rows = _sequence(type(self), group, group_value, order, generation)
        before = bisect.bisect_left(positions, getattr(self, order))
        after = bisect.bisect_right(positions, getattr(self, order))
        return (
            type(self).from_db(None, fields, rows[before - 1]) if before > 0 else None,
            type(self).from_db(None, fields, rows[after]) if after < len(rows) else None,
        )

    def is_met(self):
        """Whether the reader (at ``wiki.reading.current()``) has met the page's subject."""
        limit = reading.current()
        return limit.shows(self.revealed_at) or "page" in limit.shown

    def in_category_at_limit(self, category):
        """Whether the reader knows the page to be in ``category``."""
        return reading.current().shows((self.categories_revealed_at or {}).get(category.slug))

    def categories_at_limit(self):
        """The page's categories the reader knows it to be in; reads the prefetched categories."""
        return [category for category in self.categories.all() if self.in_category_at_limit(category)]

    @property
    def revealed_label(self):
        return reading.Timeline.label(self.revealed_at)

    @property
    def is_home_page(self):
        """The page shown at ``/`` (``settings.WIKI_HOME_PAGE``: kind and slug)."""
        return (self.kind, self.slug) == tuple(settings.WIKI_HOME_PAGE)

    @property
    def canonical_url(self):
        """The one address a page is known by; the home page's is ``/``."""
        return reverse("home") if self.is_home_page else self.get_absolute_url()

    @cached_property
    def specific(self):
        """This page as its own kind (a Character, an Episode...)."""
        if type(self) is not Page:
            return self
        return getattr(self, f"as_{self.kind}")

    @property
    def kind_label(self):
        return capfirst(Page.model_for_kind(self.kind)._meta.verbose_name)

    def get_context(self, request):
        """What the page's template shows besides the page itself; kinds extend it."""
        return {}

    @classmethod
    def search_texts(cls, page_ids):
        """``{page id: Markdown}``: what the search index adds to the text of
        these pages of the kind, besides lead and body, such as the rows the
        page shows (a person's credits). It is read at every reveal level as
        the body is: a wiki link to a page the reader has not met reads "[not
        met yet]". Rows that add text here re-index their pages when saved."""
        return {}

    @classmethod
    def find_by_query(cls, query):
        """The page of this kind that a search (a ``wiki.search.text.Query``)
        names in the kind's own terms ("s2e3", "first episode"), or None: the
        search goes straight to it, as to an exact title."""
        return None

    def structured_data(self, schema):
        """The schema.org items describing the page (``schema``: a ``wiki.seo.StructuredData``)."""
        return [schema.about(self, "Article")]

    def preview_facts(self):
        """Two or three key facts for the page's link preview, as (label, text)
        pairs, at the reader's limit; kinds override it. Reads only what the
        kind's ``for_page()`` loads."""
        return []

    # The write path's steps ------------------------------------------------------------

    def claim_version(self, loaded_version):
        """Steps 1 and 2 of ``save``; returns the stored (title, slug), or None
        if the page has no row yet."""
        claim = Page._base_manager.filter(pk=self.pk)
        if loaded_version is not None:
            claim = claim.filter(version=loaded_version)
        if not claim.update(version=F("version") + 1):
            if loaded_version is not None and Page._base_manager.filter(pk=self.pk).exists():
                raise EditConflict(self)
            return None
        stored = (
            Page._base_manager.filter(pk=self.pk)
            .annotate(has_revisions=Exists(Revision.objects.filter(page_id=OuterRef("pk"))))
            .values("title", "slug", "version", "has_revisions", "updated_at")
            .get()
        )
        self.version = stored["version"]
        if not stored["has_revisions"]:
            as_stored = type(self)._base_manager.get(pk=self.pk)
            as_stored.record_revision(None, UNRECORDED_SUMMARY, number=1, created_at=stored["updated_at"])
        return stored["title"], stored["slug"]


def page_link():
    """The parent link every page kind declares, so that a ``Page`` reaches its
    specific row as ``page.as_<kind>`` and field names such as
    ``Episode.season`` do not clash with reverse accessors."""
    return models.OneToOneField(
        Page,
        on_delete=models.CASCADE,
        parent_link=True,
        primary_key=True,
        related_name="as_%(class)s",
    )


def _pages_deleted(indexed):
    # Links to deleted pages became red links when their target was set to
    # null; pages deleted with them (a work's seasons) leave the index too,
    # and the pages that remain whose entries included rows deleted with
    # them (a character's entry, a deleted voice actor's credit) are indexed again.
    Generation.objects.advance(links=True)
    search_index.prune()
    reindex_pages(indexed)


@functools.lru_cache(maxsize=64)
def _sequence(model, group, group_value, order, content_generation):
    """For ``Page.neighbours``: the link fields' names in the order
    ``Model.from_db`` takes them, the ``order`` values of the group's pages
    in order, and their link fields' values. One query for one group (a
    season's work), however many pages of the kind there are."""
    pk = model._meta.pk.attname
    fields = [
        f.attname for f in model._meta.concrete_fields if f.attname in ("id", "kind", "title", "slug", pk)
    ]
    rows = model.objects.filter(**{group: group_value}).order_by(order, "pk").values_list(order, *fields)
    positions, values = [], []
    for position, *link_fields in rows:
        positions.append(position)
        values.append(link_fields)
    return fields, positions, values


@functools.cache
def _kinds():
    return {
        model._meta.model_name: model
        for model in apps.get_models()
        if issubclass(model, Page) and model is not Page
    }


@functools.cache
def _url_prefix(kind):
    marker = "slug-marker"
    return reverse(f"pages:{kind}", kwargs={"slug": marker})[: -len(marker) - 1]
