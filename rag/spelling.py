"""Query words the documents never use, corrected to a close word they do use ("Helth" -> "health").

Typed questions carry typos ("What typs of hearin care servises are covered?", 11 of 100
English dev questions). BM25 finds nothing for a word that is in no chunk, and the embedder
reads "Helth" as unrelated sub-words. The dictionary is the index's own words (the chunks'
``lexical`` column), so a correction always lands on a word the documents use and no domain word
list has to ship; rapidfuzz computes the edit distances. What is by hand here is only the
policy: which words may be corrected and which candidate wins.

Only Latin-script words are corrected (Chinese is segmented by jieba into dictionary words; a
wrong character is not an edit-distance problem). A word is left alone when the documents use
it, when it is a query stop word or an acronym, when it is a real English word (pyspellchecker's dictionary:
without it "versus" became "virus", "bonus" "bones" and "dogs" "does" on the dev documents,
and an unanswerable question then matched words the documents do hold), or when no vocabulary
word is close enough with the same first letter (typos rarely hit the first letter).
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Callable

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein, Indel

from ingest.lexical import QUERY_STOPWORDS
from rag.vocabulary import Vocabulary

_WORD = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z]{3,}(?![A-Za-z0-9_])")
MIN_LENGTH = 3


def max_edits_for(word: str, limit: int) -> int:
    """One edit for words of up to five letters, two beyond: "knw" -> "know", "regaridng" ->
    "regarding"; two edits in a four-letter word would turn most words into most others."""
    return min(limit, 1 if len(word) <= 5 else 2)


@dataclass(frozen=True)
class Correction:
    original: str
    corrected: str


@dataclass(frozen=True)
class SpelledQuery:
    text: str  # the query with corrections applied (== the input when there are none)
    corrections: tuple[Correction, ...] = ()


class Speller:
    """Corrects words against a vocabulary of ``term -> number of chunks holding it``."""

    def __init__(self, vocabulary: dict[str, int], max_edits: int = 2, is_word: Callable[[str], bool] | None = None):
        self.max_edits = max_edits
        self._is_word = is_word or english_word
        self._counts = {t: n for t, n in vocabulary.items() if t.isascii() and t.isalpha()}
        # Candidates grouped by first letter: one pass of rapidfuzz over a small list per word.
        self._by_initial: dict[str, list[str]] = {}
        for term in self._counts:
            self._by_initial.setdefault(term[0], []).append(term)

    @classmethod
    def from_vocabulary(cls, vocabulary: Vocabulary, max_edits: int = 2) -> "Speller":
        """The words of the index's chunks as BM25 sees them (rag.vocabulary: before FTS5's
        Porter stemming, since a correction must be a word, not a stem such as "servic")."""
        return cls(vocabulary.counts, max_edits)

    def known(self, word: str) -> bool:
        return word.lower() in self._counts

    def suggest(self, word: str) -> str | None:
        """The closest vocabulary word, or None when ``word`` is to be left as typed."""
        lower = word.lower()
        # An acronym ("MBA", "HIPAA") is its own word: the documents may simply not use it.
        if word.isupper():
            return None
        if self.max_edits <= 0 or len(lower) < MIN_LENGTH or lower in self._counts or lower in QUERY_STOPWORDS:
            return None
        if self._is_word(lower):
            return None
        limit = max_edits_for(lower, self.max_edits)
        pool = self._by_initial.get(lower[0], [])
        found = process.extract(lower, pool, scorer=DamerauLevenshtein.distance, score_cutoff=limit, limit=None)
        if not found:
            return None
        # Fewest edits; then a letter left out or doubled over one replaced ("typs" is "types"
        # more likely than "tips"); then the word more chunks use.
        best = min(found, key=lambda m: (m[1], Indel.distance(lower, m[0]), -self._counts[m[0]], m[0]))
        return best[0]

    def correct(self, text: str) -> SpelledQuery:
        corrections: list[Correction] = []

        def fix(match: re.Match) -> str:
            word = match.group(0)
            better = self.suggest(word)
            if better is None:
                return word
            shown = better.capitalize() if word[0].isupper() else better
            corrections.append(Correction(word, shown))
            return shown

        corrected = _WORD.sub(fix, text)
        return SpelledQuery(corrected, tuple(corrections))


_english = None
_english_lock = threading.Lock()


def english_word(word: str) -> bool:
    """Is ``word`` (lower case) in pyspellchecker's English dictionary (160k words, loaded once,
    0.4 s)?"""
    global _english
    with _english_lock:
        if _english is None:
            from spellchecker import SpellChecker

            _english = SpellChecker(language="en", distance=1)
    return word in _english
