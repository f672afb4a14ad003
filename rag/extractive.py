"""Answers without a model: the passage sentences that best match the question, cited.

Used with --no-llm and whenever the chat model cannot be loaded; the answer is labelled as
extracted so nobody mistakes it for a written one.
"""
from __future__ import annotations

import re
from typing import Callable, Sequence

from ingest.lexical import query_terms, tokenize
from ingest.textutil import is_cjk
from rag.citations import heading_key, passage_headings
from rag.passages import Passage, text_units
from rag.vocabulary import Vocabulary, term_share

MAX_SENTENCES = 3
RELATIVE_FLOOR = 0.5  # a passage's best sentence must score at least this share of the best one
# Weight of a sentence's meaning match (its embedding's cosine to the question's, min-max scaled
# over the shown sentences) next to its term share (Settings.extract_meaning_weight): "事假一年最多能请
# 几天？" shares "事假" with the sentence on how unpaid leave is deducted, and means the one that caps it
# ("事假原则上每次不超过3天，全年累计不超过15天"). Measured: EVAL.md "Extracted sentences weigh meaning".
MEANING_WEIGHT = 0.5
# The cosines of the question to each sentence given (the embedding model's), or None without one.
SentenceSimilarity = Callable[[Sequence[str]], Sequence[float]]


def sentence_score(sentence: str, terms: set[str], vocabulary: Vocabulary | None = None) -> float:
    """The share of the question's terms the sentence holds (IDF-weighted with a vocabulary),
    plus a little for every term held."""
    tokens = set(tokenize(sentence))
    if not tokens or not terms:
        return 0.0
    return term_share(terms, tokens, vocabulary) + 0.01 * min(len(tokens & terms), 5)


# A table of contents' or an index's entry, its leader dots written as one "…" at ingest ("2.4
# Library Notes … 4", "asn1_dup_node … 11"): it holds the question's words and answers nothing.
_CONTENTS_ENTRY = re.compile(r"…\s*\d{1,4}\b")


def _is_lead_in(sentence: str) -> bool:
    """A question or a bare heading ("When will I be paid back?", "Exceptions"): the answer
    is in what follows it."""
    s = sentence.strip()
    if s.endswith(("?", "？", ":", "：")):
        return True
    if re.search(r"[.。!！;；]$", s):
        return False
    if any(is_cjk(ch) for ch in s):
        # Chinese has no spaces to count words by: a heading is short and holds no clause break
        # ("二、报名方式"); "（二）迟到超过15分钟的，每次扣款100元" is a rule whose full stop the PDF lost.
        return len(s) <= 20 and not re.search(r"[，,；;]", s)
    return len(s.split()) <= 5 and len(s) < 40


def extract(question: str, passages: list[Passage], max_sentences: int = MAX_SENTENCES,
            vocabulary: Vocabulary | None = None, similarity: SentenceSimilarity | None = None,
            meaning_weight: float = MEANING_WEIGHT) -> str:
    """"sentence[1] sentence[2]" from the top passages (passage numbers as given).

    With the index's vocabulary a term weighs by its rarity: in a handbook where every section
    names "the standing trustee", "When is the annual report due?" is answered by the sentence
    with "due" ("The report is due 45 days after ..."), not by the one repeating the subject
    ("The standing trustee must submit an annual report ..."). Rarity over the whole index, not
    over the shown passages: that local variant was tried and was noise (EVAL.md)."""
    best_per_passage = _best_per_passage(question, passages, vocabulary, similarity, meaning_weight)
    if not best_per_passage:
        return ""
    top = max(b[0] for b in best_per_passage)
    kept = sorted((b for b in best_per_passage if b[0] >= RELATIVE_FLOOR * top), reverse=True)
    # The same sentence in another passage (a notice copied onto several pages) is said once,
    # citing each: it was shown up to three times over (6 of 16 extracted Chinese dev answers).
    markers: dict[str, str] = {}  # the sentences said, by their text with spacing normalised -> markers
    said: dict[str, str] = {}  # ...and as written
    used = 0
    for _, n, sentences in sorted(kept[:max_sentences], key=lambda b: b[1]):
        if used >= max_sentences + 1:
            break
        text = " ".join(sentences)
        key = " ".join(text.split())
        if key not in markers:
            said[key], markers[key] = text, ""
            used += len(sentences)
        markers[key] += f"[{n}]"
    return " ".join(said[key] + marks for key, marks in markers.items())


