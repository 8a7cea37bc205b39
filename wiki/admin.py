"""The editors' admin: what every page kind's admin shares, and the admin of
what the engine itself holds (categories, aliases, references, revisions,
the link table, and all pages at once).

``PageAdmin`` is the base of every page kind's admin: it saves through the
write path (``Page.save``), so every save records a revision with the
editor's summary, and a save that would overwrite someone else's newer edit
is refused with both versions shown instead. ``PageDataAdmin`` is the base
of the admin of rows pages show that are not pages.

The text fields are edited with the wiki editor (``wiki.editor`` and
``static/js/editor.js``): a live preview rendered by the page's own
pipeline, the changes against the saved version, help with the syntax, a
citation picker and title completion after ``[[``. The page's one history is
the wiki's own (``wiki:history``), which the admin's "History" opens.

Next to each fact, its provenance: a page's form has a "Provenance" section
quoting the source sentences its fields rest on (``field_sources``), and the
inline rows of a page (``RowsWithRelatedMixin``) that record their sources
(``SourcesField``) quote theirs in a column of their own.
"""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth.models import Group, User
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from wiki import editor, history, params, sources
from wiki.models import Alias, Category, EditConflict, Page, PageLink, Reference, Revision
from wiki.models.records import SourcesField

admin.site.site_header = f"{settings.WIKI_SITE_NAME} administration"
admin.site.site_title = f"{settings.WIKI_SITE_NAME} admin"
admin.site.index_title = "Edit the encyclopedia"

TEXT_FIELDS = ["lead", "body"]
EDIT_FIELDS = ["edit_summary", "loaded_version"]
PROVENANCE_FIELDS = ["field_sources", "provenance"]
# Words of a source sentence quoted in an inline row's column (the whole sentence is its title).
QUOTE_WORDS = 18
# Rows of a Markdown text area: room for a few paragraphs of prose.
MARKDOWN_ROWS = 20


def quoted_units(ids, words=None):
    """The units ``ids`` (space-separated) name, quoted as HTML: each sentence (cut
    to ``words`` words, if given, the whole of it as the quote's title), its id
    linked to it on the source page and where it stands in the source."""
    source = sources.current()
    quotes = []
    for unit_id in sources.split_ids(ids):
        unit = source.by_id.get(unit_id)
        if unit is None:
            quotes.append(
                format_html("<li><strong>No such sentence in the source text: {}</strong></li>", unit_id)
            )
            continue
        text = Truncator(unit.text).words(words) if words else unit.text
        quotes.append(
            format_html(
                '<li><q title="{}">{}</q> <small>(<a href="{}#{}">{}</a>, {})</small></li>',
                unit.text,
                text,
                reverse("wiki:source"),
                unit.id,
                unit.id,
                unit.section_label,
            )
        )
    if not quotes:
        return ""
    return format_html(
        '<ul class="provenance-quotes">{}</ul>', format_html_join("", "{}", ((q,) for q in quotes))
    )


class PageAdminForm(forms.ModelForm):
    edit_summary = forms.CharField(
        label="Edit summary",
        required=False,
        widget=forms.TextInput(attrs={"size": 80}),
        max_length=Revision._meta.get_field("summary").max_length,
        help_text="What you changed and why, in a few words. Shown in the page history and recent changes.",
    )
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.edit_conflict = None
        for name in TEXT_FIELDS:
            if name in self.fields:
                self.fields[name].widget.attrs.update(
                    {"rows": MARKDOWN_ROWS, "class": "vLargeTextField wiki-markdown", "data-markdown": name}
                )
        if self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.version
            self.fields["loaded_version"].required = True

    def clean(self):
        cleaned_data = super().clean()
        # Browsers submit textarea line breaks as CRLF; stored text keeps the
        # fixtures' LF so that revisions only differ where the editor typed.
        for name in TEXT_FIELDS:
            if cleaned_data.get(name):
                cleaned_data[name] = cleaned_data[name].replace("\r\n", "\n")
        loaded_version = cleaned_data.get("loaded_version")
        # self.instance was read from the database in this request, so its
        # version is the one a save would now have to replace.
        if self.instance.pk and loaded_version is not None and loaded_version != self.instance.version:
            self.edit_conflict = EditConflictReport(self.instance)
            # The editor is about to see the newer version; saving again from
            # this form replaces it knowingly.
            self.data = self.data.copy()
            self.data[self.add_prefix("loaded_version")] = self.instance.version
            raise ValidationError(self.edit_conflict.message, code="edit_conflict")
        return cleaned_data

    def conflict_diffs(self):
        """The saved version against the editor's, the fields that differ."""
        if not self.edit_conflict:
            return []
        many_to_many = {
            name: value
            for name, value in self.cleaned_data.items()
            if name in {f.name for f in self._meta.model._meta.many_to_many}
        }
        yours = self.instance.snapshot(many_to_many)
        diffs = history.compare(self.edit_conflict.saved, yours, self._meta.model)
        return [diff for diff in diffs if diff.changed]


