"""Ask a handful of questions with the real model and print answers side by side per setting.

For quick, qualitative checks of prompt and decoding choices before a full `docqa eval`:

    python bench/answer_probe.py --index IDX --questions data/sample_questions.jsonl --limit 8 \
        --set prompt_style=label-first --set prompt_style=label-last
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.settings import Settings  # noqa: E402
from rag.answer import Answerer  # noqa: E402
from rag.eval.metrics import judge_answer, load_questions  # noqa: E402
from rag.retrieval import Retriever  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=8)
    parser.add_argument("--ids", nargs="*", default=None)
    parser.add_argument("--set", action="append", default=[], help="FIELD=VALUE of Settings; repeat for variants")
    args = parser.parse_args()
    questions = load_questions(args.questions)
    if args.ids:
        questions = [q for q in questions if q.id in set(args.ids)]
    questions = questions[: args.limit]
    base = Settings.load(index_dir=args.index)
    retriever = Retriever(base)
    variants = args.set or ["prompt_style=" + base.prompt_style]
    for q in questions:
        print(f"\n### {q.id}: {q.question}\n    gold: {q.gold_answer}")
        for variant in variants:
            field, value = variant.split("=", 1)
            settings = Settings.load(index_dir=args.index, **{field: value})
            answerer = Answerer(settings, retriever=retriever)
            a = answerer.answer(q.question)
            score = judge_answer(a.text, q, refused=a.refused)
            verdict = "-" if score is None else ("OK " if score.correct else "bad")
            cites = "; ".join(f"[{c.n}] {c.passage.label()}" for c in a.citations)
            t = a.timings
            print(f"  {variant:28} {verdict} {a.mode:10} {t.first_token_s or 0:5.1f}s/{t.total_s:5.1f}s "
                  f"{a.tokens.prompt}+{a.tokens.completion} tok | {json.dumps(a.text, ensure_ascii=False)} | {cites}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
