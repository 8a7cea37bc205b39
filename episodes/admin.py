"""Admin for works, seasons, episodes and their credits, companies and releases."""

from django.contrib import admin

from characters.admin import PersonAdmin, PersonVoiceCreditInline
from characters.models import Person
from episodes.models import Appearance, Episode, Release, Season, StaffCredit, Work, WorkCompany
from wiki.admin import AliasInline, ModelAdmin, PageAdmin, RowsWithRelatedMixin


class StaffCreditInline(RowsWithRelatedMixin, admin.TabularInline):
    model = StaffCredit
    row_related = ["work", "person"]
    extra = 1
    autocomplete_fields = ["person"]


class PersonStaffCreditInline(StaffCreditInline):
    autocomplete_fields = ["work"]
    verbose_name = "staff credit"
    verbose_name_plural = "staff credits"


class PersonWithStaffCreditsAdmin(PersonAdmin):
    """A person's admin, with the staff credits this app adds to people."""

    inlines = [PersonVoiceCreditInline, PersonStaffCreditInline, AliasInline]


admin.site.unregister(Person)
admin.site.register(Person, PersonWithStaffCreditsAdmin)


class WorkCompanyInline(RowsWithRelatedMixin, admin.TabularInline):
    model = WorkCompany
    row_related = ["work", "organization"]
    extra = 1
    autocomplete_fields = ["organization"]


class ReleaseInline(RowsWithRelatedMixin, admin.StackedInline):
    model = Release
    row_related = ["work", "season", "organization"]
    extra = 0
    autocomplete_fields = ["season", "organization"]


class EpisodeInline(admin.TabularInline):
    """A season's episodes at a glance; the rest of each episode is on its own page."""

    model = Episode
    fk_name = "season"
    extra = 0
    fields = ["number", "number_overall", "title", "slug", "release_date"]
    prepopulated_fields = {"slug": ["title"]}
    show_change_link = True
    ordering = ["number"]


class AppearanceInline(RowsWithRelatedMixin, admin.TabularInline):
    model = Appearance
    row_related = ["episode", "character"]
    extra = 1
    autocomplete_fields = ["character"]
    verbose_name = "character appearing or mentioned"
    verbose_name_plural = "characters appearing or mentioned"


@admin.register(Work)
class WorkAdmin(PageAdmin):
    list_display = [*PageAdmin.list_display, "medium", "format", "native_title", "adaptation_of"]
    list_filter = ["medium", *PageAdmin.list_filter]
    list_select_related = ["adaptation_of"]
    search_fields = [*PageAdmin.search_fields, "native_title"]
    autocomplete_fields = [*PageAdmin.autocomplete_fields, "adaptation_of"]
    inlines = [StaffCreditInline, WorkCompanyInline, ReleaseInline, AliasInline]


@admin.register(Season)
class SeasonAdmin(PageAdmin):
    list_display = [*PageAdmin.list_display, "work", "number", "release_date"]
    list_filter = ["work", *PageAdmin.list_filter]
    list_select_related = ["work"]
    autocomplete_fields = [*PageAdmin.autocomplete_fields, "work"]
    inlines = [EpisodeInline, AliasInline]


@admin.register(Episode)
class EpisodeAdmin(PageAdmin):
    list_display = [*PageAdmin.list_display, "season", "number", "number_overall", "name", "release_date"]
    list_filter = ["season", *PageAdmin.list_filter]
    list_select_related = ["season"]
    search_fields = [*PageAdmin.search_fields, "name"]
    autocomplete_fields = [*PageAdmin.autocomplete_fields, "season"]
    ordering = ["season__work", "number_overall"]
    inlines = [AppearanceInline, AliasInline]


@admin.register(StaffCredit)
class StaffCreditAdmin(ModelAdmin):
    list_display = ["person", "role", "work", "note"]
    list_select_related = ["person", "work"]
    list_filter = ["role", "work"]
    search_fields = ["person__title", "work__title", "note"]
    autocomplete_fields = ["work", "person"]


@admin.register(WorkCompany)
class WorkCompanyAdmin(ModelAdmin):
    list_display = ["organization", "role", "work", "note"]
    list_select_related = ["organization", "work"]
    list_filter = ["role", "work"]
    search_fields = ["organization__title", "work__title", "note"]
    autocomplete_fields = ["work", "organization"]


@admin.register(Release)
class ReleaseAdmin(ModelAdmin):
    list_display = ["work", "season", "medium", "region", "start_date", "end_date", "organization"]
    list_select_related = ["work", "season", "organization"]
    list_filter = ["medium", "region", "work"]
    search_fields = ["work__title", "organization__title", "region", "note"]
    autocomplete_fields = ["work", "season", "organization"]
    date_hierarchy = "start_date"


@admin.register(Appearance)
class AppearanceAdmin(ModelAdmin):
    list_display = ["character", "episode"]
    list_select_related = ["character", "episode"]
    list_filter = ["episode__season"]
    search_fields = ["character__title", "episode__title"]
    autocomplete_fields = ["episode", "character"]
