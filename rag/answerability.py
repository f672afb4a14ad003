"""Whether the retrieved passages can answer the question, decided in code (no model call).

Two signals, both cheap and available for every question:
- the best dense cosine (E5 scores of related text cluster high, so the threshold is
  calibrated, not intuitive: see EVAL.md "refusal" and bench/calibrate_refusal.py);
- lexical coverage: the share of the question's content terms found in the best passages
  (keeps keyword-only indexes honest too).
A question is refused when neither clears its threshold.
"""
from __future__ import annotations

from dataclasses import dataclass

from ingest.lexical import query_terms, tokenize
from rag.passages import Passage

# Calibrated on ../shared/eval (answerable dev questions vs. the other set's questions as
# unanswerable), see EVAL.md "refusal". Override with DOCQA_REFUSAL_THRESHOLD (dense).
DEFAULT_DENSE_THRESHOLD = 0.86
DEFAULT_COVERAGE_THRESHOLD = 0.5


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
        # With vectors, the dense score decides; coverage rescues exact-term questions
        # (codes, names) that embed poorly.
        ok = best_dense >= dense_threshold or (cov >= 0.99 and best_dense >= dense_threshold - 0.03)
        reason = f"best match {best_dense:.3f} (threshold {dense_threshold:.3f}), term coverage {cov:.2f}"
    else:
        ok = cov >= coverage_threshold
        reason = f"term coverage {cov:.2f} (threshold {coverage_threshold:.2f}; keyword search only)"
    return Decision(ok, best_dense, cov, reason)
