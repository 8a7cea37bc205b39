"""Shared test fixtures."""

from pathlib import Path

import pytest
from django.core.management import call_command

FIXTURES = sorted(str(path) for path in (Path(__file__).resolve().parent.parent / "fixtures").glob("*.json"))


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def content(db):
    """The real encyclopedia content, loaded from fixtures/ as `make run` loads it."""
    call_command("loaddata", *FIXTURES, verbosity=0)
