"""Settings for heromask-wiki.

Everything that differs between a laptop and production is read from the
environment here, once; there are no per-environment settings files.
"""

import math
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_number(name, default, kind=int):
    """A count or a number of seconds, 0 or more: anything else stops the site
    with an error naming the variable, not a traceback from deep in a library."""
    value = os.environ.get(name, "").strip() or default
    try:
        number = kind(value)
    except ValueError:
        number = None
    if number is None or not math.isfinite(number) or number < 0:
        noun = "whole number" if kind is int else "number"
        raise ImproperlyConfigured(f"{name} must be a {noun}, 0 or more (it is {value!r}).")
    return number


DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-used-with-DJANGO_DEBUG"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "axes",
    # The wiki engine, then the content that stands on it.
    "wiki",
    "articles",
    "characters",
    "episodes",
    # The read-only JSON API over all of them; ninja brings the static files of its docs page.
    "ninja",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "heromask_wiki.middleware.SecurityHeadersMiddleware",
    # /api/: read-only (405 for writes, HEAD as GET), open to other origins, JSON errors.
    "api.middleware.ReadOnlyCorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Gzip, but only what carries no secret (BREACH); outside the page cache,
    # which so keeps pages uncompressed, and outside everything that sets cookies.
    "heromask_wiki.middleware.PublicPageGZipMiddleware",
    # A query parameter given twice is a 400 before anything reads it.
    "wiki.params.SingleValuedParametersMiddleware",
    # Outside the page cache, whose key includes the reader's limit.
    "wiki.reading.ReadingLimitMiddleware",
    # Outside sessions, CSRF and auth, so a cached page is served without
    # touching them, and the response it stores is the final one (cookies included).
    "wiki.cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "heromask_wiki.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wiki.reading.context",
            ],
        },
    },
]

WSGI_APPLICATION = "heromask_wiki.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        # Kept open between requests (a new SQLite connection with its pragmas, or
        # a PostgreSQL login, costs more than most pages); checked before reuse,
        # so a restarted database costs no request.
        conn_max_age=env_number("DATABASE_CONN_MAX_AGE", "600"),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers carry on while one writer commits; IMMEDIATE takes the
    # write lock at BEGIN so two writers queue on busy_timeout instead of
    # failing with "database is locked" when a read lock is upgraded.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

CACHE_URL = os.environ.get("CACHE_URL", "locmem://")
CACHE_IS_SHARED = CACHE_URL.startswith(("redis://", "rediss://"))
if CACHE_IS_SHARED:
    CACHES = {
        "default": {
            # A stopped Redis is an empty cache, not an error: pages come from the database.
            "BACKEND": "heromask_wiki.redis_cache.FailSoftRedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "heromask"),
        },
        # Pages as sent, kept by each process too, so that a page read often
        # costs no trip to Redis (wiki.cache.PageCacheApplication).
        "local": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "pages-sent",
            "OPTIONS": {"MAX_ENTRIES": 1000},
        },
    }
elif CACHE_URL.startswith("dummy://"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }

