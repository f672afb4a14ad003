"""How many chunks of the index hold each word: the dictionary for spelling correction
(rag.spelling) and the word weights of the refusal rule's term coverage (rag.answerability).

Read from the chunks' ``lexical`` column, the tokens BM25 indexes before FTS5's stemming, so a
word here is a word of the documents as ``ingest.lexical.tokenize`` cuts it (jieba words for
Chinese). FTS5 keeps these counts too, but only behind a vocabulary virtual table that a
read-only connection cannot create; one pass over the column is cheap and cached per index.
"""
from __future__ import annotations

import math
import sqlite3
from collections import Counter
from dataclasses import dataclass

# Chunks read for the vocabulary of a large index (evenly spaced): enough for every word that is
# in more than a handful of chunks, bounded so the first query on a million-chunk index is quick.
VOCABULARY_MAX_CHUNKS = 50_000


@dataclass(frozen=True)
class Vocabulary:
    counts: dict[str, int]  # word -> number of chunks read that hold it
    chunks: int  # chunks read: all of them, or an even sample of VOCABULARY_MAX_CHUNKS

    @classmethod
    def from_connection(cls, conn: sqlite3.Connection) -> "Vocabulary":
        lo, hi, total = conn.execute("SELECT MIN(rowid), MAX(rowid), COUNT(*) FROM chunks").fetchone()
        counts: Counter[str] = Counter()
        read = 0
        if total <= VOCABULARY_MAX_CHUNKS:
            rows = conn.execute("SELECT lexical FROM chunks")
        else:  # evenly spaced rowid look-ups: a modulo filter would still read every row
            step = (hi - lo) / VOCABULARY_MAX_CHUNKS
            ids = sorted({lo + int(i * step) for i in range(VOCABULARY_MAX_CHUNKS)})
            rows = (row for i in ids for row in conn.execute("SELECT lexical FROM chunks WHERE rowid = ?", (i,)))
        for (lexical,) in rows:
            counts.update(set(lexical.split()))
            read += 1
        return cls(dict(counts), read)

    def idf(self, word: str) -> float:
        """BM25's inverse document frequency (the +1 keeps it positive): a word in few chunks
        weighs much, one in most chunks little, and a word no chunk holds the most."""
        return math.log((self.chunks + 1) / (self.counts.get(word, 0) + 0.5))


def term_share(terms: set[str], held: set[str], vocabulary: Vocabulary | None = None) -> float:
    """The share of ``terms`` found in ``held``; with a vocabulary each term counts by its IDF,
    so a rare name outweighs "many" or "policy" (the refusal rule's coverage, the extractor's
    sentence score)."""
    weight = vocabulary.idf if vocabulary is not None else (lambda _word: 1.0)
    total = sum(weight(t) for t in terms)
    return sum(weight(t) for t in terms & held) / total if total > 0 else 0.0
