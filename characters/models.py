"""Characters of the story, the people who made it, and who voiced whom:
two page kinds of the wiki engine, and the rows that relate them."""

import math
import re

from django.db import models
from django.db.models import Prefetch, Q

from wiki import reading
from wiki.markup import UNMET_TEXT
from wiki.models import Page, PageData, PageDataQuerySet, PageQuerySet, page_link
from wiki.models.records import RevealField, SourcesField

# Wikidata's item for "fictional character": schema.org has no such type, so
# characters are Persons whose additionalType says they are fictional.
FICTIONAL_CHARACTER = "https://www.wikidata.org/wiki/Q95074"


class Role(models.TextChoices):
    """The roles the source assigns in its Characters section. A character it
    gives no role has OTHER (stored as ""), listed last, as the wiki's own grouping."""

    MAIN = "main", "Main character"
    SUPPORTING = "supporting", "Supporting character"
    ANTAGONIST = "antagonist", "Antagonist"
    MINOR = "minor", "Minor character"
    OTHER = "", "Other character"

    @classmethod
    def position(cls, value):
        """Where characters of the role ``value`` are listed; a role no longer
        among the choices comes last."""
        return cls.values.index(value) if value in cls.values else len(cls.values)


class Language(models.TextChoices):
    JAPANESE = "ja", "Japanese"
    ENGLISH = "en", "English"


class CharacterQuerySet(PageQuerySet):
    def with_voice_credits(self):
        """With who voices each character (``japanese_voices()``, ``english_voices()``)."""
        return self.prefetch_related(
            Prefetch(
                "voice_credits",
                queryset=VoiceCredit.objects.select_linked("person").order_by("language", "person__title"),
            ),
        )

    def with_infobox(self):
        """With the affiliations revealed by the reader's limit, and the voice credits."""
        return self.with_voice_credits().prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.at_limit()
                .select_linked("organization")
                .order_by("organization__title"),
            ),
        )

    def by_role(self):
        """Characters in the order the characters index groups them."""
        order = models.Case(
            *(models.When(role=value, then=position) for position, value in enumerate(Role.values)),
            output_field=models.IntegerField(),
        )
        return self.order_by(order, "title")

    def sorted_by_role(self):
        """``by_role()``'s order, sorted here rather than in SQL: a list, for a
        page that shows every character of its queryset at once."""
        return sorted(self.order_by("title"), key=lambda character: Role.position(character.role))

    def voiced(self):
        return self.filter(voice_credits__isnull=False).distinct()

    def in_episode(self, episode):
        """Characters who appear or are mentioned in ``episode``, once the reader
        (``wiki.reading.current()``) has watched it; none before."""
        if not reading.current().shows(episode.number_overall):
            return self.none()
        return self.filter(appearances__episode=episode)

    def for_page(self):
        # Appearances are the episodes app's rows, reached through their relation here.
        appearances = self.model._meta.get_field("appearances").related_model
        limit = reading.current()
        return self.with_infobox().prefetch_related(
            Prefetch(
                "appearances",
                queryset=appearances.objects.filter(limit.q("episode__number_overall"))
                .select_linked("episode")
                .order_by("episode__season__work_id", "episode__number_overall"),
            ),
            "categories",
        )


