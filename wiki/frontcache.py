"""Telling the shared HTTP caches in front of the site (Varnish) that content changed.

Every cached page is keyed by the content generation, so one change can
alter any page (a title in a list, a link that turned blue): after each
committed change the front caches named in ``settings.WIKI_FRONT_CACHE_URLS``
are sent one ``BAN`` request, which drops every page they hold for this site
(see ``deploy/varnish.vcl``). A cache that cannot be reached is logged, never
raised: the change is committed, and the cache's pages expire on their own
after ``settings.WIKI_SHARED_CACHE_SECONDS``.
"""

import logging
import threading
import urllib.error
import urllib.request

from django.conf import settings

logger = logging.getLogger(__name__)
TIMEOUT_SECONDS = 2
_last_banned = threading.local()


def ban_everything(generation):
    """Send every front cache a BAN, once per committed ``generation``."""
    urls = settings.WIKI_FRONT_CACHE_URLS
    if not urls or getattr(_last_banned, "generation", None) == generation:
        return
    _last_banned.generation = generation
    for url in urls:
        request = urllib.request.Request(url, method="BAN", headers={"X-Content-Generation": str(generation)})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                response.read()
        except (OSError, urllib.error.URLError) as error:
            logger.warning("Could not ban the pages of the front cache at %s: %s", url, error)
