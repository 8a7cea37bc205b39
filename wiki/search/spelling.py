""" "Did you mean": each word of a query that is not a word of any title or
alias is replaced by the closest one that is.

Candidates come from a trigram index over the distinct title words, held in
memory per process and rebuilt when the link generation moves on (a title or
alias was created, renamed or deleted, in any process).
"""

from wiki.models import Alias, Generation, Page
from wiki.search.text import WORD

_vocabulary = None


def _trigrams(word):
    padded = f"^{word}$"
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


class Vocabulary:
    """The words of every title and alias, with their spelling as written."""

    def __init__(self, names):
        self.names = {}
        self.words = {}
        self.frequency = {}
        self.by_trigram = {}
        for name in names:
            self.names.setdefault(name.lower(), name)
            for word in WORD.findall(name):
                key = word.lower()
                if key not in self.words:
                    self.words[key] = word
                    for trigram in _trigrams(key):
                        self.by_trigram.setdefault(trigram, []).append(key)
                self.frequency[key] = self.frequency.get(key, 0) + 1

    @classmethod
    def current(cls):
        global _vocabulary
        generation = Generation.objects.current().links
        if _vocabulary is None or _vocabulary[0] != generation:
            titles = Page.objects.values_list("title", flat=True)
            aliases = Alias.objects.values_list("title", flat=True)
            _vocabulary = (generation, cls([*titles, *aliases]))
        return _vocabulary[1]

    def correct(self, word, candidates=40):
        """The closest known word to ``word`` (``word`` itself if known), or None."""
        if word in self.words:
            return word
        if len(word) < 3 or not word.isalpha():
            return None
        shared = {}
        for trigram in _trigrams(word):
            for known in self.by_trigram.get(trigram, ()):
                shared[known] = shared.get(known, 0) + 1
        best = sorted(shared, key=lambda known: -shared[known])[:candidates]
        allowed = 1 if len(word) <= 4 else 2
        scored = [
            (distance, -self.frequency[known], known)
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
    needs, or has, a correction."""
    if not query.terms:
        return ""
    vocabulary = Vocabulary.current()
    corrected = [vocabulary.correct(term) or term for term in query.terms]
    if corrected == list(query.terms):
        return ""
    phrase = " ".join(corrected)
    if phrase in vocabulary.names:
        return vocabulary.names[phrase]
    return " ".join(vocabulary.words.get(word, word) for word in corrected)
