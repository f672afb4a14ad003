"""A reply that copies a shown passage from its top instead of answering.

Asked "When can I book first class on a train?", the 0.5B model wrote out the first passage it was
shown, from its heading on: "4.1 Air travel. Flights are booked through TravelDesk at least 14
days before departure ... The class of travel depends on the scheduled flight time ...". Every
sentence is the passage's own, so every one is cited and supported, and the answer is a page of
something else. Asked "婚假有几天？" it wrote out the sick-leave article. The sentence that answers
is usually in another passage or further down; the extracted sentences (rag/extractive.py) find it.

A copy is three or more sentences, every one found word for word in one prose passage, starting
at that passage's top (its heading or first sentence), that leave out the shown sentence best
matching the question. A copied list that starts further down ("The plan covers: • ... • ...") is
an answer and is left alone, as is a table row (a row copied whole is how a rate is answered) and
a passage's opening that holds the best sentence (a definition asked for).
"""
from __future__ import annotations

import re

from ingest.textutil import split_sentences
from rag.citations import strip_markers
from rag.extractive import best_sentence
from rag.passages import Passage
from rag.vocabulary import Vocabulary

MIN_SENTENCES = 3
# The copy's first sentence is among the passage's first this many (its heading, then its opening).
TOP_SENTENCES = 2

_BULLET = re.compile(r"^(?:[-•*·]|\d{1,2}[.)、])\s*")


def _plain(sentence: str) -> str:
    """A sentence as compared: no markers, no bullet, no whitespace (the model respaces)."""
    return re.sub(r"\s+", "", _BULLET.sub("", strip_markers(sentence).strip()))


def copied_passage(claims: str, passages: list[Passage], texts: list[str], question: str,
                   vocabulary: Vocabulary | None = None) -> int | None:
    """The prompt number (1-based) of the prose passage the reply copies from its top, or None.
    ``texts`` are the passages as the model saw them. A copy holding the shown sentence that best
    matches the question (rag.extractive.best_sentence) answers from the passage's top ("What is
    the role of coinsurance?": "Coinsurance is a cost-sharing requirement ...", the passage's
    opening) and is not counted."""
    said = [s for s in map(_plain, split_sentences(strip_markers(claims))) if s]
    if len(said) < MIN_SENTENCES:
        return None
    for n, (passage, text) in enumerate(zip(passages, texts), 1):
        if passage.is_table:
            continue
        own = [s for s in map(_plain, split_sentences(text)) if s]
        whole = "".join(own)
        if said[0] in own[:TOP_SENTENCES] and all(s in whole for s in said):
            best = best_sentence(question, passages, vocabulary)
            answering = [s for s in map(_plain, split_sentences(best or "")) if s]
            return None if answering and answering[-1] in "".join(said) else n
    return None
