"""Characters of the story, the people who made it, and who voiced whom:
two page kinds of the wiki engine, and the rows that relate them."""

from django.db import models
from django.db.models import Prefetch

from wiki import reading
from wiki.models import Page, PageData, PageDataQuerySet, PageQuerySet, page_link
from wiki.models.records import RevealField

# Wikidata's item for "fictional character": schema.org has no such type, so
# characters are Persons whose additionalType says they are fictional.
FICTIONAL_CHARACTER = "https://www.wikidata.org/wiki/Q95074"


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
        """With the affiliations revealed by the reader's limit, and the voice credits."""
        return self.prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.at_limit()
                .select_related("organization")
                .order_by("organization__title"),
            ),
            Prefetch("voice_credits", queryset=VoiceCredit.objects.select_related("person")),
        )

    def by_role(self):
        """Characters in the order the characters index groups them."""
        order = models.Case(
            *(models.When(role=value, then=position) for position, value in enumerate(Role.values)),
            output_field=models.IntegerField(),
        )
        return self.order_by(order, "title")

    def voiced(self):
        return self.filter(voice_credits__isnull=False).distinct()

    def for_page(self):
        # Appearances are the episodes app's rows, reached through their relation here.
        appearances = self.model._meta.get_field("appearances").related_model
        limit = reading.current()
        return self.with_infobox().prefetch_related(
            Prefetch(
                "appearances",
                queryset=appearances.objects.filter(limit.q("episode__number_overall"))
                .select_related("episode__season")
                .order_by("episode__season__work", "episode__number_overall"),
            ),
            Prefetch(
                "relationships",
                queryset=CharacterRelationship.objects.at_limit()
                .filter(limit.q("related_character__revealed_at"))
                .select_related("related_character"),
            ),
            Prefetch(
                "related_from",
                queryset=CharacterRelationship.objects.at_limit()
                .filter(limit.q("character__revealed_at"))
                .select_related("character"),
            ),
            "categories",
        )


class Character(Page):
    url_prefix = "characters"
    autolinked = True

    page_ptr = page_link()

    role = models.CharField(max_length=20, choices=Role.choices)
    occupation = models.CharField(max_length=200, blank=True)
    affiliations = models.ManyToManyField(
        "articles.Organization", through="Membership", blank=True, related_name="members"
    )

    objects = CharacterQuerySet.as_manager()

    class Meta:
        ordering = ["title"]

    # These read the voice credits prefetched by CharacterQuerySet.with_infobox().
    def japanese_voices(self):
        return [credit.person for credit in self.voice_credits.all() if credit.language == Language.JAPANESE]

    def english_voices(self):
        return [credit.person for credit in self.voice_credits.all() if credit.language == Language.ENGLISH]

    def affiliations_at_limit(self):
        """(organization, label of the episode that ended it or "") for the
        affiliations the reader's limit reveals; reads the rows ``with_infobox()`` prefetches."""
        return [
            (membership.organization, membership.holds_until())
            for membership in self.memberships.all()
            if membership.organization.is_met()
        ]

    def relations(self):
        """(other character, what they are, whether read from the other's side,
        label of the episode that ended it or "") for every relationship either
        way that the reader's limit reveals, each pair once; reads the rows
        CharacterQuerySet.for_page() prefetches."""
        relations = [
            (rel.related_character, rel.description, False, rel.holds_until())
            for rel in self.relationships.all()
        ]
        seen = {other.pk for other, *_ in relations}
        relations += [
            (rel.character, rel.description, True, rel.holds_until())
            for rel in self.related_from.all()
            if rel.character_id not in seen
        ]
        return relations

    def structured_data(self, schema):
        """A fictional character: a Person marked as fictional, the subject of
        the series, whose voice actors are the series' ``actor`` credits for
        this character (schema.org's PerformanceRole pattern)."""
        data = schema.about(self, "Person")
        data["additionalType"] = FICTIONAL_CHARACTER
        if self.occupation:
            data["jobTitle"] = self.occupation
        affiliations = [
            schema.reference("Organization", organization) for organization, _ in self.affiliations_at_limit()
        ]
        if affiliations:
            data["affiliation"] = affiliations
        series = schema.home_page()
        if series is not None:
            subject_of = schema.reference(series.schema_type(), series)
            roles = [
                {
                    "@type": "PerformanceRole",
                    "actor": schema.reference("Person", credit.person),
                    "characterName": self.title,
                    "roleName": f"Voice ({credit.get_language_display()})",
                }
                for credit in self.voice_credits.all()
            ]
            if roles:
                subject_of["actor"] = roles
            data["subjectOf"] = subject_of
        return [data]


