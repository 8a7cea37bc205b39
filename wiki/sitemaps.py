"""Sitemaps of every page at its canonical address and of the categories,
for ``django.contrib.sitemaps``; the project adds its index pages.

The framework's template escapes each address for XML; the addresses are
encoded as URIs first (``iri_to_uri``), so a character a slug should not hold
cannot make the sitemap invalid."""

from django.contrib.sitemaps import Sitemap
from django.utils.encoding import iri_to_uri

from wiki.models import Category, Page


class PageSitemap(Sitemap):
    """Every page of every kind; the home page at ``/``."""

    def items(self):
        return Page.objects.only("kind", "slug", "updated_at").order_by("kind", "slug")

    def location(self, page):
        return iri_to_uri(page.canonical_url)

    def lastmod(self, page):
        return page.updated_at

    def priority(self, page):
        return 1.0 if page.is_home_page else 0.6


class CategorySitemap(Sitemap):
    priority = 0.4

    def items(self):
        return Category.objects.order_by("slug")

    def location(self, category):
        return iri_to_uri(category.get_absolute_url())