class Character(Page):
    url_prefix = "characters"
    autolinked = True
    provenance_fields = ("revealed_at", "role", "occupation")

    page_ptr = page_link()

    role = models.CharField(max_length=20, choices=Role.choices, blank=True)
    occupation = models.CharField(max_length=200, blank=True)
    occupation_revealed_at = RevealField(
        verbose_name="occupation revealed in",
        help_text="Empty: known when the reader first meets the character.",
    )
    affiliations = models.ManyToManyField(
        "articles.Organization", through="Membership", blank=True, related_name="members"
    )

    objects = CharacterQuerySet.as_manager()

    class Meta:
        ordering = ["title"]

    # These read the voice credits prefetched by CharacterQuerySet.with_voice_credits().
    def japanese_voices(self):
        return [credit.person for credit in self.voice_credits.all() if credit.language == Language.JAPANESE]

    def english_voices(self):
        return [credit.person for credit in self.voice_credits.all() if credit.language == Language.ENGLISH]

    @classmethod
    def search_texts(cls, page_ids):
        """Each character's voice actors. One query."""
        texts = {}
        for credit in VoiceCredit.objects.filter(character__in=page_ids).select_related("person"):
            texts.setdefault(credit.character_id, []).append(credit.character_search_text())
        return {pk: "\n\n".join(lines) for pk, lines in texts.items()}

    def first_appearance(self):
        """The first appearance that is not only a mention; reads the rows ``for_page()`` prefetches."""
        return next((appearance for appearance in self.appearances.all() if not appearance.is_mention), None)

    def occupation_at_limit(self):
        """The occupation, if the reader's limit reveals it ("" if not)."""
        return self.occupation if reading.current().shows(self.occupation_revealed_at) else ""

    def affiliations_at_limit(self):
        """(organization, label of the episode that ended it or "") for the
        affiliations the reader's limit reveals; reads the rows ``with_infobox()`` prefetches."""
        return [
            (membership.organization, membership.holds_until())
            for membership in self.memberships.all()
            if membership.organization.is_met()
        ]

    def preview_facts(self):
        facts = []
        if self.occupation_at_limit():
            facts.append(("Occupation", self.occupation))
        affiliations = [
            organization.title for organization, until in self.affiliations_at_limit() if not until
        ]
        if affiliations:
            facts.append(("Affiliation", ", ".join(affiliations)))
        voices = [
            f"{credit.person.title} ({credit.get_language_display()})" for credit in self.voice_credits.all()
        ]
        if voices:
            facts.append(("Voiced by", ", ".join(voices)))
        return facts

    def relations(self):
        """(other character, what they are, whether read from the other's side,
        label of the episode that ended it or "") for every relationship either
        way that the reader's limit reveals, each pair once: this character's
        own by the other's name, then the others'. One query for both ways."""
        limit = reading.current()
        rows = list(
            CharacterRelationship.objects.at_limit()
            .filter(
                (Q(character=self) & limit.q("related_character__revealed_at"))
                | (Q(related_character=self) & limit.q("character__revealed_at"))
            )
            .select_linked("character", "related_character")
            .order_by("pk")
        )
        own = sorted(
            (rel for rel in rows if rel.character_id == self.pk), key=lambda rel: rel.related_character.title
        )
        relations = [(rel.related_character, rel.description, False, rel.holds_until()) for rel in own]
        seen = {other.pk for other, *_ in relations}
        others = sorted(
            (rel for rel in rows if rel.related_character_id == self.pk and rel.character_id not in seen),
            key=lambda rel: rel.character.title,
        )
        return relations + [(rel.character, rel.description, True, rel.holds_until()) for rel in others]

    def structured_data(self, schema):
        """A fictional character: a Person marked as fictional, the subject of
        the series, whose voice actors are the series' ``actor`` credits for
        this character (schema.org's PerformanceRole pattern)."""
        data = schema.about(self, "Person")
        data["additionalType"] = FICTIONAL_CHARACTER
        if self.occupation_at_limit():
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
    sources = SourcesField()

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
    sources = SourcesField()

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

    def preview_facts(self):
        """What the person did: the characters voiced (named once the reader has
        met them, as voice credits are) and the staff roles."""
        facts = []
        voiced = [
            f"{credit.character.title if credit.character.is_met() else UNMET_TEXT} "
            f"({credit.get_language_display()})"
            for credit in self.voice_credits.all()
        ]
        if voiced:
            facts.append(("Voice of", ", ".join(voiced)))
        roles = [f"{credit.get_role_display()}, {credit.work.title}" for credit in self.staff_credits.all()]
        if roles:
            facts.append(("Staff roles", "; ".join(roles)))
        return facts

    def structured_data(self, schema):
        """A real person, with what they did for the series as job titles."""
        data = schema.about(self, "Person")
        jobs = ["Voice actor"] if self.voice_credits.all() else []
        jobs += [credit.get_role_display() for credit in self.staff_credits.all()]
        if jobs:
            data["jobTitle"] = list(dict.fromkeys(jobs))
        return [data]

    @classmethod
    def search_texts(cls, page_ids):
        """Each person's credits, so that "composer" or "who voices Sarah
        Sinclair" finds them. Two queries."""
        texts = {}
        credits = VoiceCredit.objects.filter(person__in=page_ids).select_related("character")
        staff_credits = cls._meta.get_field("staff_credits").related_model.objects.filter(person__in=page_ids)
        for credit in [*credits, *staff_credits.select_related("work")]:
            texts.setdefault(credit.person_id, []).append(credit.person_search_text())
        return {pk: "\n\n".join(lines) for pk, lines in texts.items()}


