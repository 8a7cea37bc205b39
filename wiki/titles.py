"""Which page a written name means: the rules, without the queries.

A wiki link names a page by its title, one of its aliases or its slug,
ignoring case. ``wiki.models.TitleResolver`` runs the one query a text (or a
batch of texts) needs and hands its rows to ``matching_targets`` here.
"""

import re
from dataclasses import dataclass

# Shorter names ("Al", "Ed") would link too many ordinary words.
AUTOLINK_MIN_LENGTH = 3
TITLE_MAX_LENGTH = 200

# (matched name, page pk, kind, slug, page title, matched by, matched key)
NAME, PK, KIND, SLUG, TITLE, VIA, KEY = range(7)
_PRECEDENCE = {"slug": 0, "alias": 1, "title": 2}


@dataclass(frozen=True)
class Target:
    """A page a name leads to, and the address a link to it should use."""

    pk: int
    title: str
    url: str


def normalize_title(title):
    """A written link target as titles are compared: single spaces, no ends."""
    return re.sub(r"[\s_]+", " ", title).strip()


def title_keys(titles):
    """(wanted, keys) for ``titles``: the lowercased names a row must have, and
    the values the database compares lowercased titles, slugs and aliases with."""
    wanted = {normalize_title(title).lower() for title in titles}
    wanted.discard("")
    if not wanted:
        return wanted, set()
    # SQLite's LOWER() only folds ASCII; matching the written spelling as well
    # finds titles with non-ASCII capitals when they are written as titled.
    return wanted, wanted | {normalize_title(title) for title in titles}


def matching_rows(rows, wanted, keys):
    """The rows a query for ``keys`` would have returned, named as ``wanted``,
    best last: a title over an alias over a slug; among slugs shared by pages
    of different kinds, the oldest page."""
    rows = [row for row in rows if row[KEY] in keys and row[NAME].lower() in wanted]
    rows.sort(key=lambda row: (_PRECEDENCE[row[VIA]], -row[PK]))
    return rows


def targets(rows, page_url, alias_url):
    """``{lowercased name: Target}`` for matching rows, best last."""
    found = {}
    for row in rows:
        url = alias_url(row[NAME]) if row[VIA] == "alias" else page_url(row[KIND], row[SLUG])
        found[row[NAME].lower()] = Target(row[PK], row[TITLE], url)
    return found


def autolink_targets(rows, page_url):
    """``{name: Target}`` from (name, pk, kind, slug, title) rows of titles and
    aliases: names of at least ``AUTOLINK_MIN_LENGTH`` characters, a page's own
    title winning over another page's alias."""
    names = {}
    for name, pk, kind, slug, title in sorted(rows, key=lambda row: row[0] == row[4]):
        name = normalize_title(name)
        if len(name) >= AUTOLINK_MIN_LENGTH:
            names[name] = Target(pk, title, page_url(kind, slug))
    return names
