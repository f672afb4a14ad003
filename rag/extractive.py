"""Answers without a model: the passage sentences that best match the question, cited.

Used with --no-llm and whenever the chat model cannot be loaded; the answer is labelled as
extracted so nobody mistakes it for a written one.
"""
from __future__ import annotations

from ingest.lexical import query_terms, tokenize
from ingest.textutil import split_sentences
from rag.passages import Passage

MAX_SENTENCES = 3


def _score(sentence: str, terms: set[str]) -> float:
    tokens = set(tokenize(sentence))
    if not tokens or not terms:
        return 0.0
    hit = len(tokens & terms)
    return hit / len(terms) + 0.01 * min(hit, 5)


def extract(question: str, passages: list[Passage], max_sentences: int = MAX_SENTENCES) -> str:
    """"sentence [1] sentence [2]" from the top passages (passage numbers as given)."""
    terms = set(query_terms(question))
    picked: list[tuple[float, int, int, str]] = []  # score, passage n, sentence index, text
    for n, passage in enumerate(passages, 1):
        sentences = split_sentences(passage.body)
        scored = sorted(((_score(s, terms), i, s) for i, s in enumerate(sentences)), reverse=True)
        if scored and scored[0][0] > 0:
            score, i, sentence = scored[0]
            # earlier passages rank higher in retrieval: weigh that in
            picked.append((score * (1.0 - 0.1 * (n - 1)), n, i, sentence))
    picked.sort(reverse=True)
    chosen = picked[:max_sentences]
    chosen.sort(key=lambda t: (t[1], t[2]))
    return " ".join(f"{s}[{n}]" for _, n, _, s in chosen)
