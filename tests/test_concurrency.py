"""SQLite under concurrent readers and writers: no "database is locked", no lost
write. A shorter run of bench/concurrency.py (which runs for a minute)."""

import os

import pytest

from bench.concurrency import hammer, prepare_site

pytestmark = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
    reason="Serves a SQLite file of its own: runs once per CI run, in the SQLite run.",
)


def test_eight_readers_and_two_writers_on_sqlite_lose_nothing_and_never_fail(tmp_path):
    env, urls = prepare_site(tmp_path)
    result = hammer(env, urls, seconds=10, readers=8, writers=2, log_path=tmp_path / "gunicorn.log")
    assert result.reads > 50, result
    assert result.edits > 20, result
    assert result.read_errors == [], result.read_errors[:5]
    assert result.write_errors == [], result.write_errors[:5]
    assert result.edits_found == result.edits
    assert result.markers_missing == 0
    assert "database is locked" not in (tmp_path / "gunicorn.log").read_text()
