"""The series and its related works, seasons, episodes, releases and credits:
three page kinds of the wiki engine, and the rows that relate them to the
characters, people and organizations of the other apps."""

import datetime
import re

from django.db import models
from django.db.models import Count, Max, Min, Prefetch, Q
from django.utils import dateformat

from characters.models import FICTIONAL_CHARACTER, Character, Person
from episodes import naming
from wiki import markup, reading
from wiki.models import Page, PageData, PageLink, PageQuerySet, page_link
from wiki.models.records import SourcesField


class DatePrecision(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


class WorkQuerySet(PageQuerySet):
    def with_infobox(self):
        # The work it adapts, if any, is read when shown: a join would cost every work's page.
        return self.prefetch_related(
            Prefetch(
                "staff_credits",
                queryset=StaffCredit.objects.select_linked("person").order_by("role", "person__title"),
            ),
            Prefetch(
                "companies",
                queryset=WorkCompany.objects.select_linked("organization").order_by(
                    "role", "organization__title"
                ),
            ),
            Prefetch("releases", queryset=Release.objects.select_linked("organization", "season")),
            # A work's own seasons, so by number alone: ordering by work would join the work's page.
            Prefetch("seasons", queryset=Season.objects.with_episode_stats().order_by("number")),
            "adaptations",
        )

    def for_page(self):
        """Everything the work's article shows: infobox, per-season episode tables, categories."""
        return self.with_infobox().prefetch_related(
            # The episode tables show each episode's lead (kept by its version), not its body.
            Prefetch(
                "seasons__episodes",
                queryset=Episode.objects.order_by("number").defer(
                    "body", "field_sources", "categories_revealed_at", "created_at", "updated_at"
                ),
            ),
            "categories",
        )


def group_by_role(credits, roles):
    """``credits`` (each with a ``role``) as (role label, credits) pairs in ``roles`` order."""
    groups = {value: [] for value in roles.values}
    for credit in credits:
        # A role no longer among the choices (stored before they changed) is listed last, as stored.
        groups.setdefault(credit.role, []).append(credit)
    labels = dict(roles.choices)
    return [(labels.get(value, value), items) for value, items in groups.items() if items]


class Work(Page):
    """A work of the franchise: the anime series, or an adaptation such as the manga."""

    class Medium(models.TextChoices):
        ANIME = "anime", "Anime series"
        MANGA = "manga", "Manga"

    url_prefix = "works"
    open_graph_type = "video.tv_show"

    page_ptr = page_link()

    medium = models.CharField(max_length=10, choices=Medium.choices)
    format = models.CharField(
        max_length=100, blank=True, help_text='E.g. "Original net animation (ONA)", "Webtoon".'
    )
    genres = models.CharField(max_length=200, blank=True, help_text="Comma-separated.")
    native_title = models.CharField(
        max_length=200,
        blank=True,
        verbose_name="stylized as",
        help_text='How the source says the title is stylized, e.g. "HERO≠MASK".',
    )
    adaptation_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="adaptations"
    )
    volumes = models.PositiveIntegerField(null=True, blank=True)

    objects = WorkQuerySet.as_manager()

    class Meta:
        ordering = ["title"]

    def get_context(self, request):
        characters = self.characters().as_links().with_voice_credits().sorted_by_role()
        Page.prerender_tables((season.episodes.all() for season in self.seasons.all()), host=self)
        return {
            "characters": [character for character in characters if character.is_met()],
            # Voice credits are production facts: shown at any limit, the
            # names of characters not met yet masked (``page_link``).
            "voiced_characters": [character for character in characters if character.voice_credits.all()],
        }

    def characters(self):
        """Characters who appear in an episode of the work or are named in its article."""
        # Two indexed subqueries; an OR across the two joins scans every character.
        appearing = Appearance.objects.filter(episode__season__work=self).values("character")
        named = PageLink.objects.filter(source=self).values("target")
        return Character.objects.filter(Q(pk__in=appearing) | Q(pk__in=named))

    def schema_type(self):
        return "TVSeries" if self.medium == self.Medium.ANIME else "ComicSeries"

    def structured_data(self, schema):
        data = schema.about(self, self.schema_type())
        if self.native_title and self.native_title != self.title:
            data["alternateName"] = self.native_title
        if self.genre_list():
            data["genre"] = self.genre_list()
        if self.adaptation_of_id:
            data["isBasedOn"] = schema.reference(self.adaptation_of.schema_type(), self.adaptation_of)
        credits = list(self.staff_credits.all())
        people = {
            "director": [Role.DIRECTOR],
            "musicBy": [Role.MUSIC],
            "author": [Role.MANGAKA, Role.WRITER, Role.SERIES_COMPOSITION],
        }
        for field, roles in people.items():
            matching = [
                schema.reference("Person", credit.person) for credit in credits if credit.role in roles
            ]
            if matching:
                data[field] = schema.unique(matching)
        companies = list(self.companies.all())
        producers = [
            schema.reference("Organization", company.organization)
            for company in companies
            if company.role in (WorkCompany.Role.STUDIO, WorkCompany.Role.PRODUCER)
        ]
        if producers:
            data["productionCompany"] = schema.unique(producers)
        publishers = [
            schema.reference("Organization", company.organization)
            for company in companies
            if company.role == WorkCompany.Role.PUBLISHER
        ]
        if publishers:
            data["publisher"] = schema.unique(publishers)
        if self.medium == self.Medium.ANIME:
            seasons = list(self.seasons.all())
            if seasons:
                data["numberOfSeasons"] = len(seasons)
                data["containsSeason"] = [
                    schema.reference("TVSeason", season, seasonNumber=season.number) for season in seasons
                ]
                counts = [getattr(season, "episode_count", None) for season in seasons]
                if None not in counts:
                    data["numberOfEpisodes"] = sum(counts)
                starts = [getattr(season, "first_release", None) or season.release_date for season in seasons]
                if all(starts):
                    data["startDate"] = min(starts)
        return [data]

    def genre_list(self):
        return [genre.strip() for genre in self.genres.split(",") if genre.strip()]

    def preview_facts(self):
        facts = [("Format", self.format or self.get_medium_display())]
        if self.medium == self.Medium.ANIME and self.seasons.all():
            facts.append(("Episodes", str(self.episode_count())))
        elif self.volumes:
            facts.append(("Volumes", str(self.volumes)))
        if self.first_episode_date():
            facts.append(("First released", dateformat.format(self.first_episode_date(), "j F Y")))
        return facts

    # The methods below read the rows prefetched by WorkQuerySet.for_page().
    def staff_by_role(self):
        return group_by_role(self.staff_credits.all(), Role)

    def companies_by_role(self):
        return group_by_role(self.companies.all(), WorkCompany.Role)

    def episode_count(self):
        return sum(season.episode_count for season in self.seasons.all())

    def first_episode_date(self):
        return min((s.first_release for s in self.seasons.all() if s.first_release), default=None)

    def last_episode_date(self):
        return max((s.last_release for s in self.seasons.all() if s.last_release), default=None)

    def runtime_label(self):
        """ "24 minutes per episode" ("about 24", where the source hedges; "22–24" for a range)."""
        episodes = [e for season in self.seasons.all() for e in season.episodes.all() if e.runtime_minutes]
        runtimes = self.runtimes()
        if not runtimes:
            return ""
        about = "about " if any(episode.runtime_is_approximate for episode in episodes) else ""
        span = f"{runtimes[0]}–{runtimes[-1]}" if len(runtimes) > 1 else f"{runtimes[0]}"
        return f"{about}{span} minutes per episode"

    def runtimes(self):
        """The distinct episode running times in minutes, shortest first."""
        return sorted(
            {
                episode.runtime_minutes
                for season in self.seasons.all()
                for episode in season.episodes.all()
                if episode.runtime_minutes
            }
        )


