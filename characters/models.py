"""Characters of the story, the people who made it, and who voiced whom."""

from django.db import models
from django.db.models import Prefetch

from articles.models import Page, PageKind, PageQuerySet, page_link


class Role(models.TextChoices):
    MAIN = "main", "Main character"
    SUPPORTING = "supporting", "Supporting character"
    ANTAGONIST = "antagonist", "Antagonist"
    MINOR = "minor", "Minor character"


class Language(models.TextChoices):
    JAPANESE = "ja", "Japanese"
    ENGLISH = "en", "English"


class CharacterQuerySet(PageQuerySet):
    def with_infobox(self):
        return self.prefetch_related(
            "affiliations",
            Prefetch("voice_credits", queryset=VoiceCredit.objects.select_related("person")),
        )

    def by_role(self):
        """Characters in the order the characters index groups them."""
        order = models.Case(
            *(models.When(role=value, then=position) for position, value in enumerate(Role.values)),
            output_field=models.IntegerField(),
        )
        return self.order_by(order, "title")


class Character(Page):
    page_kind = PageKind.CHARACTER
    detail_url_name = "characters:detail"

    page_ptr = page_link()

    role = models.CharField(max_length=20, choices=Role.choices)
    occupation = models.CharField(max_length=200, blank=True)
    affiliations = models.ManyToManyField("articles.Organization", blank=True, related_name="members")

    objects = CharacterQuerySet.as_manager()

    class Meta:
        ordering = ["title"]


class CharacterRelationship(models.Model):
    """How one character stands to another, read from the character's side."""

    character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="relationships")
    related_character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="related_from")
    description = models.CharField(
        max_length=100, help_text='What the related character is to this one, e.g. "mentor", "father".'
    )

    class Meta:
        ordering = ["character", "related_character"]
        constraints = [
            models.UniqueConstraint(
                fields=["character", "related_character"], name="relationship_unique_pair"
            ),
            models.CheckConstraint(
                condition=~models.Q(character=models.F("related_character")),
                name="relationship_not_to_self",
            ),
        ]

    def __str__(self):
        return f"{self.related_character} is {self.character}'s {self.description}"


class PersonQuerySet(PageQuerySet):
    def voice_actors(self):
        return self.filter(voice_credits__isnull=False).distinct()


class Person(Page):
    """A real person: voice actor, staff member or manga author."""

    page_kind = PageKind.PERSON
    detail_url_name = "characters:person"

    page_ptr = page_link()

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "people"


class VoiceCreditQuerySet(models.QuerySet):
    def for_cast_table(self):
        return self.select_related("character", "person").order_by("character__title", "language")


class VoiceCredit(models.Model):
    character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="voice_credits")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="voice_credits")
    language = models.CharField(max_length=2, choices=Language.choices)

    objects = VoiceCreditQuerySet.as_manager()

    class Meta:
        ordering = ["character", "language", "person"]
        constraints = [
            models.UniqueConstraint(fields=["character", "person", "language"], name="voice_credit_unique")
        ]

    def __str__(self):
        return f"{self.person} voices {self.character} ({self.get_language_display()})"