class StoryFact(PageData):
    """A fact of the story that holds from the episode that reveals it
    (``revealed_at``) until the episode that ends it (``ended_at``), if any."""

    revealed_at = RevealField(verbose_name="revealed in", help_text="Empty: known from the premise.")
    ended_at = RevealField(
        verbose_name="ended in", help_text="Empty: it still holds at the end of the story."
    )

    class Meta:
        abstract = True
        constraints = []

    def holds_until(self):
        """The label of the episode that ends the fact, if the reader has seen it end."""
        limit = reading.current()
        if self.ended_at is not None and limit.shows(self.ended_at):
            return reading.Timeline.label(self.ended_at)
        return ""


class StoryFactQuerySet(PageDataQuerySet):
    def at_limit(self):
        """The facts revealed by the reader's limit (an ended fact is still shown, as ended)."""
        return self.revealed()


def fact_order_constraint(name):
    return models.CheckConstraint(
        condition=models.Q(ended_at__isnull=True)
        | models.Q(revealed_at__isnull=True)
        | models.Q(ended_at__gt=models.F("revealed_at")),
        name=name,
    )


class Membership(StoryFact):
    """A character belongs to an organization, from one episode, perhaps until another."""

    character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        "articles.Organization", on_delete=models.CASCADE, related_name="memberships"
    )

    objects = StoryFactQuerySet.as_manager()

    class Meta:
        ordering = ["character", "organization"]
        constraints = [
            models.UniqueConstraint(fields=["character", "organization"], name="membership_unique"),
            fact_order_constraint("membership_ends_after_it_starts"),
        ]

    def __str__(self):
        return f"{self.character} – {self.organization}"


class CharacterRelationship(StoryFact):
    """How one character stands to another, read from the character's side."""

    character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="relationships")
    related_character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="related_from")
    description = models.CharField(
        max_length=100, help_text='What the related character is to this one, e.g. "mentor", "father".'
    )

    objects = StoryFactQuerySet.as_manager()

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
            fact_order_constraint("relationship_ends_after_it_starts"),
        ]

    def __str__(self):
        return f"{self.related_character} is {self.character}'s {self.description}"


class PersonQuerySet(PageQuerySet):
    def voice_actors(self):
        return self.filter(voice_credits__isnull=False).distinct()

    def with_credits(self):
        # Staff credits are the episodes app's rows, reached through their relation here.
        staff_credits = self.model._meta.get_field("staff_credits").related_model
        return self.prefetch_related(
            Prefetch(
                "voice_credits",
                queryset=VoiceCredit.objects.select_related("character").order_by("character__title"),
            ),
            Prefetch("staff_credits", queryset=staff_credits.objects.select_related("work")),
        )

    def for_page(self):
        return self.with_credits().prefetch_related("categories")


class Person(Page):
    """A real person: voice actor, staff member or manga author."""

    url_prefix = "people"
    autolinked = True
    open_graph_type = "profile"

    page_ptr = page_link()

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "people"

    def credit_summary(self):
        """What the person did for the series, as the page's subtitle ("" for
        no credits yet); reads the credits PersonQuerySet.with_credits() prefetches."""
        voice, staff = bool(self.voice_credits.all()), bool(self.staff_credits.all())
        if voice and staff:
            return "Voice actor and staff member"
        if voice:
            return "Voice actor"
        return "Staff member" if staff else ""

    def structured_data(self, schema):
        """A real person, with what they did for the series as job titles."""
        data = schema.about(self, "Person")
        jobs = ["Voice actor"] if self.voice_credits.all() else []
        jobs += [credit.get_role_display() for credit in self.staff_credits.all()]
        if jobs:
            data["jobTitle"] = list(dict.fromkeys(jobs))
        return [data]


class VoiceCreditQuerySet(PageDataQuerySet):
    def for_cast_table(self):
        return self.select_related("character", "person").order_by("character__title", "language")


class VoiceCredit(PageData):
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