class Role(models.TextChoices):
    DIRECTOR = "director", "Director"
    SERIES_COMPOSITION = "series_composition", "Series composition"
    WRITER = "writer", "Writer"
    CHARACTER_DESIGN = "character_design", "Character design"
    MUSIC = "music", "Music"
    SOUND_DIRECTOR = "sound_director", "Sound director"
    MANGAKA = "mangaka", "Manga author"


# The words readers search a role by, indexed with the person credited.
ROLE_SEARCH_WORDS = {
    Role.DIRECTOR: "director, directed by",
    Role.SERIES_COMPOSITION: "series composer, head writer",
    Role.WRITER: "writer, screenwriter, script",
    Role.CHARACTER_DESIGN: "character designer",
    Role.MUSIC: "composer, score, soundtrack",
    Role.SOUND_DIRECTOR: "sound director, sound direction",
    Role.MANGAKA: "mangaka, manga artist",
}


class StaffCredit(PageData):
    indexed_pages = ("person",)

    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="staff_credits")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="staff_credits")
    role = models.CharField(max_length=30, choices=Role.choices)
    note = models.CharField(max_length=200, blank=True)
    sources = SourcesField()

    class Meta:
        ordering = ["work", "role", "person"]
        constraints = [models.UniqueConstraint(fields=["work", "person", "role"], name="staff_credit_unique")]

    def __str__(self):
        return f"{self.person} – {self.get_role_display()} – {self.work}"

    def person_search_text(self):
        words = ROLE_SEARCH_WORDS.get(self.role)
        return f"{self.get_role_display()} of [[{self.work.title}]]{f' ({words})' if words else ''}."


