"""Whether the retrieved passages can answer the question, decided in code (no model call).

Two signals, both cheap and available for every question:
- the best dense cosine (E5 scores of related text cluster high, so the threshold is
  calibrated, not intuitive: see EVAL.md "refusal" and bench/calibrate_refusal.py);
- lexical coverage: the share of the question's content terms found in the best passages.
With vectors the question is answered when ``best cosine + COVERAGE_WEIGHT x coverage`` clears
the threshold: cosines alone shift by domain (short rate tables and FAQ entries score lower
than long plan documents), and a passage holding the question's own terms is the evidence that
transfers. Keyword-only indexes use coverage alone.
"""
from __future__ import annotations

from dataclasses import dataclass

from ingest.lexical import query_terms, tokenize
from rag.passages import Passage

# Calibrated on three domains (the two ../shared/eval sets and data/samples, each with
# unanswerable questions written for it, the samples also with short everyday questions): the
# highest threshold that keeps false refusals at or below 2% on every one of them (at 0.90 none
# is refused, the lowest answerable support being 0.905; 0.905 refuses 1 of 48 samples).
# Since 2026-12-07 coverage weighs 0.10 (was 0.05): 30 short everyday questions over the samples
# ("What is the per diem in Tokyo?") have low cosines against long rows and pages but hold every
# term; at 0.05 no threshold refusing none of them refused more than 16 of the 45 unanswerable
# ones, at 0.10 / 0.90 22 (as many as 0.05 / 0.885 did while refusing 3 everyday ones).
# See EVAL.md "Refusal threshold". Override with DOCQA_REFUSAL_THRESHOLD.
DEFAULT_DENSE_THRESHOLD = 0.90
COVERAGE_WEIGHT = 0.10
DEFAULT_COVERAGE_THRESHOLD = 0.5  # keyword-only indexes


@dataclass(frozen=True)
class Decision:
    answerable: bool
    dense: float | None  # best dense cosine among the passages
    coverage: float  # share of question terms present in the top passages
    reason: str


def coverage(question: str, passages: list[Passage], top: int = 3) -> float:
    terms = set(query_terms(question))
    if not terms:
        return 0.0
    seen: set[str] = set()
    for p in passages[:top]:
        seen.update(tokenize(p.text))
    return len(terms & seen) / len(terms)


def support_score(best_dense: float, term_coverage: float) -> float:
    """What the threshold is compared with: the best cosine, raised by term coverage (a
    passage holding every term of the question gets COVERAGE_WEIGHT more)."""
    return best_dense + COVERAGE_WEIGHT * term_coverage


def decide(
    question: str,
    passages: list[Passage],
    dense_threshold: float = DEFAULT_DENSE_THRESHOLD,
    coverage_threshold: float = DEFAULT_COVERAGE_THRESHOLD,
) -> Decision:
    if not passages:
        return Decision(False, None, 0.0, "no passage matches the question")
    dense_scores = [p.scores.dense for p in passages if p.scores.dense is not None]
    best_dense = max(dense_scores) if dense_scores else None
    cov = coverage(question, passages)
    if best_dense is not None:
        support = support_score(best_dense, cov)
        ok = support >= dense_threshold
        reason = (f"support {support:.3f} (threshold {dense_threshold:.3f}): best match {best_dense:.3f}, "
                  f"term coverage {cov:.2f}")
    else:
        ok = cov >= coverage_threshold
        reason = f"term coverage {cov:.2f} (threshold {coverage_threshold:.2f}; keyword search only)"
    return Decision(ok, best_dense, cov, reason)
