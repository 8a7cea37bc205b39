"""The search index's SQL: an FTS5 table on SQLite, a weighted tsvector
with a GIN index on PostgreSQL, behind one set of methods.

A page has one row per *reveal level*: the row holds the page's text as a
reader whose limit lies in ``[visible_from, visible_until)`` may read it, so
every query names the level it is asked at (see ``index``) and finds at most
one row per page."""

from django.db import connection

INDEX_TABLE = "wiki_pagesearch"
PAGE_TABLE = "wiki_page"
# The shortest last word matched as a prefix; the SQLite index keeps
# two- and three-character prefixes ready (prefix = '2 3').
MIN_PREFIX_LENGTH = 2
# bm25 column weights for title, aliases, lead and body (SQLite).
_BM25_WEIGHTS = "10.0, 8.0, 2.0, 1.0"
# ``visible_until`` of a page's last row: it is read to the end of the story.
UNTIL_THE_END = 32767
# The level "everything" reads: past every point of the story, including the
# passages whose code names none (``wiki.markup.AFTER_EVERY_EPISODE``).
EVERYTHING_LEVEL = UNTIL_THE_END - 1
# SQLite: a row's rowid is ``page id * ROWS_PER_PAGE + its level's index``, so
# rowids keep page order (the ranking window relies on it) and a page's rows
# are one rowid range, which FTS5 finds without reading the rest.
ROWS_PER_PAGE = 256


# Database backends. Each takes plain lower-case words (letters and digits
# only, see ``Query``); the last word also matches as a prefix, so a search
# typed halfway still finds something, unless it is a single character (the
# words starting with one letter are too many to merge quickly). ``exclude`` is a list of page ids to
# leave out (the title matches already listed first); ``level`` is the
# reading level asked at. A page matches when it has every word, or, with
# ``any_term`` (when no page has them all), at least one of them.


class _Index:
    """What both databases share. A *ranking window* is the set of matches
    ranked by relevance when there are too many to rank them all: each
    backend says how it is found and how a query keeps inside or outside it."""

    page_id_sql = None
    order_sql = None
    match_sql = None
    titles_match_sql = None

    def _where(self, terms, level, exclude=(), window=None, inside=True, titles_only=False, any_term=False):
        sql = (
            f" FROM {INDEX_TABLE} WHERE {self.titles_match_sql if titles_only else self.match_sql}"
            " AND visible_from <= %s AND visible_until > %s"
        )
        params = [self.match_param(terms, titles_only, any_term=any_term), level, level]
        if exclude:
            sql += f" AND {self.page_id_sql} NOT IN ({', '.join(['%s'] * len(exclude))})"
            params += exclude
        if window is not None:
            window_sql, window_params = self.window_clause(window, inside)
            sql += f" AND {window_sql}"
            params += window_params
        return sql, params

    def count(self, cursor, terms, level, exclude, limit, any_term=False):
        """How many pages match, counting no further than ``limit``."""
        where, params = self._where(terms, level, exclude, any_term=any_term)
        cursor.execute(f"SELECT count(*) FROM (SELECT 1{where} LIMIT %s) AS matches", [*params, limit])
        return cursor.fetchone()[0]

    def ranked_ids(self, cursor, terms, level, exclude, window, limit, offset, any_term=False):
        """Matching page ids, most relevant first (within ``window`` if not
        None): pages with every word in their title or aliases, then the
        rest, each by relevance. (bm25 weighs a title match against the
        length of the whole page, so a long page about the very thing
        searched for would otherwise fall behind short pages that mention it.)
        With ``any_term``, pages with more of the words come first, then
        those with more of them in their title or aliases."""
        where, params = self._where(terms, level, exclude, window=window, any_term=any_term)
        rank_sql, rank_params = self.rank(terms, any_term)
        if any_term:
            matched = " + ".join([f"(CASE WHEN {self.has_term_sql} THEN 1 ELSE 0 END)"] * len(terms))
            in_names = " + ".join(
                [f"(CASE WHEN {self.starts_a_word_of_the_names} THEN 1 ELSE 0 END)"] * len(terms)
            )
            order_sql = f"{matched} DESC, {in_names} DESC"
            order_params = [*(self.term_param(terms, term) for term in terms), *terms]
        else:
            in_title = " AND ".join([self.starts_a_word_of_the_names] * len(terms))
            order_sql = f"CASE WHEN {in_title} THEN 0 ELSE 1 END"
            order_params = list(terms)
        cursor.execute(
            f"SELECT {self.page_id_sql}{where} "
            f"ORDER BY {order_sql}, {rank_sql}, {self.order_sql} LIMIT %s OFFSET %s",
            [*params, *order_params, *rank_params, limit, offset],
        )
        return [row[0] for row in cursor.fetchall()]

    def known_terms(self, cursor, terms, level):
        """The words of ``terms`` that some page's text at ``level`` has (the
        last one as a prefix, as searches read it), in one query."""
        has_it = (
            f"(SELECT 1 FROM {INDEX_TABLE} WHERE {self.match_sql} "
            "AND visible_from <= %s AND visible_until > %s LIMIT 1)"
        )
        found = ", ".join([has_it] * len(terms))
        params = [value for term in terms for value in (self.term_param(terms, term), level, level)]
        cursor.execute(f"SELECT {found}", params)
        row = cursor.fetchone()
        return {term for term, hit in zip(terms, row, strict=True) if hit}

    def oldest_ids_outside(self, cursor, terms, level, exclude, window, limit, offset, any_term=False):
        """Matching page ids outside the ranking window, oldest first."""
        where, params = self._where(terms, level, exclude, window=window, inside=False, any_term=any_term)
        cursor.execute(
            f"SELECT {self.page_id_sql}{where} ORDER BY {self.order_sql} LIMIT %s OFFSET %s",
            [*params, limit, offset],
        )
        return [row[0] for row in cursor.fetchall()]

    def title_word_ids(self, cursor, terms, level, limit):
        """Pages with a word of their title or aliases starting with the query's words."""
        where, params = self._where(terms, level, titles_only=True)
        cursor.execute(f"SELECT {self.page_id_sql}{where} LIMIT %s", [*params, limit])
        return [row[0] for row in cursor.fetchall()]

    def result_rows(self, cursor, page_ids, level):
        """``(id, kind, slug, title, lead, body, aliases)`` of these pages, the
        lead and body (plain text) and aliases as their row at ``level`` has
        them (None if the page has none)."""
        cursor.execute(
            f"SELECT p.id, p.kind, p.slug, p.title, s.lead, s.body, s.aliases FROM {PAGE_TABLE} p "
            f"LEFT JOIN {INDEX_TABLE} s ON {self.rows_of_page('p.id', 's')} "
            "AND s.visible_from <= %s AND s.visible_until > %s "
            f"WHERE p.id IN ({', '.join(['%s'] * len(page_ids))})",
            [level, level, *page_ids],
        )
        return cursor.fetchall()

    def indexed_names(self, cursor, page_ids):
        """``{page id: (title, aliases, visible_from of its first row)}`` as the
        index has them now, for these pages (which exist)."""
        if not page_ids:
            return {}
        cursor.execute(
            f"SELECT p.id, s.title, s.aliases, s.visible_from FROM {PAGE_TABLE} p "
            f"JOIN {INDEX_TABLE} s ON {self.rows_of_page('p.id', 's')} "
            f"WHERE p.id IN ({', '.join(['%s'] * len(page_ids))})",
            list(page_ids),
        )
        names = {}
        for page_id, title, aliases, visible_from in cursor.fetchall():
            if page_id not in names or visible_from < names[page_id][2]:
                names[page_id] = (title, aliases, visible_from)
        return names