class WorkCompany(PageData):
    """A company's part in a work: studio, streaming service, network, licensor..."""

    indexed_pages = ("organization",)

    class Role(models.TextChoices):
        STUDIO = "studio", "Studio"
        PRODUCER = "producer", "Production"
        STREAMING = "streaming", "Streaming service"
        NETWORK = "network", "Television network"
        LICENSOR = "licensor", "Licensor"
        DISTRIBUTOR = "distributor", "Distributor"
        PUBLISHER = "publisher", "Publisher"
        PLATFORM = "platform", "Published on"

    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="companies")
    organization = models.ForeignKey(
        "articles.Organization", on_delete=models.CASCADE, related_name="work_roles"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    note = models.CharField(max_length=200, blank=True)
    sources = SourcesField()

    class Meta:
        ordering = ["work", "role", "organization"]
        verbose_name = "company credit"
        constraints = [
            models.UniqueConstraint(fields=["work", "organization", "role"], name="work_company_unique")
        ]

    def __str__(self):
        return f"{self.organization} – {self.get_role_display()} – {self.work}"

    def organization_search_text(self):
        return f"{self.get_role_display()} of [[{self.work.title}]]."


class Release(PageData):
    """One release of a work: a streaming premiere, a broadcast run, a disc or a book."""

    class Medium(models.TextChoices):
        STREAMING = "streaming", "Streaming"
        TELEVISION = "television", "Television"
        BLU_RAY = "blu-ray", "Blu-ray"
        DIGITAL = "digital", "Digital serialization"
        PRINT = "print", "Print volume"

    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="releases")
    season = models.ForeignKey(
        "Season", null=True, blank=True, on_delete=models.CASCADE, related_name="releases"
    )
    organization = models.ForeignKey(
        "articles.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="releases",
    )
    medium = models.CharField(max_length=20, choices=Medium.choices)
    region = models.CharField(
        max_length=100, blank=True, help_text='E.g. "Worldwide", "Japan", "North America".'
    )
    start_date = models.DateField()
    start_precision = models.CharField(
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        help_text="How much of the start date the source gives; the rest of the date is not shown.",
    )
    end_date = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    sources = SourcesField()

    class Meta:
        ordering = ["start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="release_ends_after_it_starts",
            )
        ]

    def __str__(self):
        where = f" ({self.region})" if self.region else ""
        return f"{self.work} – {self.get_medium_display()}{where}"

    @classmethod
    def source_agreement(cls, source):
        """The dates of releases against the source (``manage.py check_source``):
        each release's dates are named in the source as precisely as stored, and
        each full date a release sentence of the source names starts or ends a release."""
        releases = list(cls.objects.select_related("work"))
        texts = [unit.text for unit in source.units]
        for release in releases:
            dates = [(release.start_date, release.start_precision, "start")]
            if release.end_date:
                dates.append((release.end_date, DatePrecision.DAY, "end"))
            for date, precision, which in dates:
                if not any(_names_date(text, date, precision) for text in texts):
                    yield (
                        f"Release “{release}” (#{release.pk}): its {which} date {date.isoformat()} "
                        f"({precision}) is not named in the source"
                    )
        stored = {date for release in releases for date in (release.start_date, release.end_date) if date}
        for unit in source.units:
            if not _RELEASE_WORDS_RE.search(unit.text):
                continue
            for match in _FULL_DATE_RE.finditer(unit.text):
                date = _parse_date(match)
                if date and date not in stored:
                    yield f"The source names {match.group(0)} ({unit.id}), but no release starts or ends then"


