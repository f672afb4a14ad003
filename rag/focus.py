"""A long passage shown to the model as the run of its sentences around the one that best matches
the question (an option, off by default: EVAL.md "Passage focus").

A 0.5B model copies what opens a passage: "婚假有几天？" was answered with the sick-leave article
that opens a merged leave chapter whose fourth article gives the marriage leave. The passage
keeps its label (document, page, section) and its full text for citations; only the text the
model reads is cut, at sentence boundaries, never inside one.
"""
from __future__ import annotations

from typing import Callable

from ingest.lexical import query_terms
from ingest.textutil import join_sentences, split_sentences
from rag.extractive import sentence_score
from rag.passages import Passage
from rag.vocabulary import Vocabulary


def focused_text(passage: Passage, question: str, count_tokens: Callable[[str], int], max_tokens: int,
                 vocabulary: Vocabulary | None = None) -> str:
    """The passage body, or, when it is longer than ``max_tokens``, the longest run of whole
    sentences within ``max_tokens`` around its best-matching sentence (grown one sentence after,
    then one before, in turn; that sentence alone even where it is longer). Table rows are kept
    whole: each row is its own record."""
    body = passage.body
    if passage.is_table or count_tokens(body) <= max_tokens:
        return body
    sentences = split_sentences(body)
    if len(sentences) < 3:
        return body
    terms = set(query_terms(question))
    scores = [sentence_score(s, terms, vocabulary) for s in sentences]
    if max(scores) <= 0:
        return body
    best = max(range(len(sentences)), key=lambda i: (scores[i], -i))
    lo = hi = best

    def fits(first: int, last: int) -> bool:
        return count_tokens(join_sentences(sentences[first:last + 1])) <= max_tokens

    grown = True
    while grown:  # one sentence after, then one before, while the run fits
        grown = False
        if hi + 1 < len(sentences) and fits(lo, hi + 1):
            hi, grown = hi + 1, True
        if lo > 0 and fits(lo - 1, hi):
            lo, grown = lo - 1, True
    return join_sentences(sentences[lo:hi + 1])
