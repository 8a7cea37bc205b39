"""The search index's SQL: an FTS5 table on SQLite, a weighted tsvector
with a GIN index on PostgreSQL, behind one set of methods."""

from django.db import connection

INDEX_TABLE = "wiki_pagesearch"
PAGE_TABLE = "wiki_page"
# The shortest last word matched as a prefix; the SQLite index keeps
# two- and three-character prefixes ready (prefix = '2 3').
MIN_PREFIX_LENGTH = 2
# bm25 column weights for title, aliases, lead and body (SQLite).
_BM25_WEIGHTS = "10.0, 8.0, 2.0, 1.0"


# Database backends. Each takes plain lower-case words (letters and digits
# only, see ``Query``); the last word also matches as a prefix, so a search
# typed halfway still finds something, unless it is a single character (the
# words starting with one letter are too many to merge quickly). ``exclude`` is a list of page ids to
# leave out (the title matches already listed first).


class _Index:
    """What both databases share. A *ranking window* is the set of matches
    ranked by relevance when there are too many to rank them all: each
    backend says how it is found and how a query keeps inside or outside it."""

    id_column = None
    match_sql = None
    titles_match_sql = None

    def _where(self, terms, exclude=(), window=None, inside=True, titles_only=False):
        sql = f" FROM {INDEX_TABLE} WHERE {self.titles_match_sql if titles_only else self.match_sql}"
        params = [self.match_param(terms, titles_only)]
        if exclude:
            sql += f" AND {self.id_column} NOT IN ({', '.join(['%s'] * len(exclude))})"
            params += exclude
        if window is not None:
            window_sql, window_params = self.window_clause(window, inside)
            sql += f" AND {window_sql}"
            params += window_params
        return sql, params

    def count(self, cursor, terms, exclude, limit):
        """How many pages match, counting no further than ``limit``."""
        where, params = self._where(terms, exclude)
        cursor.execute(f"SELECT count(*) FROM (SELECT 1{where} LIMIT %s) AS matches", [*params, limit])
        return cursor.fetchone()[0]

    def ranked_ids(self, cursor, terms, exclude, window, limit, offset):
        """Matching page ids, most relevant first (within ``window`` if not
        None): pages with every word in their title or aliases, then the
        rest, each by relevance. (bm25 weighs a title match against the
        length of the whole page, so a long page about the very thing
        searched for would otherwise fall behind short pages that mention it.)"""
        where, params = self._where(terms, exclude, window=window)
        in_title = " AND ".join([self.starts_a_word_of_the_names] * len(terms))
        rank_sql, rank_params = self.rank(terms)
        cursor.execute(
            f"SELECT {self.id_column}{where} "
            f"ORDER BY CASE WHEN {in_title} THEN 0 ELSE 1 END, {rank_sql}, {self.id_column} "
            "LIMIT %s OFFSET %s",
            [*params, *terms, *rank_params, limit, offset],
        )
        return [row[0] for row in cursor.fetchall()]

    def oldest_ids_outside(self, cursor, terms, exclude, window, limit, offset):
        """Matching page ids outside the ranking window, oldest first."""
        where, params = self._where(terms, exclude, window=window, inside=False)
        cursor.execute(
            f"SELECT {self.id_column}{where} ORDER BY {self.id_column} LIMIT %s OFFSET %s",
            [*params, limit, offset],
        )
        return [row[0] for row in cursor.fetchall()]

    def title_word_ids(self, cursor, terms, limit):
        """Pages with a word of their title or aliases starting with the query's words."""
        where, params = self._where(terms, titles_only=True)
        cursor.execute(f"SELECT {self.id_column}{where} LIMIT %s", [*params, limit])
        return [row[0] for row in cursor.fetchall()]

    def result_rows(self, cursor, page_ids):
        """``(id, kind, slug, title, lead, body, aliases)`` of these pages."""
        cursor.execute(
            f"SELECT p.id, p.kind, p.slug, p.title, p.lead, p.body, s.aliases FROM wiki_page p "
            f"LEFT JOIN {INDEX_TABLE} s ON s.{self.id_column} = p.id "
            f"WHERE p.id IN ({', '.join(['%s'] * len(page_ids))})",
            list(page_ids),
        )
        return cursor.fetchall()

    def indexed_names(self, cursor, page_id):
        cursor.execute(f"SELECT title, aliases FROM {INDEX_TABLE} WHERE {self.id_column} = %s", [page_id])
        return cursor.fetchone()