class VoiceCreditQuerySet(PageDataQuerySet):
    def for_cast_table(self):
        return self.select_related("character", "person").order_by("character__title", "language")


class VoiceCredit(PageData):
    indexed_pages = ("person", "character")

    character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="voice_credits")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="voice_credits")
    language = models.CharField(max_length=2, choices=Language.choices)
    sources = SourcesField()

    objects = VoiceCreditQuerySet.as_manager()

    class Meta:
        ordering = ["character", "language", "person"]
        constraints = [
            models.UniqueConstraint(fields=["character", "person", "language"], name="voice_credit_unique")
        ]

    def __str__(self):
        return f"{self.person} voices {self.character} ({self.get_language_display()})"

    def person_search_text(self):
        return f"Voice actor: voices [[{self.character.title}]] ({self.get_language_display()} voice)."

    def character_search_text(self):
        return f"{self.get_language_display()} voice: [[{self.person.title}]]."

    @classmethod
    def source_agreement(cls, source):
        """The source's cast sentences ("Yasuyuki Kase as James Blood", "Greg Chun
        voicing James Blood") against the voice credits (``manage.py check_source``):
        each pair the source names is credited, in the sentence's language if it
        names one, and each credit is named by the source."""
        named = {}  # (person, character), casefolded -> {language or "": unit id}
        written = {}  # the same keys -> the names as the source writes them
        for unit in source.units:
            if not _CAST_SENTENCE_RE.search(unit.text):
                continue
            language = next((code for code, word in _CAST_LANGUAGES if word in unit.text), "")
            for person, character in _CAST_PAIR_RE.findall(unit.text):
                key = (person.casefold(), character.casefold())
                named.setdefault(key, {}).setdefault(language, unit.id)
                written.setdefault(key, (person, character))
        credits = cls.objects.select_related("person", "character").prefetch_related(
            "person__aliases", "character__aliases"
        )
        credited = set()
        for credit in credits:
            matching = [
                key
                for key in named
                if key[0] in _names(credit.person)
                and key[1] in _names(credit.character)
                and ({credit.language, ""} & named[key].keys())
            ]
            credited.update(matching)
            if not matching:
                yield f"Voice credit “{credit}” (#{credit.pk}): no cast sentence of the source names it"
        for key, languages in named.items():
            if key not in credited:
                person, character = written[key]
                yield (
                    f"The source names {person} as the voice of {character} "
                    f"({', '.join(languages.values())}), but no voice credit says so"
                )


def _names(page):
    """The casefolded title and aliases of ``page`` (aliases prefetched)."""
    return {page.title.casefold(), *(alias.title.casefold() for alias in page.aliases.all())}


# The source's cast sentences: "The Japanese voice cast includes X as Y, ...".
_CAST_SENTENCE_RE = re.compile(r"\bvoice|\bdub\b|\bcast\b", re.IGNORECASE)
_CAST_LANGUAGES = ((Language.JAPANESE, "Japanese"), (Language.ENGLISH, "English"))
_NAME = r"[A-Z][^\W\d_]+(?:[ -][A-Z][^\W\d_]+)*"
_CAST_PAIR_RE = re.compile(rf"({_NAME}) (?:as|voicing) ({_NAME})")


