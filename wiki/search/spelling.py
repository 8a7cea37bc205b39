""" "Did you mean": each word of a query that is not a word of any title or
alias is replaced by the closest one that is, among the pages the reader
(``wiki.reading.current()``) has met.

Candidates come from a trigram index over the distinct title words, held in
memory per process and rebuilt when the link generation moves on (a title or
alias was created, renamed or deleted, in any process). Each word keeps the
pages whose names have it, so one vocabulary serves every reading limit: a
word counts at a limit only if a page the reader has met has it (the pages
not met at each limit are cached per content generation, see
``wiki.models.TitleResolver.unmet``), and nothing else is kept per limit.
"""

from django.db import connection

from wiki import reading
from wiki.models import Alias, Generation, Page, TitleResolver
from wiki.search.backends import current_index
from wiki.search.index import level_of
from wiki.search.text import STOP_WORDS, WORD

_vocabulary = None


def _trigrams(word):
    padded = f"^{word}$"
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


class Vocabulary:
    """The words of every title and alias, with their spelling as written and
    the pages whose names have them. ``hidden`` (in ``correct``) is the set
    of ids of the pages whose names must not be suggested."""

    def __init__(self, names):
        """``names``: ``(name, page id)`` of every title and alias."""
        self.names = {}
        self.words = {}
        self.pages = {}
        self.by_trigram = {}
        for name, page_id in names:
            self.names.setdefault(name.lower(), (name, []))[1].append(page_id)
            for word in WORD.findall(name):
                key = word.lower()
                if key not in self.words:
                    self.words[key] = word
                    for trigram in _trigrams(key):
                        self.by_trigram.setdefault(trigram, []).append(key)
                self.pages.setdefault(key, []).append(page_id)

    @classmethod
    def current(cls):
        global _vocabulary
        generation = Generation.objects.current().links
        if _vocabulary is None or _vocabulary[0] != generation:
            titles = Page.objects.values_list("title", "pk")
            aliases = Alias.objects.values_list("title", "page_id")
            _vocabulary = (generation, cls([*titles, *aliases]))
        return _vocabulary[1]

    def frequency(self, key, hidden=frozenset()):
        """How many names of pages not ``hidden`` have the word ``key``."""
        pages = self.pages.get(key, ())
        return sum(pk not in hidden for pk in pages) if hidden else len(pages)

    def knows(self, key, hidden=frozenset()):
        return key in self.pages and (not hidden or any(pk not in hidden for pk in self.pages[key]))

    def name(self, phrase, hidden=frozenset()):
        """The spelling of the title or alias ``phrase`` (lower case), or None."""
        name, pages = self.names.get(phrase, (None, ()))
        return name if any(pk not in hidden for pk in pages) else None

    def correct(self, word, hidden=frozenset(), candidates=40):
        """The closest known word to ``word`` (``word`` itself if known), or None."""
        if self.knows(word, hidden):
            return word
        if len(word) < 3 or not word.isalpha():
            return None
        shared = {}
        for trigram in _trigrams(word):
            for known in self.by_trigram.get(trigram, ()):
                shared[known] = shared.get(known, 0) + 1
        best = []
        for known in sorted(shared, key=lambda known: -shared[known]):
            if len(best) == candidates:
                break
            if self.knows(known, hidden):
                best.append(known)
        allowed = 1 if len(word) <= 4 else 2
        scored = [
            (distance, -self.frequency(known, hidden), known)
            for known in best
            if abs(len(known) - len(word)) <= allowed
            and (distance := edit_distance(word, known, allowed)) <= allowed
        ]
        return min(scored)[2] if scored else None


def edit_distance(a, b, limit):
    """Damerau-Levenshtein distance (adjacent swaps count once), or
    ``limit + 1`` as soon as it is known to exceed ``limit``."""
    previous2 = None
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, 1):
            current[j] = min(
                previous[j] + 1,
                current[j - 1] + 1,
                previous[j - 1] + (char_a != char_b),
            )
            if previous2 and i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def spelling_suggestion(query):
    """A corrected query ("James Blood" for "jmes blod") or "" if no word
    needs, or has, a correction, from the names of the pages the reader
    (``wiki.reading.current()``) has met. Only a word that is neither a
    stop word nor in the text of any page the reader may read is corrected:
    "voice" is a word of many pages, not a misspelt "Police"."""
    if not query.terms:
        return ""
    vocabulary = Vocabulary.current()
    limit = reading.current()
    hidden = hidden_pages(limit)
    corrected = [
        term if term in STOP_WORDS else (vocabulary.correct(term, hidden) or term) for term in query.terms
    ]
    changed = [term for term, correction in zip(query.terms, corrected, strict=True) if term != correction]
    if not changed:
        return ""
    with connection.cursor() as cursor:
        known = current_index().known_terms(cursor, query.terms, level_of(limit))
    corrected = [
        term if term in known else correction for term, correction in zip(query.terms, corrected, strict=True)
    ]
    if corrected == list(query.terms):
        return ""
    phrase = " ".join(corrected)
    name = vocabulary.name(phrase, hidden)
    if name is not None:
        return name
    return " ".join(vocabulary.words[word] if vocabulary.knows(word, hidden) else word for word in corrected)


def hidden_pages(limit):
    """The ids of the pages a reader at ``limit`` has not met."""
    if limit.position is None:
        return frozenset()
    return TitleResolver().unmet(limit)