class SeasonQuerySet(PageQuerySet):
    def with_episode_stats(self):
        return self.annotate(
            episode_count=Count("episodes"),
            first_release=Min("episodes__release_date"),
            last_release=Max("episodes__release_date"),
        ).order_by("work", "number")

    def with_episodes(self):
        return self.with_episode_stats().prefetch_related(
            Prefetch("episodes", queryset=Episode.objects.in_order())
        )

    def for_page(self):
        return self.with_episodes().select_related("work").prefetch_related("categories")


class Season(Page):
    url_prefix = "seasons"
    open_graph_type = "video.tv_show"

    page_ptr = page_link()

    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="seasons")
    number = models.PositiveIntegerField()
    release_date = models.DateField(null=True, blank=True)

    objects = SeasonQuerySet.as_manager()

    class Meta:
        ordering = ["work", "number"]
        constraints = [
            models.UniqueConstraint(fields=["work", "number"], name="season_number_unique_per_work")
        ]

    def get_context(self, request):
        Page.prerender(self.episodes.all(), host=self)
        return {}

    def structured_data(self, schema):
        data = schema.about(self, "TVSeason")
        data["seasonNumber"] = self.number
        data["partOfSeries"] = schema.reference(self.work.schema_type(), self.work)
        start = self.release_date or getattr(self, "first_release", None)
        if start:
            data["startDate"] = start
        episodes = list(self.episodes.all())
        if episodes:
            data["numberOfEpisodes"] = len(episodes)
            data["episode"] = [
                schema.reference("TVEpisode", episode, episodeNumber=episode.number) for episode in episodes
            ]
        return [data]

    @property
    def year(self):
        return self.release_date.year if self.release_date else None

    def preview_facts(self):
        facts = [("Series", self.work.title), ("Episodes", str(len(self.episodes.all())))]
        start = self.release_date or getattr(self, "first_release", None)
        if start:
            facts.append(("Released", dateformat.format(start, "j F Y")))
        return facts

    def previous(self):
        return self.neighbours("work_id", self.work_id, "number")[0]

    def next(self):
        return self.neighbours("work_id", self.work_id, "number")[1]


class EpisodeQuerySet(PageQuerySet):
    def in_order(self):
        return self.select_related("season").order_by("season__work", "number_overall")

    def featuring(self, character):
        """Episodes the reader (``wiki.reading.current()``) has watched in which
        ``character`` appears or is mentioned."""
        return self.filter(reading.current().q("number_overall"), appearances__character=character)

    def with_cast(self):
        return self.in_order().prefetch_related(
            Prefetch("appearances", queryset=Appearance.objects.select_related("character"))
        )

    def timeline(self):
        """The points of the story a reader can stop at (``wiki.reading``): the
        episodes of the series in order, as (number across the series, code, label)."""
        return [
            (episode.number_overall, f"s{episode.season.number}e{episode.number}", episode.position_label)
            for episode in self.in_order().filter(season__work__medium=Work.Medium.ANIME)
        ]

    def for_page(self):
        return (
            self.in_order()
            .select_related("season__work")
            .prefetch_related(
                Prefetch(
                    "appearances",
                    # Who appears in an episode is told by the episode: not before the reader has seen it.
                    queryset=Appearance.objects.filter(
                        reading.current().q("episode__number_overall"),
                        reading.current().q("character__revealed_at"),
                    )
                    .select_linked("character")
                    .order_by("character__title"),
                ),
                "categories",
            )
        )

    # For the story views (episodes:appearances, episodes:timeline).
    def of_the_series(self):
        """The episodes of the anime series in story order: the points a reader can stop at."""
        return self.in_order().filter(season__work__medium=Work.Medium.ANIME)

    def source_reveal_positions(self, source):
        """``{unit id: position or None}`` for the units of the source text
        (``wiki.sources``): a row of an episode table is revealed by its
        episode; a sentence of a season's plot summary by the season's last
        episode; everything else (the premise, the characters, production)
        by no point of the story (None). One query."""
        overall, season_end = {}, {}
        for season, number, number_overall in self.of_the_series().values_list(
            "season__number", "number", "number_overall"
        ):
            overall[season, number] = number_overall
            season_end[season] = max(season_end.get(season, 0), number_overall)
        positions = {}
        for unit in source.units:
            season = _season_of(unit.section)
            position = None
            if season is not None and unit.is_row and unit.section[0] == EPISODES_SECTION:
                position = overall.get((season, int(unit.row[0])))
            elif season is not None and unit.section[0] == PLOT_SECTION:
                position = season_end.get(season)
            positions[unit.id] = position
        return positions


