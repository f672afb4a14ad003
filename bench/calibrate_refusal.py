"""Calibrate the refusal threshold (rag/answerability.py) on real questions.

Four domains: the two dev sets in ../shared/eval, the project's own samples (data/) and
questions written for this project over the real documents of ../shared/eval/parse-corpus
(bench/newdomains/questions.jsonl: a Word handbook, an Excel report, a PDF table, Chinese Word
and Excel files; the corpus's broken files are reported and skipped as in any batch).
Answerable: each set's questions that should be answered, and for the samples also
bench/refusal/samples_everyday.jsonl (short everyday questions, written for this project: the
dev sets' questions are long and specific, and a threshold fitted to them alone refused 3 of 30
of these). Unanswerable: the others plus bench/refusal/*_negatives.jsonl, written for this
project (in-domain questions whose answer is not in the documents, plus a few off-topic ones;
each checked against the documents).
For every question the retriever's best dense score and term coverage are recorded, then
thresholds on the support score (rag.answerability.support_score) are swept; prints refusal
recall (unanswerable refused) and false-refusal rate (answerable refused) per set, and the
highest threshold whose false refusals stay at or below MAX_FALSE_REFUSAL on every set.

    python bench/calibrate_refusal.py [--chunk-tokens 320] [--json OUT]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.pipeline import ingest  # noqa: E402
from ingest.settings import Settings  # noqa: E402
from rag.answerability import DEFAULT_COVERAGE_THRESHOLD, coverage, support_score  # noqa: E402
from rag.eval.metrics import load_questions  # noqa: E402
from rag.eval.runner import default_eval_index  # noqa: E402
from rag.retrieval import Retriever  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"
MAX_FALSE_REFUSAL = 0.02
REFUSAL = ROOT / "bench" / "refusal"
# set name -> (document folder, question files: its own, and those written for this project)
SETS = {
    "contoso_hr_en": (EVAL / "contoso_hr_en", [EVAL / "contoso_hr_en" / "questions.jsonl",
                                               REFUSAL / "contoso_negatives.jsonl"]),
    "domainrag_zh": (EVAL / "domainrag_zh", [EVAL / "domainrag_zh" / "questions.jsonl",
                                             REFUSAL / "domainrag_negatives.jsonl"]),
    # A third domain and mixed formats (PDF, DOCX, XLSX, Markdown; English and Chinese): the
    # project's own sample documents, so a threshold is not fitted to the two dev sets alone.
    "samples": (ROOT / "data", [ROOT / "data" / "sample_questions.jsonl", REFUSAL / "samples_everyday.jsonl",
                                REFUSAL / "samples_negatives.jsonl"]),
    # Other domains and formats, as the held-out set has: answerable and unanswerable in one file.
    "newdomains": (EVAL / "parse-corpus", [ROOT / "bench" / "newdomains" / "questions.jsonl"]),
}


def collect(settings: Settings, k: int) -> list[dict]:
    rows = []
    for name, (docs, question_files) in SETS.items():
        s = settings.replace(index_dir=default_eval_index(docs, settings))
        ingest([docs], s)
        retriever = Retriever(s)
        for path in question_files:
            for q in load_questions(path):
                answerable = q.should_answer
                result = retriever.search(q.question, k)
                passages = result.passages
                top = max((p.scores.dense for p in passages if p.scores.dense is not None), default=None)
                # coverage of the question as searched (spelling corrected), as rag.answer decides;
                # the plain share too, for the keyword-only rule
                searched = result.query or q.question
                rows.append({"set": name, "id": q.id, "answerable": answerable, "dense": top,
                             "coverage": coverage(searched, passages, vocabulary=retriever.vocabulary()),
                             "plain_coverage": coverage(searched, passages), "question": q.question})
    return rows


def sweep(rows: list[dict]) -> list[dict]:
    out = []
    for i in range(160, 191):
        t = i / 200
        pos = [r for r in rows if r["answerable"]]
        neg = [r for r in rows if not r["answerable"]]
        refused = lambda r: not decide_row(r, t)  # noqa: E731
        recall = sum(refused(r) for r in neg) / max(1, len(neg))
        false_rate = sum(refused(r) for r in pos) / max(1, len(pos))
        out.append({"threshold": t, "refusal_recall": round(recall, 3), "false_refusal": round(false_rate, 3),
                    "balanced_accuracy": round((recall + 1 - false_rate) / 2, 3)})
    return out


def _at(report: dict, threshold: float) -> list[dict]:
    return [next(r for r in report[name]["sweep"] if r["threshold"] == threshold) for name in SETS]


def decide_row(row: dict, threshold: float) -> bool:
    """The same rule as rag.answerability.decide, on recorded scores."""
    if row["dense"] is None:
        return row["plain_coverage"] >= DEFAULT_COVERAGE_THRESHOLD
    return support_score(row["dense"], row["coverage"]) >= threshold


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunk-tokens", type=int, default=None)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--json", type=Path, default=None, help="write per-question scores and the sweep here")
    args = parser.parse_args()
    settings = Settings.load(chunk_tokens=args.chunk_tokens)
    rows = collect(settings, args.k)
    report = {}
    for name in [*SETS, "all"]:
        subset = [r for r in rows if name == "all" or r["set"] == name]
        table = sweep(subset)
        best = max(table, key=lambda r: (r["balanced_accuracy"], -r["false_refusal"]))
        report[name] = {"best": best, "sweep": table}
        print(f"{name}: best threshold {best['threshold']:.2f}: refuses {best['refusal_recall']:.0%} of unanswerable, "
              f"{best['false_refusal']:.0%} of answerable (balanced accuracy {best['balanced_accuracy']:.3f})")
        for r in table[::4]:
            print(f"   t={r['threshold']:.2f} refusal recall {r['refusal_recall']:.2f} false refusals {r['false_refusal']:.2f}")
    safe = [t["threshold"] for t in report["all"]["sweep"]
            if all(r["false_refusal"] <= MAX_FALSE_REFUSAL for r in _at(report, t["threshold"]))]
    if safe:
        t = max(safe)
        cells = ", ".join(f"{n} {r['refusal_recall']:.2f} / {r['false_refusal']:.2f}" for n, r in zip(SETS, _at(report, t)))
        print(f"highest threshold with false refusals <= {MAX_FALSE_REFUSAL:.0%} on every set: {t:.3f} "
              f"(refusal recall / false refusals: {cells})")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "report": report}, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