# Whole-page cache for anonymous readers (wiki/cache.py), keyed by the content
# generation kept in the database, so it is right with a per-process cache too.
PAGE_CACHE_ENABLED = env_bool("DJANGO_PAGE_CACHE", True)
PAGE_CACHE_SECONDS = env_number("DJANGO_PAGE_CACHE_SECONDS", "86400")
# With Redis, which tells every process of each change: how long a process keeps
# the content generation it read rather than reading it for every request
# (wiki/models/generation.py). Only a change notice lost on its way waits this long.
PAGE_CACHE_TRUST_SECONDS = env_number("DJANGO_PAGE_CACHE_TRUST_SECONDS", "1", float)
# Never cached: a different answer on every request.
PAGE_CACHE_EXCLUDED_VIEWS = {"wiki:random"}
# Shared HTTP caches in front of the site (Varnish, see deploy/varnish.vcl): the
# addresses the write path sends a BAN to after each change, and how long they
# may keep a page (long when they are banned on change, short when not).
WIKI_FRONT_CACHE_URLS = env_list("DJANGO_FRONT_CACHE_URLS")
WIKI_SHARED_CACHE_SECONDS = env_number(
    "DJANGO_SHARED_CACHE_SECONDS", "86400" if WIKI_FRONT_CACHE_URLS else "60"
)
WIKI_STALE_WHILE_REVALIDATE_SECONDS = env_number("DJANGO_STALE_WHILE_REVALIDATE_SECONDS", "30")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Signing in (the admin). django-axes counts failed sign-ins per account and,
# separately, per address; either reaching the limit is locked out until the
# cool-off has passed since its latest failure (a failure meanwhile starts it again).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "admin:index"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = env_number("DJANGO_LOGIN_FAILURE_LIMIT", "5")
LOGIN_COOLOFF_MINUTES = env_number("DJANGO_LOGIN_COOLOFF_MINUTES", "15")
if AXES_FAILURE_LIMIT < 1 or LOGIN_COOLOFF_MINUTES < 1:
    raise ImproperlyConfigured(
        "DJANGO_LOGIN_FAILURE_LIMIT and DJANGO_LOGIN_COOLOFF_MINUTES must be positive whole numbers."
    )
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_CALLABLE = "heromask_wiki.logins.lockout_response"
# Lock-outs are lifted from the shell (manage.py axes_reset_username NAME,
# axes_reset_ip ADDRESS), so the admin stays the editors' and nothing else.
AXES_ENABLE_ADMIN = False
# The client's address is the connection's own unless the proxies in front of
# the site are trusted to name it in a header: a header a client sends itself
# would let it guess from a new "address" every time. DJANGO_PROXY_COUNT proxies
# each append the address they were reached from, so the client's is that many
# places from the right, whatever a client put before it.
CLIENT_IP_HEADER = os.environ.get("DJANGO_CLIENT_IP_HEADER", "").strip()
if CLIENT_IP_HEADER:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_" + CLIENT_IP_HEADER.upper().replace("-", "_"), "REMOTE_ADDR")
    AXES_IPWARE_PROXY_COUNT = env_number("DJANGO_PROXY_COUNT", "1") - 1
    if AXES_IPWARE_PROXY_COUNT < 0:
        raise ImproperlyConfigured("DJANGO_PROXY_COUNT must be 1 or more.")
    # Not strict: a longer chain (addresses a client made up, then the proxies') is still read.
    IPWARE_STRICT = False
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
# Hashed, compressed file names (collectstatic first) unless debugging; the
# test run turns them off so that it needs no collectstatic.
STATIC_MANIFEST = env_bool("DJANGO_STATIC_MANIFEST", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Without collected files, WhiteNoise serves straight from the app directories.
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = not STATIC_MANIFEST

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Security. Behind a TLS-terminating proxy set DJANGO_SECURE_PROXY_SSL_HEADER=1.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_number("DJANGO_HSTS_SECONDS", "0" if DEBUG else "31536000")
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Added to every response by heromask_wiki.middleware.SecurityHeadersMiddleware.
# No 'unsafe-inline' anywhere: scripts and styles come from static files only.
CONTENT_SECURITY_POLICY = os.environ.get(
    "DJANGO_CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'",
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

# The wiki engine: the site's name, the page shown at / (kind, slug), and the
# kind of page a red link offers to create.
WIKI_SITE_NAME = "Hero Mask Wiki"
WIKI_HOME_PAGE = ("work", os.environ.get("WIKI_MAIN_WORK_SLUG", "hero-mask"))
WIKI_NEW_PAGE_KIND = "article"
# Query parameters an address may repeat (?show=lead-1&show=body-2); any other
# given twice is refused with a 400 (wiki.params.SingleValuedParametersMiddleware).
WIKI_MULTI_VALUED_PARAMETERS = ["show"]
# The points of the story a reader can stop at (wiki.reading).
WIKI_TIMELINE = "episodes.Episode"
# The one source text the encyclopedia is written from; pages cite its sentences (wiki.sources).
WIKI_SOURCE_TEXT = BASE_DIR / "fixtures" / "source" / "hero-mask.txt"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
