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

    def structured_data(self, schema):
        data = schema.about(self, "Organization")
        if self.parent_id:
            data["parentOrganization"] = schema.reference("Organization", self.parent)
        return [data]
