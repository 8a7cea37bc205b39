"""Admin for characters, people, voice credits and character relationships."""

from django.contrib import admin

from characters.models import Character, CharacterRelationship, Membership, Person, VoiceCredit
from wiki.admin import AliasInline, ModelAdmin, PageAdmin, RowsWithRelatedMixin


class VoiceCreditInline(RowsWithRelatedMixin, admin.TabularInline):
    model = VoiceCredit
    row_related = ["character", "person"]
    extra = 1


class CharacterVoiceCreditInline(VoiceCreditInline):
    autocomplete_fields = ["person"]
    verbose_name = "voice actor"
    verbose_name_plural = "voice actors"


class CharacterRelationshipInline(RowsWithRelatedMixin, admin.TabularInline):
    model = CharacterRelationship
    row_related = ["character", "related_character"]
    fk_name = "character"
    extra = 1
    autocomplete_fields = ["related_character"]
    verbose_name = "relationship"
    verbose_name_plural = "relationships (what each other character is to this one)"


class MembershipInline(RowsWithRelatedMixin, admin.TabularInline):
    model = Membership
    row_related = ["character", "organization"]
    extra = 1
    autocomplete_fields = ["organization"]
    verbose_name = "affiliation"
    verbose_name_plural = "affiliations (from the episode that reveals each, until the one that ends it)"


class PersonVoiceCreditInline(VoiceCreditInline):
    autocomplete_fields = ["character"]
    verbose_name = "voice role"
    verbose_name_plural = "voice roles"


@admin.register(Character)
class CharacterAdmin(PageAdmin):
    list_display = [*PageAdmin.list_display, "role", "occupation"]
    list_filter = ["role", "affiliations", *PageAdmin.list_filter]
    search_fields = [*PageAdmin.search_fields, "occupation"]
    inlines = [CharacterVoiceCreditInline, MembershipInline, CharacterRelationshipInline, AliasInline]


@admin.register(Person)
class PersonAdmin(PageAdmin):
    inlines = [PersonVoiceCreditInline, AliasInline]


@admin.register(CharacterRelationship)
class CharacterRelationshipAdmin(ModelAdmin):
    list_display = ["character", "description", "related_character", "revealed_at", "ended_at"]
    list_select_related = ["character", "related_character"]
    search_fields = ["character__title", "related_character__title", "description"]
    autocomplete_fields = ["character", "related_character"]


@admin.register(Membership)
class MembershipAdmin(ModelAdmin):
    list_display = ["character", "organization", "revealed_at", "ended_at"]
    list_select_related = ["character", "organization"]
    list_filter = ["organization"]
    search_fields = ["character__title", "organization__title"]
    autocomplete_fields = ["character", "organization"]


@admin.register(VoiceCredit)
class VoiceCreditAdmin(ModelAdmin):
    list_display = ["character", "person", "language"]
    list_select_related = ["character", "person"]
    list_filter = ["language"]
    search_fields = ["character__title", "person__title"]
    autocomplete_fields = ["character", "person"]
