"""
WSGI config for heromask_wiki project.

It exposes the WSGI callable as a module-level variable named ``application``.

For more information on this file, see
https://docs.djangoproject.com/en/5.2/howto/deployment/wsgi/
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heromask_wiki.settings")

django_application = get_wsgi_application()

# Imported once Django is set up: stored pages are answered before Django handles the request.
from wiki.cache import PageCacheApplication  # noqa: E402

application = PageCacheApplication(django_application)
