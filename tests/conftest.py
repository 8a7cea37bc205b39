"""Shared test fixtures."""

from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache, caches
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from wiki import reading
from wiki.models import Generation

FIXTURES = sorted(str(path) for path in (Path(__file__).resolve().parent.parent / "fixtures").glob("*.json"))


def clear_caches():
    """Every cache empty, this process's own pages and the content generation
    it keeps (with Redis) included: a test's database is not the last one's."""
    for alias in settings.CACHES:
        caches[alias].clear()
    Generation.objects.forget()


@pytest.fixture(autouse=True)
def _clear_cache():
    clear_caches()
    yield
    clear_caches()


@pytest.fixture
def content(request, db):
    """The real encyclopedia content, loaded from fixtures/ as `make run` loads it
    (once for the module, if the module uses ``content_of_the_module``)."""
    if "content_of_the_module" not in request.fixturenames:
        call_command("loaddata", *FIXTURES, verbosity=0)


@pytest.fixture(scope="module")
def content_of_the_module(django_db_setup, django_db_blocker):
    """The real content, loaded once for a module every test of which reads it
    (``pytestmark = pytest.mark.usefixtures("content_of_the_module")``): each
    test runs in a savepoint of this transaction, undone after it, and the load
    itself is undone after the module. Loading takes seconds; tests, milliseconds."""
    with kept_for_the_module(django_db_blocker):
        call_command("loaddata", *FIXTURES, verbosity=0)
        yield


@contextmanager
def kept_for_the_module(django_db_blocker):
    """For a module-scoped fixture: rows written inside stay while the module's
    tests run (each in a savepoint of this transaction) and are undone after."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


def queries_for(client, url):
    """Queries of one request, starting from an empty cache so that nothing is hidden by it
    (the shared cache, and what this process keeps of the story's timeline)."""
    cache.clear()
    reading.Timeline.forget()
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context)
