"""Admin of articles and organizations, on the engine's ``PageAdmin``."""

from django.contrib import admin

from articles.models import Article, Organization
from wiki.admin import PageAdmin


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
