"""Prompt-lookup decoding against plain greedy decoding, on real questions with the real model.

    python bench/bench_prompt_lookup.py --index IDX --questions QUESTIONS.jsonl [--limit 12] [--tokens 10]
        [--tokens 5 --tokens 20] [--out FILE.json]

Each question is answered once per setting (``prompt_lookup_tokens`` 0 = off, then each
``--tokens``) by the full answer path (retrieval, prompt, generation, citations), with the order
of the settings rotated from one question to the next, so a busy machine slows every setting
alike. Printed per setting: median whole-answer and first-token time, decode tokens/s (tokens
after the first, per second after the first), each as a ratio to "off" in this same run; and how
many answers came out identical to the "off" answer (greedy decoding: they should, up to
near-ties in bf16 arithmetic). Only answers the model wrote count towards the times.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.settings import Settings  # noqa: E402
from rag.answer import Answerer  # noqa: E402
from rag.eval.questions import load_questions  # noqa: E402
from rag.retrieval import Retriever  # noqa: E402


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _ratio(value: float | None, base: float | None) -> str:
    return f"x{value / base:.2f}" if value and base else "-"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=12)
    parser.add_argument("--tokens", type=int, action="append", default=[], help="prompt-lookup tokens to try (repeat)")
    parser.add_argument("--out", type=Path, help="write every answer and timing here (JSON)")
    args = parser.parse_args()
    settings_list = [0, *(args.tokens or [10])]
    questions = [q for q in load_questions(args.questions) if q.should_answer][: args.limit]
    base = Settings.load(index_dir=args.index)
    retriever = Retriever(base)
    answerers = {n: Answerer(base.replace(prompt_lookup_tokens=n), retriever=retriever) for n in settings_list}
    answerers[0].answer(questions[0].question)  # warm-up: model load and first-call costs
    rows = []
    for i, q in enumerate(questions):
        order = settings_list[i % len(settings_list):] + settings_list[: i % len(settings_list)]
        row = {"id": q.id}
        for n in order:
            a = answerers[n].answer(q.question)
            t = a.timings
            decode = None
            if a.mode == "llm" and t.first_token_s and a.tokens.completion > 1 and t.total_s > t.first_token_s:
                decode = (a.tokens.completion - 1) / (t.total_s - t.first_token_s)
            row[n] = {"text": a.text, "mode": a.mode, "first_token_s": t.first_token_s, "total_s": t.total_s,
                      "tokens_out": a.tokens.completion, "decode_tok_s": decode}
        rows.append(row)
        cells = "  ".join(f"{n}: {row[n]['total_s']:.1f}s" for n in settings_list)
        same = all(row[n]["text"] == row[0]["text"] for n in settings_list)
        print(f"{q.id:24} {cells}  out {row[0]['tokens_out']} tok  {'same' if same else 'DIFFERENT'}", flush=True)

    written = [r for r in rows if all(r[n]["mode"] == "llm" for n in settings_list)]
    print(f"\n{len(written)} of {len(rows)} questions answered by the model under every setting")
    base_total = _median([r[0]["total_s"] for r in written])
    base_first = _median([r[0]["first_token_s"] for r in written if r[0]["first_token_s"]])
    base_decode = _median([r[0]["decode_tok_s"] for r in written if r[0]["decode_tok_s"]])
    print(f"{'lookup tokens':>14} {'whole answer p50':>18} {'first token p50':>17} {'decode tok/s p50':>17}  identical to off")
    for n in settings_list:
        total = _median([r[n]["total_s"] for r in written])
        first = _median([r[n]["first_token_s"] for r in written if r[n]["first_token_s"]])
        decode = _median([r[n]["decode_tok_s"] for r in written if r[n]["decode_tok_s"]])
        same = sum(r[n]["text"] == r[0]["text"] for r in rows)
        label = "off" if n == 0 else str(n)
        print(f"{label:>14} {total or 0:8.2f} s {_ratio(total, base_total):>7} {first or 0:7.2f} s {_ratio(first, base_first):>7}"
              f" {decode or 0:8.1f} {_ratio(decode, base_decode):>7}  {same} of {len(rows)}")
    if args.out:
        args.out.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