class Episode(Page):
    url_prefix = "episodes"
    open_graph_type = "video.episode"

    page_ptr = page_link()

    season = models.ForeignKey(Season, on_delete=models.CASCADE, related_name="episodes")
    number = models.PositiveIntegerField(help_text="Number within the season.")
    number_overall = models.PositiveIntegerField(help_text="Number across the whole series.")
    name = models.CharField(
        max_length=200, blank=True, help_text="The episode's own title, where the source gives one."
    )
    runtime_minutes = models.PositiveIntegerField(null=True, blank=True, verbose_name="runtime (minutes)")
    runtime_is_approximate = models.BooleanField(
        default=False,
        verbose_name="runtime is approximate",
        help_text='The source gives the runtime as approximate ("approximately 24 minutes"): shown "about".',
    )
    release_date = models.DateField(null=True, blank=True)
    characters = models.ManyToManyField(Character, through="Appearance", related_name="episodes", blank=True)

    objects = EpisodeQuerySet.as_manager()

    class Meta:
        ordering = ["season", "number"]
        constraints = [
            models.UniqueConstraint(fields=["season", "number"], name="episode_number_unique_per_season"),
            models.CheckConstraint(
                condition=models.Q(number_overall__gte=models.F("number")),
                name="episode_overall_number_not_below_season_number",
            ),
        ]

    def structured_data(self, schema):
        season = self.season
        data = schema.about(self, "TVEpisode")
        data["episodeNumber"] = self.number
        data["partOfSeason"] = schema.reference("TVSeason", season, seasonNumber=season.number)
        data["partOfSeries"] = schema.reference(season.work.schema_type(), season.work)
        if self.release_date:
            data["datePublished"] = self.release_date
        if self.runtime_minutes:
            data["timeRequired"] = f"PT{self.runtime_minutes}M"
        characters = [appearance.character for appearance in self.appearing()]
        if characters:
            data["character"] = [
                schema.reference("Person", character, additionalType=FICTIONAL_CHARACTER)
                for character in sorted(characters, key=lambda character: character.title)
            ]
        return [data]

    @property
    def display_name(self):
        return self.name or f"Episode {self.number}"

    @property
    def position_label(self):
        return f"Season {self.season.number}, Episode {self.number}"

    def text_revealed_at(self):
        # An episode's summary tells what happens in it.
        return self.number_overall

    def preview_facts(self):
        # An episode without a name of its own is titled by its position already.
        facts = [("Episode", self.position_label) if self.name else ("Series", self.season.work.title)]
        if self.release_date:
            facts.append(("Released", dateformat.format(self.release_date, "j F Y")))
        if self.runtime_minutes:
            facts.append(("Running time", self.runtime_label))
        return facts

    @classmethod
    def find_by_query(cls, query):
        """The episode of the series a search names ("s2e3", "episode 15",
        "first episode", see ``episodes.naming``), or None. One query, only
        for a search that names an episode."""
        reference = naming.episode_reference(query.terms)
        if reference is None:
            return None
        episodes = list(cls.objects.of_the_series())
        if reference.season is not None:
            seasons = [episode.season.number for episode in episodes]
            season = max(seasons, default=None) if reference.season == naming.LAST else reference.season
            episodes = [episode for episode in episodes if episode.season.number == season]
        if not episodes:
            return None
        if reference.number == naming.LAST:
            return episodes[-1]
        number = "number_overall" if reference.season is None else "number"
        return next((episode for episode in episodes if getattr(episode, number) == reference.number), None)

    # These read the appearances prefetched by EpisodeQuerySet.for_page().
    def appearing(self):
        return [appearance for appearance in self.appearances.all() if not appearance.is_mention]

    def mentioned(self):
        return [appearance for appearance in self.appearances.all() if appearance.is_mention]

    @property
    def runtime_label(self):
        """ "24 minutes", or "about 24 minutes" where the source gives it as approximate."""
        if not self.runtime_minutes:
            return ""
        return f"{'about ' if self.runtime_is_approximate else ''}{self.runtime_minutes} minutes"

    @classmethod
    def source_agreement(cls, source):
        """The source's episode tables against the episodes (``manage.py
        check_source``): as many episodes per season, each row's episode there,
        its title the row's, and every word of the row's summary in its lead."""
        tables = {}
        for unit in source.units:
            season = _season_of(unit.section)
            if unit.is_row and unit.section[0] == EPISODES_SECTION and season is not None:
                tables.setdefault(season, []).append(unit)
        episodes = {(e.season.number, e.number): e for e in Episode.objects.of_the_series()}
        for season in sorted({number for number, _ in episodes} | set(tables)):
            rows, stored = tables.get(season, []), [key for key in episodes if key[0] == season]
            if len(rows) != len(stored):
                yield (
                    f"Season {season}: the source's episode table has {len(rows)} episodes, "
                    f"the database {len(stored)}"
                )
            for unit in rows:
                episode = episodes.get((season, int(unit.row[0])))
                if episode is None:
                    yield f"Season {season}, Episode {unit.row[0]} ({unit.id}): no such episode"
                    continue
                if len(unit.row) > 2 and episode.name != unit.row[1]:
                    yield f"{episode.title}: its name is {episode.name!r}, the source's table {unit.row[1]!r}"
                missing = _words(unit.text) - _words(markup.plain_markdown(episode.lead))
                if missing:
                    yield (
                        f"{episode.title}: its lead has drifted from the source's summary ({unit.id}), "
                        f"without: {', '.join(sorted(missing))}"
                    )

    def previous(self):
        return self.neighbours("season__work_id", self.season.work_id, "number_overall")[0]

    def next(self):
        return self.neighbours("season__work_id", self.season.work_id, "number_overall")[1]