def _best_per_passage(question: str, passages: list[Passage], vocabulary: Vocabulary | None,
                      similarity: SentenceSimilarity | None = None,
                      meaning_weight: float = MEANING_WEIGHT) -> list[tuple[float, int, list[str]]]:
    """Each passage's best sentence (with the one after it when it is a lead-in): its score,
    weighed down a little by the passage's rank, the passage's number and the sentences."""
    terms = set(query_terms(question))
    candidates: list[tuple[int, Passage, list[str]]] = []
    for n, passage in enumerate(passages, 1):
        # A heading of the passage ("COVERED SERVICES: Allergy Testing and Treatment") holds the
        # question's words most densely of all and says nothing: it was extracted as the answer's
        # first sentence, or glued before it as a lead-in (4 of 100 contoso --no-llm answers).
        headings = passage_headings([passage])
        # A table row is one record: split at its ";" a field was extracted alone, and read as a
        # lead-in it was glued to the next row's first field.
        units = text_units(passage.body, passage.is_table)
        sentences = [s for s in units if heading_key(s) not in headings and not _CONTENTS_ENTRY.search(s)]
        if sentences:
            candidates.append((n, passage, sentences))
    meaning = _meaning_scores([s for _, _, sentences in candidates for s in sentences],
                              similarity if meaning_weight > 0 else None)
    best_per_passage: list[tuple[float, int, list[str]]] = []  # score, passage n, sentences
    at = 0
    for n, passage, sentences in candidates:
        # Meaning ranks only sentences holding some of the question's terms: one sharing none
        # is not extracted, whatever it means. It is scaled over all the shown sentences (scaled
        # over those holding terms only, 3 of 238 dev answers were worse: EVAL.md).
        scored = [(score + meaning_weight * meaning[at + i] if score > 0 else 0.0, i)
                  for i, score in enumerate(sentence_score(s, terms, vocabulary) for s in sentences)]
        at += len(sentences)
        score, i = max(scored, key=lambda t: (t[0], -t[1]))
        if score <= 0:
            continue
        chosen = [sentences[i]]
        if not passage.is_table and _is_lead_in(sentences[i]) and i + 1 < len(sentences):
            chosen.append(sentences[i + 1])
        # earlier passages rank higher in retrieval: weigh that in
        best_per_passage.append((score * (1.0 - 0.1 * (n - 1)), n, chosen))
    return best_per_passage


def _meaning_scores(sentences: list[str], similarity: SentenceSimilarity | None) -> list[float]:
    """Each sentence's cosine to the question, min-max scaled over these sentences (E5's cosines
    sit in a narrow band: 0.78 against 0.86 is a large difference); zeros without a model."""
    if similarity is None or len(sentences) < 2:
        return [0.0] * len(sentences)
    cosines = [float(c) for c in similarity(sentences)]
    low, high = min(cosines), max(cosines)
    return [(c - low) / (high - low) if high > low else 0.0 for c in cosines]


def best_sentence(question: str, passages: list[Passage], vocabulary: Vocabulary | None = None) -> str | None:
    """The sentence ``extract`` would put first: the one holding most of the question's terms,
    weighed by their rarity and the passage's rank; None when no sentence holds any."""
    candidates = _best_per_passage(question, passages, vocabulary)
    return " ".join(max(candidates, key=lambda b: (b[0], -b[1]))[2]) if candidates else None
