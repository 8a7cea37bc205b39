"""The sitemap: every page at its canonical address, the index pages and the
categories, for ``/sitemap.xml`` (``django.contrib.sitemaps``)."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from articles.models import Category, Page
from articles.seo import canonical_path, is_main_work


class PageSitemap(Sitemap):
    """Every page of every kind; the main work is the home page."""

    def items(self):
        return Page.objects.only("kind", "slug", "updated_at").order_by("kind", "slug")

    def location(self, page):
        return canonical_path(page)

    def lastmod(self, page):
        return page.updated_at

    def priority(self, page):
        return 1.0 if is_main_work(page) else 0.6


class IndexSitemap(Sitemap):
    """The lists readers browse from."""

    priority = 0.5
    changefreq = "weekly"

    def items(self):
        return [
            "episodes:list",
            "characters:index",
            "characters:cast",
            "characters:people",
            "articles:index",
            "articles:organizations",
            "articles:categories",
        ]

    def location(self, url_name):
        return reverse(url_name)


class CategorySitemap(Sitemap):
    priority = 0.4

    def items(self):
        return Category.objects.order_by("slug")


sitemaps = {"pages": PageSitemap, "indexes": IndexSitemap, "categories": CategorySitemap}
