"""The project package as an app, so that the page cache's signal handlers are
connected in every process that loads Django: web workers, the admin,
management commands and tests alike."""

from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "heromask_wiki"
    verbose_name = "Site"

    def ready(self):
        from heromask_wiki import pagecache

        pagecache.connect_signals()
