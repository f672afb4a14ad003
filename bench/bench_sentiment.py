"""Sentiment accuracy of rag.sentiment.classify on the labelled set, per language and prompt variant.

    python bench/bench_sentiment.py --llm /work/models/qwen2.5-coder-0.5b-instruct \
        [--set bench/sentiment_set.jsonl] [--variants all|name,name] [--dtype auto|bf16|fp32] [--json]

For each variant: accuracy overall and per language (zh / en), macro-F1, a confusion matrix
(gold label per row, predicted label per column) and the mean time per text. The set is
bench/sentiment_set.jsonl: short employee / customer feedback written for this project, balanced
across labels and languages, one JSON object a line: {"id", "lang", "label", "text"}.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.settings import Settings  # noqa: E402
from rag.sentiment import DEFAULT_VARIANT, LABELS, VARIANTS, classify  # noqa: E402


def load_set(path: Path) -> list[dict[str, str]]:
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for item in items:
        if item.get("label") not in LABELS:
            raise ValueError(f"{path}: {item.get('id')}: label must be one of {LABELS}")
    return items


def evaluate(items: list[dict[str, str]], llm: Any, variant: str) -> dict[str, Any]:
    confusion = {lang: {g: {p: 0 for p in LABELS} for g in LABELS} for lang in ("zh", "en")}
    errors: list[dict[str, Any]] = []
    started = time.perf_counter()
    for item in items:
        result = classify(item["text"], llm, variant)
        confusion[item["lang"]][item["label"]][result.label] += 1
        if result.label != item["label"]:
            errors.append({"id": item["id"], "gold": item["label"], "predicted": result.label,
                           "score": round(result.score, 3)})
    seconds = time.perf_counter() - started
    out: dict[str, Any] = {"variant": variant, "n": len(items), "ms_per_text": round(1000 * seconds / len(items), 1)}
    for lang in ("zh", "en", "all"):
        matrix = _sum(confusion) if lang == "all" else confusion[lang]
        total = sum(sum(row.values()) for row in matrix.values())
        right = sum(matrix[g][g] for g in LABELS)
        out[lang] = {"n": total, "accuracy": round(right / total, 3) if total else None,
                     "macro_f1": _macro_f1(matrix), "confusion": matrix}
    out["errors"] = errors
    return out


def _sum(confusion: dict[str, dict[str, dict[str, int]]]) -> dict[str, dict[str, int]]:
    return {g: {p: sum(confusion[lang][g][p] for lang in confusion) for p in LABELS} for g in LABELS}


def _macro_f1(matrix: dict[str, dict[str, int]]) -> float:
    f1s = []
    for label in LABELS:
        tp = matrix[label][label]
        predicted = sum(matrix[g][label] for g in LABELS)
        gold = sum(matrix[label].values())
        precision = tp / predicted if predicted else 0.0
        recall = tp / gold if gold else 0.0
        f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return round(sum(f1s) / len(f1s), 3)


def format_report(results: list[dict[str, Any]], model: str) -> str:
    lines = [f"model: {model} · {date.today().isoformat()} · default variant: {DEFAULT_VARIANT}", "",
             "| variant | acc all | acc zh | acc en | macro-F1 | ms/text |", "|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['variant']} | {r['all']['accuracy']:.3f} | {r['zh']['accuracy']:.3f} | "
                     f"{r['en']['accuracy']:.3f} | {r['all']['macro_f1']:.3f} | {r['ms_per_text']} |")
    for r in results:
        lines += ["", f"confusion, {r['variant']} (rows gold, columns predicted; zh / en):", "",
                  "| gold \\ predicted | " + " | ".join(LABELS) + " |", "|---|---|---|---|"]
        for g in LABELS:
            cells = [f"{r['zh']['confusion'][g][p]} / {r['en']['confusion'][g][p]}" for p in LABELS]
            lines.append(f"| {g} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--llm", required=True, help="chat model: local folder, .gguf file or hub id")
    parser.add_argument("--set", type=Path, default=ROOT / "bench" / "sentiment_set.jsonl")
    parser.add_argument("--variants", default="all", help=f"'all' or a comma list of: {', '.join(VARIANTS)}")
    parser.add_argument("--dtype", default="auto", choices=("auto", "bf16", "fp32"))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from rag.generation import load_llm

    variants = list(VARIANTS) if args.variants == "all" else [v.strip() for v in args.variants.split(",")]
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        parser.error(f"unknown variants {unknown}; valid: {', '.join(VARIANTS)}")
    items = load_set(args.set)
    settings = Settings.load(llm=args.llm)
    started = time.perf_counter()
    llm = load_llm(args.llm, settings, dtype=args.dtype)
    print(f"loaded {args.llm} ({llm.dtype}) in {time.perf_counter() - started:.1f} s; {len(items)} texts",
          file=sys.stderr)
    results = []
    for variant in variants:
        results.append(evaluate(items, llm, variant))
        r = results[-1]
        print(f"{variant}: acc {r['all']['accuracy']:.3f} (zh {r['zh']['accuracy']:.3f}, en {r['en']['accuracy']:.3f})",
              file=sys.stderr)
    if args.json:
        print(json.dumps({"model": args.llm, "dtype": llm.dtype, "results": results}, ensure_ascii=False, indent=2))
    else:
        print(format_report(results, f"{args.llm} ({llm.dtype})"))
        for r in results:
            if r["errors"]:
                print(f"\nerrors, {r['variant']}: " + ", ".join(f"{e['id']}→{e['predicted']}" for e in r["errors"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
