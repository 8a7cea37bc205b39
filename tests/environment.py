"""Environment for the test run, loaded as a pytest plugin (``-p tests.environment``)
so it is in place before pytest-django imports the settings.

Tests run with production settings (debug off) and a throwaway secret key;
the test client speaks plain HTTP, so the HTTPS redirect is off here, and
static files keep their plain names so that no collectstatic is needed. The
page cache is off (a hit has no template context to inspect); tests/test_caching.py
turns it on.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-secret-key")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("DJANGO_STATIC_MANIFEST", "0")
os.environ.setdefault("DJANGO_PAGE_CACHE", "0")