# The relationship map (characters:relationships) -------------------------------------


class MapNode:
    """A character on the relationship map: where its dot is, and the lines of its name."""

    def __init__(self, character, x, y, lines):
        self.character, self.x, self.y, self.lines = character, x, y, lines


class MapEdge:
    """The line between two related characters, with what each is to the other
    written near the one it described (once, in the middle, if the same both
    ways); each label is its lines, as (text, x, y)."""

    def __init__(self, start, end, labels, ended):
        (self.x1, self.y1), (self.x2, self.y2) = start, end
        self.labels, self.ended = labels, ended


def text_lines(text, x, y, line_height, longest=12):
    """``text`` as (line, x, y) lines centred on (``x``, ``y``): two lines, split at
    the space nearest the middle, if it is longer than ``longest`` characters."""
    spaces = [index for index, char in enumerate(text) if char == " "]
    if len(text) <= longest or not spaces:
        return [(text, x, y)]
    middle = min(spaces, key=lambda index: abs(index - len(text) / 2))
    half = line_height / 2
    return [(text[:middle], x, round(y - half)), (text[middle + 1 :], x, round(y + half))]


def text_box(lines, font_size):
    """About the box (left, top, right, bottom) that centred ``lines`` of text take,
    with a little room around (a letter of a wide sans-serif font: 0.6 of its size)."""
    width = max(len(line) for line, _, _ in lines) * font_size * 0.6 + 8
    x, ys = lines[0][1], [y for _, _, y in lines]
    return (x - width / 2, min(ys) - font_size * 0.6, x + width / 2, max(ys) + font_size * 0.6)


def overlap(box, boxes):
    """The area ``box`` shares with ``boxes``."""
    left, top, right, bottom = box
    return sum(
        max(0, min(right, other[2]) - max(left, other[0]))
        * max(0, min(bottom, other[3]) - max(top, other[1]))
        for other in boxes
    )


