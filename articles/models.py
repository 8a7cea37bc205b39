"""Free-standing articles (and disambiguation pages) and organizations: two
page kinds of the wiki engine."""

from django.db import models
from django.db.models import Prefetch

from wiki import reading
from wiki.models import Page, PageQuerySet, page_link


class Article(Page):
    """A free-standing wiki article, or a disambiguation page."""

    url_prefix = "wiki"

    page_ptr = page_link()

    is_disambiguation = models.BooleanField(
        default=False, help_text="A page that lists the pages an ambiguous name may mean."
    )

    class Meta:
        ordering = ["title"]

    def structured_data(self, schema):
        data = schema.about(self, "WebPage" if self.is_disambiguation else "Article")
        data["headline"] = data.pop("name")
        data["datePublished"] = self.created_at
        data["dateModified"] = self.updated_at
        return [data]


class OrganizationQuerySet(PageQuerySet):
    def for_page(self):
        # The works and members of an organization are other apps' rows,
        # reached through their relations to it.
        work_roles = self.model._meta.get_field("work_roles").related_model
        memberships = self.model._meta.get_field("memberships").related_model
        return self.select_related("parent").prefetch_related(
            Prefetch("divisions", queryset=Organization.objects.met()),
            Prefetch(
                "memberships",
                queryset=memberships.objects.at_limit()
                .filter(reading.current().q("character__revealed_at"))
                .select_related("character")
                .order_by("character__title"),
            ),
            Prefetch("work_roles", queryset=work_roles.objects.select_related("work")),
            "categories",
        )


class Organization(Page):
    """A company, agency or department, in the story or in the real world."""

    class Sphere(models.TextChoices):
        FICTIONAL = "fictional", "In the story"
        REAL = "real", "Real world"

    url_prefix = "organizations"
    autolinked = True

    page_ptr = page_link()

    sphere = models.CharField(max_length=10, choices=Sphere.choices)
    organization_type = models.CharField(
        max_length=100, blank=True, help_text='What it is, e.g. "Animation studio", "Police division".'
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="divisions"
    )

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["title"]

    @classmethod
    def search_texts(cls, page_ids):
        """Each organization's part in works ("Studio of Hero Mask"). One query."""
        texts = {}
        work_roles = cls._meta.get_field("work_roles").related_model
        for credit in work_roles.objects.filter(organization__in=page_ids).select_related("work"):
            texts.setdefault(credit.organization_id, []).append(credit.organization_search_text())
        return {pk: "\n\n".join(lines) for pk, lines in texts.items()}

    @property
    def type_description(self):
        """What the organization is, as an encyclopedia says it: "Fictional police
        division" for one in the story, "Animation studio" for a real one."""
        if self.sphere == self.Sphere.FICTIONAL:
            return (
                f"Fictional {self.organization_type.lower()}"
                if self.organization_type
                else "Fictional organization"
            )
        return self.organization_type or "Real-world organization"

    def preview_facts(self):
        facts = [("Type", self.type_description)]
        if self.parent is not None and self.parent.is_met():
            facts.append(("Part of", self.parent.title))
        members = [membership.character.title for membership in self.memberships.all()]
        if members:
            facts.append(
                (
                    "Members",
                    ", ".join(members[:3]) + (f" and {len(members) - 3} more" if len(members) > 3 else ""),
                )
            )
        return facts

    def structured_data(self, schema):
        data = schema.about(self, "Organization")
        if self.parent_id:
            data["parentOrganization"] = schema.reference("Organization", self.parent)
        return [data]
