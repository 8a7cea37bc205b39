"""``/sitemap.xml``: the engine's page and category sitemaps, and the index
pages readers browse from."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from wiki.sitemaps import CategorySitemap, PageSitemap


class IndexSitemap(Sitemap):
    priority = 0.5
    changefreq = "weekly"

    def items(self):
        return [
            "episodes:list",
            "characters:index",
            "characters:cast",
            "characters:people",
            "wiki:index",
            "articles:organizations",
            "wiki:categories",
        ]

    def location(self, url_name):
        return reverse(url_name)


sitemaps = {"pages": PageSitemap, "indexes": IndexSitemap, "categories": CategorySitemap}
