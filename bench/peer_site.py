"""A django-wiki (PyPI package ``wiki``) site, the peer of bench/wrk_bench.py:
django-wiki's documented apps and plugins, Django's default middleware, debug
off, SQLite, a local-memory cache (which django-wiki uses for its rendered
Markdown, as our site does) and no page cache.

It runs in its own virtualenv (bench/out/peer-venv), from a directory that
does not hold our own ``wiki`` package (bench/wrk_bench.py copies this file to
bench/out/peer/ first), with the SQLite file named by PEER_DATABASE:

    PEER_DATABASE=peer.sqlite3 gunicorn peer_site:application
    PEER_DATABASE=peer.sqlite3 python -c "import peer_site; peer_site.create_articles('text.md')"
"""

import os
import secrets
import sys

import django
from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY=os.environ.get("PEER_SECRET_KEY") or secrets.token_urlsafe(50),
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    SITE_ID=1,
    DATABASES={
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ["PEER_DATABASE"],
        }
    },
    CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
    INSTALLED_APPS=[
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sessions",
        "django.contrib.messages",
        "django.contrib.staticfiles",
        "django.contrib.sites",
        "django.contrib.humanize",
        "django_nyt",
        "mptt",
        "sekizai",
        "sorl.thumbnail",
        "wiki",
        "wiki.plugins.attachments",
        "wiki.plugins.notifications",
        "wiki.plugins.images",
        "wiki.plugins.macros",
    ],
    MIDDLEWARE=[
        "django.middleware.security.SecurityMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ],
    TEMPLATES=[
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "APP_DIRS": True,
            "OPTIONS": {
                "context_processors": [
                    "django.contrib.auth.context_processors.auth",
                    "django.template.context_processors.request",
                    "django.template.context_processors.static",
                    "django.contrib.messages.context_processors.messages",
                    "sekizai.context_processors.sekizai",
                ],
            },
        }
    ],
    STATIC_URL="/static/",
    MEDIA_ROOT=os.path.join(os.path.dirname(os.environ["PEER_DATABASE"]), "media"),
    USE_TZ=True,
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    LOGGING={
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {"console": {"class": "logging.StreamHandler"}},
        "root": {"handlers": ["console"], "level": "WARNING"},
    },
)
django.setup()

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.urls import include, path  # noqa: E402

urlpatterns = [
    path("notifications/", include("django_nyt.urls")),
    path("", include("wiki.urls")),
]

application = WSGIHandler()


def create_articles(text_path, slug="episode", title="Episode"):
    """Migrate, then create the root article and one child article holding
    the Markdown in ``text_path``; print the child's path."""
    from django.core.management import call_command

    from wiki.models import URLPath

    call_command("migrate", verbosity=0, interactive=False)
    with open(text_path, encoding="utf-8") as file:
        text = file.read()
    root = URLPath.create_root(title="Peer wiki", content="The root article of the peer wiki.")
    child = URLPath.create_urlpath(root, slug, title=title, content=text)
    sys.stdout.write(child.get_absolute_url() + "\n")