class Appearance(PageData):
    """A character appears in an episode, or is only mentioned in it (talked
    about in its summary, not there), as the episode's summary says."""

    class Kind(models.TextChoices):
        APPEARS = "appears", "Appears"
        MENTIONED = "mentioned", "Mentioned"

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="appearances")
    character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="appearances")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.APPEARS)
    sources = SourcesField()

    class Meta:
        ordering = ["episode", "character"]
        constraints = [models.UniqueConstraint(fields=["episode", "character"], name="appearance_unique")]

    def __str__(self):
        return f"{self.character}{' (mentioned)' if self.is_mention else ''} in {self.episode}"

    @property
    def is_mention(self):
        """Only talked about in the episode, not in it: no appearance of the character's."""
        return self.kind == self.Kind.MENTIONED


# Agreement with the source text (manage.py check_source) ----------------------------

# The source's headings above its episode tables and its season plot summaries.
EPISODES_SECTION, PLOT_SECTION = "Episodes", "Plot summary"
_SEASON_RE = re.compile(r"\bSeason (\d+)\b")
_RELEASE_WORDS_RE = re.compile(r"releas|premiere|aired|broadcast|serializ|edition|publish", re.IGNORECASE)
_MONTHS = ("January", "February", "March", "April", "May", "June") + (
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_FULL_DATE_RE = re.compile(rf"\b({'|'.join(_MONTHS)}) (\d{{1,2}}), (\d{{4}})\b")
_WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


def _season_of(section):
    """The season number a heading of the source names ("Season 2 (2019)"), or None."""
    match = _SEASON_RE.search(section[-1]) if section else None
    return int(match.group(1)) if match else None


def _parse_date(match):
    try:
        return datetime.date(int(match.group(3)), _MONTHS.index(match.group(1)) + 1, int(match.group(2)))
    except ValueError:
        return None


def _names_date(text, date, precision):
    """Whether ``text`` names ``date`` as precisely as ``precision``: "July 2, 2020"
    (or "July 2" in a sentence that names the year), "March 2021", "2021"."""
    month, year = _MONTHS[date.month - 1], str(date.year)
    if precision == DatePrecision.YEAR:
        return re.search(rf"\b{year}\b", text) is not None
    if precision == DatePrecision.MONTH:
        return re.search(rf"\b{month} {year}\b", text) is not None
    day = rf"\b{month} {date.day}\b"
    return re.search(rf"{day}, {year}\b", text) is not None or (
        re.search(rf"{day}(?!, \d)", text) is not None and re.search(rf"\b{year}\b", text) is not None
    )


def _words(text):
    """The words of ``text`` that carry meaning, lowercased, without possessive endings."""
    words = {word.casefold().removesuffix("'s").removesuffix("’s") for word in _WORD_RE.findall(text)}
    return {word for word in words if len(word) > 3}


# The story views (episodes:appearances, episodes:timeline) ---------------------------


class AppearanceRow:
    """A character's row of the appearances grid: whether they appear in each
    column's episode, and their first and last appearance up to the limit."""

    def __init__(self, character, cells, first, last):
        self.character, self.cells, self.first, self.last = character, cells, first, last


class AppearanceGrid:
    """Who appears in which episode, as far as the reader has watched
    (``wiki.reading.current()``): a column for each episode up to the limit,
    a row for each character the reader has met who appears in one of them.

    ``seasons`` (every season of the series) are what the season filter offers;
    ``narrowed(season, role)`` fills in ``season`` and ``role`` (the label) shown,
    ``columns``, ``column_groups`` and ``rows``. Two queries, whatever the size of the story."""

    def __init__(self):
        limit = reading.current()
        episodes = list(Episode.objects.of_the_series())
        self.seasons = list({episode.season_id: episode.season for episode in episodes}.values())
        self.episodes = [episode for episode in episodes if limit.shows(episode.number_overall)]
        self.season, self.role, self.columns, self.column_groups, self.rows = None, "", [], [], []

    def narrowed(self, season=None, role=None):
        """The grid of one season's episodes (``season``: its number) and of the
        characters of one ``role`` (``None``: every one)."""
        self.season = next((each for each in self.seasons if each.number == season), None)
        self.role = "" if role is None else dict(Character._meta.get_field("role").choices).get(role, "")
        self.columns = [episode for episode in self.episodes if season in (None, episode.season.number)]
        groups = {}
        for episode in self.columns:
            groups.setdefault(episode.season, []).append(episode)
        self.column_groups = list(groups.items())
        self.rows = self._rows(role) if self.columns else []
        return self

    def _rows(self, role):
        limit = reading.current()
        appearances = Appearance.objects.filter(
            limit.q("episode__number_overall"),
            limit.q("character__revealed_at"),
            episode__season__work__medium=Work.Medium.ANIME,
            kind=Appearance.Kind.APPEARS,
        ).select_related("character")
        if role is not None:
            appearances = appearances.filter(character__role=role)
        characters, appeared_in = {}, {}
        for appearance in appearances.order_by():
            characters[appearance.character_id] = appearance.character
            appeared_in.setdefault(appearance.character_id, set()).add(appearance.episode_id)
        rows = []
        for pk, character in characters.items():
            episode_ids = appeared_in[pk]
            cells = [episode.pk in episode_ids for episode in self.columns]
            # First and last appearance count every episode watched, whatever the season shown.
            appeared = [episode for episode in self.episodes if episode.pk in episode_ids]
            if any(cells):
                rows.append(AppearanceRow(character, cells, appeared[0], appeared[-1]))
        return sorted(rows, key=lambda row: (row.first.number_overall, row.character.title))


class SeriesTimeline:
    """The two lanes of the timeline: the releases of every work, which no
    reading limit hides, and the story episode by episode, each episode's
    summary shown only once the reader has watched it (``wiki.reading.current()``).

    ``releases`` in date order; ``seasons``: (season, [(episode, watched), ...]).
    Three queries (releases, episodes, the links of the summaries shown)."""

    def __init__(self):
        limit = reading.current()
        self.releases = list(
            Release.objects.select_related("work", "season", "organization").order_by("start_date", "pk")
        )
        episodes = list(Episode.objects.of_the_series())
        # The story lane reads as one list: a name is linked in the first summary that mentions it.
        Page.prerender(episode for episode in episodes if limit.shows(episode.number_overall))
        seasons = {}
        for episode in episodes:
            seasons.setdefault(episode.season, []).append((episode, limit.shows(episode.number_overall)))
        self.seasons = list(seasons.items())