class EditConflictReport:
    """Who saved the page since the editor opened it, and what it says now."""

    def __init__(self, page):
        self.saved = page.snapshot()
        latest = Revision.objects.latest_of(page)
        self.changed_by = (latest.user if latest and latest.user else None) or "another editor"
        self.changed_at = latest.created_at if latest else page.updated_at

    @property
    def message(self):
        when = date_format(timezone.localtime(self.changed_at), "DATETIME_FORMAT")
        return (
            f"This page was changed by {self.changed_by} at {when} after you opened it. "
            "Your changes have not been saved; they are still in the form below, after the "
            "differences between the saved version and yours. "
            "Saving again replaces the saved version with yours."
        )


class RowsWithRelatedMixin:
    """For inlines: each row shows its ``__str__``, which names related pages;
    ``row_related`` are fetched with the rows instead of one query per row.
    A row that records its sources (a ``SourcesField`` called ``sources``)
    also quotes them, read-only, beside the field."""

    row_related = ()

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.row_related)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if _records_sources(self.model) and "source_sentences" not in readonly:
            readonly.append("source_sentences")
        return readonly

    @admin.display(description="source sentences, quoted")
    def source_sentences(self, row):
        return quoted_units(row.sources, words=QUOTE_WORDS) or "–"


def _records_sources(model):
    return any(isinstance(f, SourcesField) and f.name == "sources" for f in model._meta.concrete_fields)


class AliasInline(RowsWithRelatedMixin, admin.TabularInline):
    model = Alias
    row_related = ["page"]
    extra = 1
    fields = ["title", "note"]
    verbose_name = "alias"
    verbose_name_plural = "aliases (other names that lead here)"


class ModelAdmin(admin.ModelAdmin):
    """Django's ``ModelAdmin``, for which an address that names no object is a
    "not found", never a database error. Every admin of the site derives from
    it (system check ``wiki.E007``)."""

    def get_object(self, request, object_id, from_field=None):
        # Django looks an empty ?_to_field= up as a field named "": it means the primary key.
        from_field = from_field or None
        field = self.model._meta.pk if from_field is None else self.model._meta.get_field(from_field)
        if not params.names_a_row(field, object_id):
            return None
        return super().get_object(request, object_id, from_field)