class RelationshipMap:
    """The relationships between characters as they stand at the reader's limit
    (``wiki.reading.current()``): those the limit reveals, between characters
    the reader has met; one that has ended by the limit says until when. One query.

    ``rows``: (relationship, since, until) for the table, by the character each
    describes; since and until are (short, full) names of episodes, or None.
    ``nodes``, ``edges``, ``width`` and ``height``: the drawing in SVG units, the
    characters on a circle, each group of related ones side by side."""

    # Room around the circle for the names, which sit above or below their dots:
    # kept small, so that a phone shows the drawing as large as it can.
    SIDE_ROOM, TOP_ROOM = 70, 62
    # The font sizes of static/css/site.css, to keep labels from overlapping.
    NAME_FONT, LABEL_FONT = 20, 17
    NAME_LINE, LABEL_LINE = 21, 18
    # Where along its line a label may go, best first: from the character it
    # describes, or from either end for a label that says the same both ways.
    NEAR_SHARES = (0.3, 0.36, 0.24, 0.42, 0.18, 0.48)
    MIDDLE_SHARES = (0.5, 0.42, 0.58, 0.34, 0.66)

    def __init__(self):
        limit = reading.current()
        relationships = list(
            CharacterRelationship.objects.at_limit()
            .filter(limit.q("character__revealed_at"), limit.q("related_character__revealed_at"))
            .select_related("character", "related_character")
            .order_by("related_character__title", "character__title")
        )
        self.rows = [
            (
                rel,
                self._moment(rel.revealed_at) if rel.revealed_at else None,
                self._moment(rel.ended_at) if rel.holds_until() else None,
            )
            for rel in relationships
        ]
        self._lay_out(relationships)

    @staticmethod
    def _moment(position):
        """The short and full names of a point of the story: ("S1 E2", "Season 1, Episode 2")."""
        point, label = reading.Timeline.by_position().get(position), reading.Timeline.label(position)
        return (point.code.upper().replace("E", " E") if point else label, label)

    def _lay_out(self, relationships):
        characters, neighbours, pairs = {}, {}, {}
        for rel in relationships:
            pair = (rel.character, rel.related_character)
            for one, other in (pair, pair[::-1]):
                characters[one.pk] = one
                neighbours.setdefault(one.pk, set()).add(other.pk)
            pairs.setdefault(frozenset((rel.character_id, rel.related_character_id)), []).append(rel)
        order = self._circle_order(characters, neighbours)
        radius = max(150, round(len(order) * 80 / (2 * math.pi)))
        centre_x, centre_y = self.SIDE_ROOM + radius, self.TOP_ROOM + radius
        self.width, self.height = 2 * centre_x, 2 * centre_y
        places, self.nodes, taken = {}, [], []
        for index, pk in enumerate(order):
            angle = -math.pi / 2 + 2 * math.pi * index / len(order)
            x, y = round(centre_x + radius * math.cos(angle)), round(centre_y + radius * math.sin(angle))
            places[pk] = (x, y)
            # Above the dot in the upper half, below it in the lower: away from the lines.
            name_y = y - 30 if math.sin(angle) < -0.01 else y + 32
            lines = text_lines(characters[pk].title, x, name_y, self.NAME_LINE, longest=10)
            self.nodes.append(MapNode(characters[pk], x, y, lines))
            taken += [(x - 10, y - 10, x + 10, y + 10), text_box(lines, self.NAME_FONT)]
        edges = []
        for rels in pairs.values():
            texts = [rel.description + (" (ended)" if rel.holds_until() else "") for rel in rels]
            first = rels[0]
            if len(rels) == 2 and texts[0] == texts[1]:
                wanted = [(texts[0], first.character_id, first.related_character_id, self.MIDDLE_SHARES)]
            else:
                # "description" is what the related character is to the character: near that one.
                wanted = [
                    (text, rel.related_character_id, rel.character_id, self.NEAR_SHARES)
                    for rel, text in zip(rels, texts, strict=True)
                ]
            options = [
                self._label_options(text, places[near], places[far], shares)
                for text, near, far, shares in wanted
            ]
            edges.append((rels, options))
        placed = iter(self._place_labels([options for _, labels in edges for options in labels], taken))
        self.edges = [
            MapEdge(
                places[rels[0].character_id],
                places[rels[0].related_character_id],
                [next(placed) for _ in labels],
                ended=all(rel.holds_until() for rel in rels),
            )
            for rels, labels in edges
        ]

    @staticmethod
    def _circle_order(characters, neighbours):
        """The characters in circle order: breadth first from the best connected
        of each group, so that related characters sit side by side."""
        order, placed = [], set()
        for start in sorted(characters, key=lambda pk: (-len(neighbours[pk]), characters[pk].title)):
            if start in placed:
                continue
            placed.add(start)
            queue = [start]
            while queue:
                current = queue.pop(0)
                order.append(current)
                for pk in sorted(neighbours[current] - placed, key=lambda pk: characters[pk].title):
                    placed.add(pk)
                    queue.append(pk)
        return order

    def _label_options(self, text, near, far, shares):
        (x1, y1), (x2, y2) = near, far
        return [
            text_lines(text, round(x1 + (x2 - x1) * share), round(y1 + (y2 - y1) * share), self.LABEL_LINE)
            for share in shares
        ]

    def _place_labels(self, candidates, taken):
        """For each label, the one of its ``candidates`` places that overlaps the
        names (``taken``) and the other labels least, the first such in order of
        preference: a few rounds of each label moving to its best place."""
        boxes = [[text_box(lines, self.LABEL_FONT) for lines in options] for options in candidates]
        chosen = [0] * len(boxes)
        for _ in range(4):
            moved = False
            for index, options in enumerate(boxes):
                others = taken + [
                    boxes[other][chosen[other]] for other in range(len(boxes)) if other != index
                ]
                best = min(
                    range(len(options)), key=lambda option: (round(overlap(options[option], others)), option)
                )
                moved = moved or best != chosen[index]
                chosen[index] = best
            if not moved:
                break
        return [options[choice] for options, choice in zip(candidates, chosen, strict=True)]
