"""Per-question records, refusal accounting and the aggregate figures of `docqa eval`.

Every figure is a mean over the questions where it applies; a None (not applicable, e.g.
answer metrics in --retrieval-only mode) is left out of the mean and each figure comes with
the count it was taken over, so "0.9 over 10" and "0.9 over 100" are never confused.
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rag.eval.answers import AnswerScore, judge_answer
from rag.eval.questions import Question
from rag.eval.retrieval import RetrievalScore, RetrievedItem, citation_correct, retrieval_scores

REFUSAL_OUTCOMES = ("correct_refusal", "missed_refusal", "false_refusal", "answered")
LATENCY_FIELDS = ("retrieve_s", "first_token_s", "total_s")
TOKEN_FIELDS = ("tokens_in", "tokens_out")


@dataclass(frozen=True)
class Timings:
    retrieve_s: float | None = None
    first_token_s: float | None = None
    total_s: float | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None


@dataclass(frozen=True)
class QuestionRecord:
    """Everything measured for one question; None marks "not measured / not applicable"."""

    question: Question
    retrieval: RetrievalScore | None = None
    answer: str | None = None  # None in --retrieval-only runs
    refused: bool | None = None
    answer_score: AnswerScore | None = None
    citation_ok: bool | None = None
    timings: Timings = Timings()
    citation_own_ok: bool | None = None  # as citation_ok, without the copies shown as "also in"


def refusal_outcome(refused: bool, q: Question) -> str:
    """One of REFUSAL_OUTCOMES: refusing is right exactly when the question should not be
    answered; answering an answerable question is "answered" (its correctness is scored
    separately)."""
    if not q.should_answer:
        return "correct_refusal" if refused else "missed_refusal"
    return "false_refusal" if refused else "answered"


def score_question(
    q: Question,
    ranked: list[RetrievedItem],
    *,
    answer: str | None = None,
    refused: bool | None = None,
    cited: list[RetrievedItem] | None = None,
    timings: Timings = Timings(),
    ks: tuple[int, ...] = (1, 3, 5),
) -> QuestionRecord:
    """Build a record from what the runner observed; pass answer=None for retrieval only."""
    score = judge_answer(answer, q, refused=bool(refused)) if answer is not None else None
    # Citations are judged on answers actually given; a refusal is already counted as a
    # false refusal and a wrong answer, and counting it a third time would blur the figure.
    judged = answer is not None and not refused
    cite = citation_correct(cited or [], q) if judged else None
    own = citation_correct(cited or [], q, copies=False) if judged else None
    return QuestionRecord(q, retrieval_scores(ranked, q, ks), answer, refused, score, cite, timings, own)


def record_to_dict(record: QuestionRecord) -> dict[str, Any]:
    """A JSON-ready dict of one record (for `--out`), with the retrieval figures and the
    refusal outcome spelled out so error analysis needs no recomputation."""
    out = dataclasses.asdict(record)
    out["retrieval"] = record.retrieval.as_dict() if record.retrieval else None
    out["refusal_outcome"] = refusal_outcome(record.refused, record.question) if record.refused is not None else None
    return out


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile: the smallest observed value with at least p% of the values at
    or below it (p50 of 1..10 is 5, p95 is 10). Chosen over interpolation so every figure is a
    latency that was actually observed. None for no values."""
    if not values:
        return None
    if not 0 < p <= 100:
        raise ValueError(f"percentile must be in (0, 100], got {p}")
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def _mean(values: Iterable[float | bool | None]) -> tuple[float | None, int]:
    kept = [float(v) for v in values if v is not None]
    return (sum(kept) / len(kept) if kept else None), len(kept)