class _SQLiteIndex(_Index):
    page_id_sql = f"rowid / {ROWS_PER_PAGE}"
    order_sql = "rowid"
    match_sql = titles_match_sql = f"{INDEX_TABLE} MATCH %s"
    # A word of the title or an alias starts with the term (letters and
    # digits only, so nothing in it is a GLOB wildcard).
    starts_a_word_of_the_names = "lower(' ' || title || ' ' || aliases) GLOB ('*[^a-z0-9]' || %s || '*')"

    def rows_of_page(self, page_id, table):
        """SQL true for the rows in ``table`` of page ``page_id`` (an SQL
        expression): a rowid range, which FTS5 looks up rather than scans."""
        rowid = f"{table}.rowid"
        return f"({rowid} >= {page_id} * {ROWS_PER_PAGE} AND {rowid} < ({page_id} + 1) * {ROWS_PER_PAGE})"

    # The row has the word: its rowid is among the word's rows (the subquery is
    # read once per query, not per row).
    has_term_sql = f"rowid IN (SELECT rowid FROM {INDEX_TABLE} WHERE {INDEX_TABLE} MATCH %s)"

    def match_param(self, terms, titles_only=False, any_term=False):
        quoted = [f'"{term}"' for term in terms]
        if _is_prefix(terms[-1]):
            quoted[-1] += "*"
        expression = (" OR " if any_term else " ").join(quoted)
        if titles_only:
            expression = "{title aliases} : (" + expression + ")"
        return expression

    def term_param(self, terms, term):
        """The match expression of one word of ``terms``, read as in the whole query."""
        return f'"{term}"*' if term == terms[-1] and _is_prefix(term) else f'"{term}"'

    def rank(self, terms, any_term=False):
        return f"bm25({INDEX_TABLE}, {_BM25_WEIGHTS})", []

    def ranking_window(self, cursor, terms, level, exclude, size, sample, any_term=False):
        """The window is the ``size`` oldest matches, up to the rowid of the
        last: FTS5 keeps each word's rows in rowid order (page order), so
        finding it reads only those."""
        where, params = self._where(terms, level, exclude, any_term=any_term)
        cursor.execute(f"SELECT rowid{where} ORDER BY rowid LIMIT 1 OFFSET %s", [*params, size - 1])
        row = cursor.fetchone()
        return row[0] if row else None

    def window_clause(self, window, inside):
        return ("rowid <= %s" if inside else "rowid > %s"), [window]

    def write(self, cursor, page_ids, rows):
        self.delete(cursor, page_ids)
        cursor.executemany(
            f"INSERT INTO {INDEX_TABLE} "
            "(rowid, visible_from, visible_until, title, aliases, lead, body) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [(row[0] * ROWS_PER_PAGE + row[1], *row[2:]) for row in rows],
        )

    def delete(self, cursor, page_ids):
        cursor.executemany(
            f"DELETE FROM {INDEX_TABLE} WHERE rowid >= %s AND rowid < %s",
            [(pk * ROWS_PER_PAGE, (pk + 1) * ROWS_PER_PAGE) for pk in page_ids],
        )

    def prune(self, cursor):
        cursor.execute(
            f"DELETE FROM {INDEX_TABLE} WHERE {self.page_id_sql} NOT IN (SELECT id FROM {PAGE_TABLE})"
        )
        return cursor.rowcount

    def clear(self, cursor):
        cursor.execute(f"DELETE FROM {INDEX_TABLE}")

    def optimize(self, cursor):
        # Merges the index's segments into one: fewer b-trees to read per query.
        cursor.execute(f"INSERT INTO {INDEX_TABLE} ({INDEX_TABLE}) VALUES ('optimize')")


