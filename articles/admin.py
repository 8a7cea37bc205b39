"""The editors' admin for wiki pages, and what every page kind's admin shares.

``PageAdmin`` is the base of every page kind's admin (here and in the
characters and episodes apps): it records a revision on every save, asks for
an edit summary, and refuses a save that would overwrite someone else's
newer edit, showing the editor both versions instead.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from articles import history
from articles.models import Alias, Article, Category, Organization, Page, PageLink, Reference, Revision

admin.site.site_header = "Hero Mask Wiki administration"
admin.site.site_title = "Hero Mask Wiki admin"
admin.site.index_title = "Edit the encyclopedia"

TEXT_FIELDS = ["lead", "body"]
EDIT_FIELDS = ["edit_summary", "loaded_version"]


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
        yours = history.snapshot(self.instance, many_to_many)
        diffs = history.compare(self.edit_conflict.saved, yours, self._meta.model)
        return [diff for diff in diffs if diff.changed]


class EditConflictReport:
    """Who saved the page since the editor opened it, and what it says now."""

    def __init__(self, page):
        self.saved = history.snapshot(page)
        latest = history.latest_revision(page)
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
    ``row_related`` are fetched with the rows instead of one query per row."""

    row_related = ()

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.row_related)


class AliasInline(RowsWithRelatedMixin, admin.TabularInline):
    model = Alias
    row_related = ["page"]
    extra = 1
    fields = ["title", "note"]
    verbose_name = "alias"
    verbose_name_plural = "aliases (other names that lead here)"


class PageAdmin(admin.ModelAdmin):
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

    def view_on_site(self, obj):
        return obj.get_absolute_url()

    def get_fieldsets(self, request, obj=None):
        fields = self.get_fields(request, obj)
        shared = {*TEXT_FIELDS, "categories", *EDIT_FIELDS}
        return [
            (None, {"fields": [name for name in fields if name not in shared]}),
            ("Text", {"fields": TEXT_FIELDS}),
            ("Categories", {"fields": ["categories"]}),
            ("About this edit", {"fields": EDIT_FIELDS}),
        ]

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except history.EditConflict:
            # Someone else's save committed between this form's validation and
            # its save. The transaction has rolled back; validating the form
            # again now reports the conflict with the editor's text intact.
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if change:
            as_loaded = type(obj)._default_manager.get(pk=obj.pk)
            # Claiming the version locks the page's row, so concurrent saves of
            # the page queue here and only the winner writes any revision.
            history.claim_next_version(obj, form.cleaned_data["loaded_version"])
            history.ensure_initial_revision(as_loaded)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Recorded after the many-to-many fields are saved, so the revision has them.
        summary = form.cleaned_data["edit_summary"] or ("" if change else "Created the page")
        history.record_revision(form.instance, request.user, summary)

    def save_formset(self, request, form, formset, change):
        """Pages edited in an inline (a season's episodes) get revisions too."""
        if not issubclass(formset.model, Page):
            return super().save_formset(request, form, formset, change)
        edited = [f.instance.pk for f in formset.initial_forms if f.has_changed()]
        for page in formset.model._default_manager.filter(pk__in=edited):
            history.ensure_initial_revision(page)
        super().save_formset(request, form, formset, change)
        summary = form.cleaned_data["edit_summary"] or f"Edited with {form.instance}"
        for page in formset.new_objects:
            history.record_revision(page, request.user, summary)
        for page, _changed_fields in formset.changed_objects:
            history.bump_version(page)
            history.record_revision(page, request.user, summary)


class ReadOnlyAdmin(admin.ModelAdmin):
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
        page = get_object_or_404(Page, pk=object_id)
        opts = page.specific._meta
        return redirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[page.pk]))


@admin.register(Article)
class ArticleAdmin(PageAdmin):
    list_display = [*PageAdmin.list_display, "is_disambiguation"]
    list_filter = ["is_disambiguation", *PageAdmin.list_filter]


@admin.register(Organization)
class OrganizationAdmin(PageAdmin):
    list_display = [*PageAdmin.list_display, "sphere", "organization_type", "parent"]
    list_filter = ["sphere", "organization_type", *PageAdmin.list_filter]
    list_select_related = ["parent"]
    search_fields = [*PageAdmin.search_fields, "organization_type"]
    autocomplete_fields = [*PageAdmin.autocomplete_fields, "parent"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "page_count"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).with_page_counts()

    @admin.display(description="pages", ordering="page_count")
    def page_count(self, category):
        return category.page_count


@admin.register(Alias)
class AliasAdmin(admin.ModelAdmin):
    list_display = ["title", "page", "note"]
    list_select_related = ["page"]
    list_filter = ["page__kind"]
    search_fields = ["title", "page__title", "note"]
    autocomplete_fields = ["page"]

    def view_on_site(self, alias):
        return reverse("articles:go", kwargs={"title": alias.title})


@admin.register(Reference)
class ReferenceAdmin(admin.ModelAdmin):
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
