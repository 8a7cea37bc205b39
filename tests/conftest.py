"""Shared test fixtures."""

from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

FIXTURES = sorted(str(path) for path in (Path(__file__).resolve().parent.parent / "fixtures").glob("*.json"))


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def content(db):
    """The real encyclopedia content, loaded from fixtures/ as `make run` loads it."""
    call_command("loaddata", *FIXTURES, verbosity=0)


def queries_for(client, url):
    """Queries of one request, starting from an empty cache so that nothing is hidden by it."""
    cache.clear()
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context)
