"""Whether the retrieved passages can answer the question, decided in code (no model call).

Two signals, both cheap and available for every question:
- the best dense cosine (E5 scores of related text cluster high, so the threshold is
  calibrated, not intuitive: see EVAL.md "Refusal threshold" and bench/calibrate_refusal.py);
- lexical coverage: how much of the question's content the best passages hold, each term
  weighed by its rarity in the index (BM25's IDF, rag.vocabulary).
With vectors the question is answered when ``best cosine + COVERAGE_WEIGHT x coverage`` clears
the threshold: cosines alone shift by domain (short rate tables, FAQ entries and PDF tables that
extract as runs of numbers score lower than long plan documents), and a passage holding the
question's own rare terms ("TaylorMade", "Carlsbad") is the evidence that transfers, while a
rare term no passage holds ("Japan" in a report by region) is the mark of a question the
documents do not answer. Keyword-only indexes use the plain share of terms alone.
"""
from __future__ import annotations

from dataclasses import dataclass

from ingest.lexical import query_terms, tokenize
from rag.passages import Passage
from rag.vocabulary import Vocabulary, term_share

# Calibrated on four domains (the two ../shared/eval sets, data/samples with short everyday
# questions, and questions over the real documents of ../shared/eval/parse-corpus: a DOJ
# handbook in Word, a Nestlé segment report in Excel, a table-heavy PDF, Chinese Word files),
# each with unanswerable questions written for it: at 0.90 no answerable question of any of them
# is refused (the lowest support is 0.908) and 24 of 49 unanswerable ones are. Terms weigh by
# rarity since 2026-12-07: with a plain share (weight 0.10) two questions about rows of the PDF
# table scored 0.87 and were refused, and a threshold fitted on any three domains refused 2
# answerable questions of the fourth while refusing 14 unanswerable; weighted, 0 and 26.
# See EVAL.md "Refusal threshold". Override with DOCQA_REFUSAL_THRESHOLD.
DEFAULT_DENSE_THRESHOLD = 0.90
COVERAGE_WEIGHT = 0.15
DEFAULT_COVERAGE_THRESHOLD = 0.5  # keyword-only indexes
# When the model writes nothing usable (markers only, "the documents do not say", text no passage
# holds, a figure none states), the passages' best sentences stand in for it only if the top
# passages hold at least this (IDF-weighted) share of the question's terms; below it the question
# is refused. Two weak signals agreeing: in the default's answered runs of 2026-12-07 (five sets,
# 232 answerable questions) no stand-in under 0.30 was right (the lowest right one: 0.37), while 5
# of the 14 unanswerable questions that got such a reply sit under it; in ten variants' runs one
# stand-in under 0.30 was ever right, once (EVAL.md "The model's empty reply, by term coverage").
STAND_IN_MIN_COVERAGE = 0.30


@dataclass(frozen=True)
class Decision:
    answerable: bool
    dense: float | None  # best dense cosine among the passages
    coverage: float  # share of question terms present in the top passages (IDF-weighted with vectors)
    reason: str


def coverage(question: str, passages: list[Passage], top: int = 3, vocabulary: Vocabulary | None = None) -> float:
    """The share of the question's terms found in the top passages, IDF-weighted with a vocabulary."""
    seen: set[str] = set()
    for p in passages[:top]:
        seen.update(tokenize(p.text))
    return term_share(set(query_terms(question)), seen, vocabulary)


def support_score(best_dense: float, term_coverage: float) -> float:
    """What the threshold is compared with: the best cosine, raised by term coverage (a
    passage holding every term of the question gets COVERAGE_WEIGHT more)."""
    return best_dense + COVERAGE_WEIGHT * term_coverage


def stand_in_allowed(decision: Decision) -> bool:
    """Whether extracted sentences may stand in for a model reply with nothing usable (see
    STAND_IN_MIN_COVERAGE). Keyword-only indexes decide on the plain share already, so their
    extraction stands as before."""
    return decision.dense is None or decision.coverage >= STAND_IN_MIN_COVERAGE


def decide(
    question: str,
    passages: list[Passage],
    dense_threshold: float = DEFAULT_DENSE_THRESHOLD,
    coverage_threshold: float = DEFAULT_COVERAGE_THRESHOLD,
    vocabulary: Vocabulary | None = None,
) -> Decision:
    if not passages:
        return Decision(False, None, 0.0, "no passage matches the question")
    dense_scores = [p.scores.dense for p in passages if p.scores.dense is not None]
    best_dense = max(dense_scores) if dense_scores else None
    if best_dense is not None:
        cov = coverage(question, passages, vocabulary=vocabulary)
        support = support_score(best_dense, cov)
        ok = support >= dense_threshold
        reason = (f"support {support:.3f} (threshold {dense_threshold:.3f}): best match {best_dense:.3f}, "
                  f"term coverage {cov:.2f}")
    else:
        cov = coverage(question, passages)  # the keyword-only threshold is on the plain share
        ok = cov >= coverage_threshold
        reason = f"term coverage {cov:.2f} (threshold {coverage_threshold:.2f}; keyword search only)"
    return Decision(ok, best_dense, cov, reason)