class _PostgreSQLIndex(_Index):
    page_id_sql = order_sql = "page_id"
    match_sql = "document @@ to_tsquery('simple', %s)"
    titles_match_sql = "names @@ to_tsquery('simple', %s)"
    # A word of the title or an alias starts with the term (letters and
    # digits only, so nothing in it is a regular expression operator).
    starts_a_word_of_the_names = "(title || ' ' || aliases) ~* ('\\m' || %s)"

    def rows_of_page(self, page_id, table):
        return f"{table}.page_id = {page_id}"

    has_term_sql = "document @@ to_tsquery('simple', %s)"

    def match_param(self, terms, titles_only=False, any_term=False):
        lexemes = [f"'{term}'" for term in terms]
        if _is_prefix(terms[-1]):
            lexemes[-1] += ":*"
        return (" | " if any_term else " & ").join(lexemes)

    def term_param(self, terms, term):
        return f"'{term}':*" if term == terms[-1] and _is_prefix(term) else f"'{term}'"

    def rank(self, terms, any_term=False):
        return "ts_rank(document, to_tsquery('simple', %s)) DESC", [
            self.match_param(terms, any_term=any_term)
        ]

    def ranking_window(self, cursor, terms, level, exclude, size, sample, any_term=False):
        """The window is an explicit list of the ``size`` lowest ids among the
        first ``sample`` matches the GIN index gives. Sorting every match by
        id reads them all, and walking the primary key reads every page up
        to the last one wanted; the index gives matches in table order,
        which is close to id order, at the cost of reading ``sample``."""
        where, params = self._where(terms, level, exclude, any_term=any_term)
        cursor.execute(f"SELECT page_id{where} LIMIT %s", [*params, sample])
        return sorted(row[0] for row in cursor.fetchall())[:size]

    def window_clause(self, window, inside):
        clause = "page_id = ANY(%s::bigint[])"
        return (clause if inside else f"NOT ({clause})"), [list(window)]

    def write(self, cursor, page_ids, rows):
        self.delete(cursor, page_ids)
        cursor.executemany(
            f"INSERT INTO {INDEX_TABLE} "
            "(page_id, visible_from, visible_until, title, aliases, lead, body) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [(row[0], *row[2:]) for row in rows],
        )

    def delete(self, cursor, page_ids):
        cursor.execute(f"DELETE FROM {INDEX_TABLE} WHERE page_id = ANY(%s::bigint[])", [list(page_ids)])

    def prune(self, cursor):
        cursor.execute(f"DELETE FROM {INDEX_TABLE} WHERE page_id NOT IN (SELECT id FROM {PAGE_TABLE})")
        return cursor.rowcount

    def clear(self, cursor):
        cursor.execute(f"TRUNCATE {INDEX_TABLE}")

    def optimize(self, cursor):
        # The GIN index needs no merging; ANALYZE gives the planner its statistics.
        cursor.execute(f"ANALYZE {INDEX_TABLE}")


def _is_prefix(term):
    return len(term) >= MIN_PREFIX_LENGTH


def index_for(database):
    return _PostgreSQLIndex() if database.vendor == "postgresql" else _SQLiteIndex()


def current_index():
    return index_for(connection)