class PageAdmin(ModelAdmin):
    """What every page kind's admin shares. Subclasses extend ``list_display``,
    ``list_filter`` and ``inlines`` rather than replace the page columns."""

    form = PageAdminForm
    change_form_template = "admin/page_change_form.html"
    list_display = ["title", "updated_at", "version"]
    list_filter = ["categories"]
    search_fields = ["title", "slug", "aliases__title"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["categories"]
    inlines = [AliasInline]
    save_on_top = True
    markdown_fields = TEXT_FIELDS

    class Media:
        css = {"all": ["css/editor.css"]}
        js = ["js/editor.js"]

    def view_on_site(self, obj):
        return obj.get_absolute_url()

    def get_urls(self):
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}"
        return [
            path(
                f"editor/{view}/",
                self.admin_site.admin_view(view_class.as_view(model_admin=self)),
                name=f"{name}_{view}",
            )
            for view, view_class in editor.VIEWS.items()
        ] + super().get_urls()

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        opts = self.model._meta
        name = f"admin:{opts.app_label}_{opts.model_name}"
        context["wiki_editor"] = {
            "urls": {view: reverse(f"{name}_{view}") for view in editor.VIEWS},
            **editor.citation_choices(obj),
        }
        return super().render_change_form(request, context, add, change, form_url, obj)

    def history_view(self, request, object_id, extra_context=None):
        """The page's one history is the wiki's own, with diffs and reverts."""
        if not object_id.isascii() or not object_id.isdigit() or len(object_id) > 18:
            raise Http404("No page has this id.")
        page = get_object_or_404(self.model, pk=object_id)
        return redirect("wiki:history", pk=page.pk)

    def get_fieldsets(self, request, obj=None):
        fields = self.get_fields(request, obj)
        shared = {*TEXT_FIELDS, "categories", *EDIT_FIELDS, *PROVENANCE_FIELDS}
        return [
            (None, {"fields": [name for name in fields if name not in shared]}),
            ("Text", {"fields": TEXT_FIELDS}),
            ("Categories", {"fields": ["categories"]}),
            (
                "Provenance",
                {
                    "fields": PROVENANCE_FIELDS,
                    "description": (
                        "The sentences of the source text the page's fields rest on. The text cites "
                        "its own with [^sentence-id] after each statement; rows below name theirs."
                    ),
                },
            ),
            ("About this edit", {"fields": EDIT_FIELDS}),
        ]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "provenance"]

    @admin.display(description="source sentences of the fields")
    def provenance(self, page):
        """Each field ``field_sources`` names, with the sentences it rests on, quoted."""
        entries = page.field_sources if isinstance(page.field_sources, dict) else {}
        if not entries:
            return "No field of this page names its source sentences yet."
        rows = []
        for name, ids in entries.items():
            try:
                label = str(type(page)._meta.get_field(name).verbose_name)
            except FieldDoesNotExist:  # shown as written; clean() reports it
                label = name
            rows.append((label[:1].upper() + label[1:], quoted_units(ids if isinstance(ids, str) else "")))
        return format_html(
            '<dl class="provenance">{}</dl>', format_html_join("", "<dt>{}</dt><dd>{}</dd>", rows)
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except EditConflict:
            # Someone else's save committed between this form's validation and
            # its save. The transaction has rolled back; validating the form
            # again now reports the conflict with the editor's text intact.
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        # The page is written by save_related, through the write path, once
        # its many-to-many fields and inline rows can be saved with it.
        pass

    def save_related(self, request, form, formsets, change):
        summary = form.cleaned_data["edit_summary"]

        def save_fields_and_inlines():
            form.save_m2m()
            for formset in formsets:
                self.save_formset(request, form, formset, change=change)

        form.instance.save(
            user=request.user,
            summary=summary,
            loaded_version=form.cleaned_data["loaded_version"] if change else None,
            save_related=save_fields_and_inlines,
        )

    def save_formset(self, request, form, formset, change):
        """Pages edited in an inline (a season's episodes) are saved through the
        write path too, each with its own revision."""
        if not issubclass(formset.model, Page):
            return super().save_formset(request, form, formset, change)
        summary = form.cleaned_data["edit_summary"] or f"Edited with {form.instance}"
        for page in formset.save(commit=False):
            page.save(user=request.user, summary=summary)
        for deleted in formset.deleted_objects:
            deleted.delete()
        formset.save_m2m()


class ReadOnlyAdmin(ModelAdmin):
    """Lists editors read but never write: the site's own records, and all pages at once."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Page)
class AllPagesAdmin(ReadOnlyAdmin):
    """Every page of every kind in one searchable list (and the target of
    alias autocompletion). Opening one goes to its own kind's admin."""

    list_display = ["title", "kind", "updated_at", "version"]
    list_filter = ["kind"]
    search_fields = ["title", "slug", "aliases__title"]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not object_id.isascii() or not object_id.isdigit() or len(object_id) > 18:
            raise Http404("No page has this id.")
        page = get_object_or_404(Page, pk=object_id)
        opts = page.specific._meta
        return redirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[page.pk]))


@admin.register(Category)
class CategoryAdmin(ModelAdmin):
    list_display = ["name", "slug", "page_count"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).with_page_counts()

    @admin.display(description="pages", ordering="page_count")
    def page_count(self, category):
        return category.page_count


@admin.register(Alias)
class AliasAdmin(ModelAdmin):
    list_display = ["title", "page", "note"]
    list_select_related = ["page"]
    list_filter = ["page__kind"]
    search_fields = ["title", "page__title", "note"]
    autocomplete_fields = ["page"]

    def view_on_site(self, alias):
        return reverse("wiki:go", kwargs={"title": alias.title})


@admin.register(Reference)
class ReferenceAdmin(ModelAdmin):
    list_display = ["number", "title", "publisher", "published", "url"]
    list_display_links = ["number", "title"]
    list_filter = ["publisher"]
    search_fields = ["=number", "title", "publisher", "url"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Revision)
class RevisionAdmin(ReadOnlyAdmin):
    list_display = ["page", "number", "created_at", "user", "summary"]
    list_select_related = ["page", "user"]
    list_filter = ["page__kind", "created_at"]
    search_fields = ["page__title", "summary", "user__username"]
    date_hierarchy = "created_at"

    def view_on_site(self, revision):
        return revision.get_absolute_url()


@admin.register(PageLink)
class PageLinkAdmin(ReadOnlyAdmin):
    list_display = ["source", "target_title", "target"]
    list_select_related = ["source", "target"]
    list_filter = [("target", admin.EmptyFieldListFilter)]
    search_fields = ["source__title", "target_title"]


# Django's own admins of users and groups get the same lookups as the wiki's.
for model, model_admin_class in [(User, auth_admin.UserAdmin), (Group, auth_admin.GroupAdmin)]:
    admin.site.unregister(model)
    admin.site.register(model, type(model_admin_class.__name__, (ModelAdmin, model_admin_class), {}))
