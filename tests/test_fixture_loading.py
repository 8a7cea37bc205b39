"""Loading the fixtures into an empty database, whole or not at all (the other
fixture tests share one load per module: tests/test_fixtures.py)."""

import json

import pytest
from django.core.management import call_command
from django.db import IntegrityError

from characters.models import Character
from episodes.models import Episode
from tests.conftest import FIXTURES
from tests.test_fixtures import row_counts
from wiki.models import Page


@pytest.mark.django_db
def test_fixtures_load_into_an_empty_database():
    assert sum(row_counts().values()) == 0

    call_command("loaddata", *FIXTURES, verbosity=0)

    assert Page.objects.count() == 79
    assert Episode.objects.count() == 24
    assert Character.objects.count() == 20


def test_one_broken_fixture_stops_the_whole_load(db, tmp_path):
    rows = [{"model": "episodes.appearance", "pk": 9999, "fields": {"episode": 101, "character": 9999}}]
    broken = tmp_path / "zz_dangling.json"
    broken.write_text(json.dumps(rows), encoding="utf-8")

    with pytest.raises(IntegrityError):
        call_command("loaddata", *FIXTURES, str(broken), verbosity=0)

    assert sum(row_counts().values()) == 0