class _SQLiteIndex(_Index):
    id_column = "rowid"
    match_sql = titles_match_sql = f"{INDEX_TABLE} MATCH %s"
    # A word of the title or an alias starts with the term (letters and
    # digits only, so nothing in it is a GLOB wildcard).
    starts_a_word_of_the_names = "lower(' ' || title || ' ' || aliases) GLOB ('*[^a-z0-9]' || %s || '*')"

    def match_param(self, terms, titles_only=False):
        quoted = [f'"{term}"' for term in terms]
        if _is_prefix(terms[-1]):
            quoted[-1] += "*"
        expression = " ".join(quoted)
        if titles_only:
            expression = "{title aliases} : (" + expression + ")"
        return expression

    def rank(self, terms):
        return f"bm25({INDEX_TABLE}, {_BM25_WEIGHTS})", []

    def ranking_window(self, cursor, terms, exclude, size, sample):
        """The window is the ``size`` oldest matches, up to the id of the last:
        FTS5 keeps each word's pages in id order, so finding it reads only those."""
        where, params = self._where(terms, exclude)
        cursor.execute(f"SELECT rowid{where} ORDER BY rowid LIMIT 1 OFFSET %s", [*params, size - 1])
        row = cursor.fetchone()
        return row[0] if row else None

    def window_clause(self, window, inside):
        return ("rowid <= %s" if inside else "rowid > %s"), [window]

    def write(self, cursor, rows):
        cursor.executemany(f"DELETE FROM {INDEX_TABLE} WHERE rowid = %s", [(row[0],) for row in rows])
        cursor.executemany(
            f"INSERT INTO {INDEX_TABLE} (rowid, title, aliases, lead, body) VALUES (%s, %s, %s, %s, %s)",
            rows,
        )

    def delete(self, cursor, page_ids):
        cursor.executemany(f"DELETE FROM {INDEX_TABLE} WHERE rowid = %s", [(pk,) for pk in page_ids])

    def clear(self, cursor):
        cursor.execute(f"DELETE FROM {INDEX_TABLE}")

    def optimize(self, cursor):
        # Merges the index's segments into one: fewer b-trees to read per query.
        cursor.execute(f"INSERT INTO {INDEX_TABLE} ({INDEX_TABLE}) VALUES ('optimize')")


class _PostgreSQLIndex(_Index):
    id_column = "page_id"
    match_sql = "document @@ to_tsquery('simple', %s)"
    titles_match_sql = "names @@ to_tsquery('simple', %s)"
    # A word of the title or an alias starts with the term (letters and
    # digits only, so nothing in it is a regular expression operator).
    starts_a_word_of_the_names = "(title || ' ' || aliases) ~* ('\\m' || %s)"

    def match_param(self, terms, titles_only=False):
        lexemes = [f"'{term}'" for term in terms]
        if _is_prefix(terms[-1]):
            lexemes[-1] += ":*"
        return " & ".join(lexemes)

    def rank(self, terms):
        return "ts_rank(document, to_tsquery('simple', %s)) DESC", [self.match_param(terms)]

    def ranking_window(self, cursor, terms, exclude, size, sample):
        """The window is an explicit list of the ``size`` lowest ids among the
        first ``sample`` matches the GIN index gives. Sorting every match by
        id reads them all, and walking the primary key reads every page up
        to the last one wanted; the index gives matches in table order,
        which is close to id order, at the cost of reading ``sample``."""
        where, params = self._where(terms, exclude)
        cursor.execute(f"SELECT page_id{where} LIMIT %s", [*params, sample])
        return sorted(row[0] for row in cursor.fetchall())[:size]

    def window_clause(self, window, inside):
        clause = "page_id = ANY(%s::bigint[])"
        return (clause if inside else f"NOT ({clause})"), [list(window)]

    def write(self, cursor, rows):
        cursor.executemany(
            f"INSERT INTO {INDEX_TABLE} (page_id, title, aliases, lead, body) VALUES (%s, %s, %s, %s, %s) "
            "ON CONFLICT (page_id) DO UPDATE SET title = EXCLUDED.title, aliases = EXCLUDED.aliases, "
            "lead = EXCLUDED.lead, body = EXCLUDED.body",
            rows,
        )

    def delete(self, cursor, page_ids):
        cursor.execute(f"DELETE FROM {INDEX_TABLE} WHERE page_id = ANY(%s::bigint[])", [list(page_ids)])

    def clear(self, cursor):
        cursor.execute(f"TRUNCATE {INDEX_TABLE}")

    def optimize(self, cursor):
        # The GIN index needs no merging; ANALYZE gives the planner its statistics.
        cursor.execute(f"ANALYZE {INDEX_TABLE}")


def _is_prefix(term):
    return len(term) >= MIN_PREFIX_LENGTH


def current_index():
    return _PostgreSQLIndex() if connection.vendor == "postgresql" else _SQLiteIndex()