def _group(records: list[QuestionRecord]) -> dict[str, Any]:
    out: dict[str, Any] = {"n": len(records)}

    scored = [r.retrieval for r in records if r.retrieval is not None]
    ks = sorted({k for s in scored for k in s.ks})
    retrieval: dict[str, Any] = {"n": len(scored)}
    for level in ("doc", "loc"):
        figures: dict[str, float | None] = {}
        for k in ks:
            figures[f"hit@{k}"] = _mean(getattr(s, f"{level}_hit")(k) for s in scored)[0]
        figures["mrr"] = _mean(getattr(s, f"{level}_rr") for s in scored)[0]
        retrieval["document" if level == "doc" else "location"] = figures
    # The same, counting only the passage's own file (not the copies shown with it).
    own: dict[str, float | None] = {f"hit@{k}": _mean(s.own_loc_hit(k) for s in scored)[0] for k in ks}
    own["mrr"] = _mean(s.own_loc_rr for s in scored)[0]
    retrieval["location_own_file"] = own
    out["retrieval"] = retrieval

    scores = [r.answer_score for r in records if r.answer_score is not None]
    correct, n_correct = _mean(s.correct for s in scores)
    f1, n_f1 = _mean(s.f1 for s in scores)
    recall, _ = _mean(s.recall for s in scores)
    facts, n_facts = _mean(s.key_fact_recall for s in scores)
    out["answer"] = {
        "n": n_correct, "correct": correct, "f1_n": n_f1, "f1": f1, "token_recall": recall,
        "key_fact_n": n_facts, "key_fact_recall": facts,
    }

    cites, n_cites = _mean(r.citation_ok for r in records)
    out["citation"] = {"n": n_cites, "correct": cites, "correct_own_file": _mean(r.citation_own_ok for r in records)[0]}

    answered = [r for r in records if r.refused is not None]
    outcomes = {o: 0 for o in REFUSAL_OUTCOMES}
    for r in answered:
        outcomes[refusal_outcome(bool(r.refused), r.question)] += 1
    n_unans = outcomes["correct_refusal"] + outcomes["missed_refusal"]
    n_ans = outcomes["false_refusal"] + outcomes["answered"]
    out["refusal"] = {
        **outcomes,
        "unanswerable_n": n_unans,
        "refusal_rate": outcomes["correct_refusal"] / n_unans if n_unans else None,
        "answerable_n": n_ans,
        "false_refusal_rate": outcomes["false_refusal"] / n_ans if n_ans else None,
    }

    latency: dict[str, Any] = {}
    for name in LATENCY_FIELDS + TOKEN_FIELDS:
        values = [v for r in records if (v := getattr(r.timings, name)) is not None]
        latency[name] = {
            "n": len(values),
            "mean": _mean(values)[0],
            "p50": percentile(values, 50),
            "p95": percentile(values, 95),
        }
    out["latency"] = latency
    return out


def summarize(records: list[QuestionRecord]) -> dict[str, Any]:
    """Figures overall, by language and by question type (see the module docstring)."""
    by_lang: dict[str, list[QuestionRecord]] = {}
    by_type: dict[str, list[QuestionRecord]] = {}
    for r in records:
        by_lang.setdefault(r.question.lang, []).append(r)
        by_type.setdefault(r.question.type, []).append(r)
    return {
        "overall": _group(records),
        "by_lang": {k: _group(v) for k, v in sorted(by_lang.items())},
        "by_type": {k: _group(v) for k, v in sorted(by_type.items())},
    }


# ---------------------------------------------------------------- terminal table

_COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("n", ("n",)),
    ("doc@1", ("retrieval", "document", "hit@1")),
    ("doc@5", ("retrieval", "document", "hit@5")),
    ("loc@1", ("retrieval", "location", "hit@1")),
    ("loc@3", ("retrieval", "location", "hit@3")),
    ("loc@5", ("retrieval", "location", "hit@5")),
    ("locMRR", ("retrieval", "location", "mrr")),
    ("own@5", ("retrieval", "location_own_file", "hit@5")),
    ("ans", ("answer", "correct")),
    ("F1", ("answer", "f1")),
    ("facts", ("answer", "key_fact_recall")),
    ("cite", ("citation", "correct")),
    ("citeOwn", ("citation", "correct_own_file")),
    ("refuse", ("refusal", "refusal_rate")),
    ("falseRef", ("refusal", "false_refusal_rate")),
    ("ttft50", ("latency", "first_token_s", "p50")),
    ("tot50", ("latency", "total_s", "p50")),
    ("tot95", ("latency", "total_s", "p95")),
)


def _lookup(group: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = group
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _cell(value: Any, header: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, int):
        return str(value)
    if header.startswith(("ttft", "tot")):
        return f"{value:.1f}s"
    return f"{value:.2f}"


def format_table(summary: dict[str, Any]) -> str:
    """A compact fixed-width table: one row overall, one per language and per type; "-"
    where a figure does not apply (e.g. answers in a retrieval-only run). Columns whose
    figure is missing in every row are dropped."""
    rows: list[tuple[str, dict[str, Any]]] = [("overall", summary["overall"])]
    rows += [(f"lang={k}", g) for k, g in summary.get("by_lang", {}).items()]
    rows += [(f"type={k}", g) for k, g in summary.get("by_type", {}).items()]
    columns = [(h, p) for h, p in _COLUMNS if any(_lookup(g, p) is not None for _, g in rows)]
    table = [["", *[h for h, _ in columns]]]
    for label, group in rows:
        table.append([label, *[_cell(_lookup(group, p), h) for h, p in columns]])
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    lines = []
    for row in table:
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)
