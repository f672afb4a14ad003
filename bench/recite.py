"""Re-score citations of recorded answers under other attribution rules, without generating again.

A full answered evaluation takes 10-50 minutes here; the citation rules (rag/citations.py) only
need what the model wrote (``raw`` in a `docqa eval --out` file) and the passages it was shown.
This script rebuilds each prompt exactly as `docqa ask` does (same retrieval, same budget, the
model's own tokenizer for the count), runs `cite` on the recorded text with the rule's knobs set
as given, and prints citation correctness per setting.

    python bench/recite.py --records contoso.jsonl \
        --questions ../shared/eval/contoso_hr_en/questions.jsonl --docs ../shared/eval/contoso_hr_en \
        --setting tie=0,max=2 --setting tie=0.1,max=2

Only answers the model wrote (mode "llm") are re-cited; the others keep their recorded verdict.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from ingest.settings import Settings
from rag import citations
from rag.answer import UNFINISHED_LEFT_OUT, Answerer, drop_unfinished, reply_claims
from rag.eval.metrics import load_questions
from rag.eval.retrieval import citation_correct
from rag.eval.runner import default_eval_index, to_item

KNOBS = {"tie": "ATTRIBUTE_TIE", "max": "ATTRIBUTE_MAX_PASSAGES", "min": "ATTRIBUTE_MIN_OVERLAP",
         "margin": "REATTRIBUTE_MARGIN", "figures": "CITE_FIGURE_HOLDER"}


def parse_setting(text: str) -> dict[str, float]:
    out = {}
    for part in filter(None, text.split(",")):
        key, _, value = part.partition("=")
        if key not in KNOBS:
            raise SystemExit(f"unknown knob {key!r}; choose from {sorted(KNOBS)}")
        out[KNOBS[key]] = int(value) if key == "max" else bool(int(value)) if key == "figures" else float(value)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=Path, required=True)
    ap.add_argument("--questions", type=Path, required=True)
    ap.add_argument("--docs", type=Path, required=True)
    ap.add_argument("--setting", action="append", default=[], help="knob=value,... (knobs: %s)" % ", ".join(KNOBS))
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--index", type=Path, help="the index the records were made on (as `docqa eval --index`)")
    ap.add_argument("--flips", action="store_true", help="also list the questions whose verdict a setting changes")
    args = ap.parse_args()

    base = Settings.load()
    settings = base.replace(index_dir=args.index or default_eval_index(args.docs, base))
    questions = {q.id: q for q in load_questions(args.questions)}
    answerer = Answerer(settings)
    llm = answerer.llm()
    if llm is None:
        raise SystemExit(f"the chat model is needed for its tokenizer: {answerer.llm_error}")
    records = [json.loads(line) for line in args.records.open(encoding="utf-8")]

    # The prompt passages of each recorded model answer, rebuilt once.
    shown: dict[str, tuple] = {}
    for r in records:
        qid = r["question"]["id"]
        if r.get("mode") != "llm" or not r.get("raw"):
            continue
        q = questions[qid]
        result = answerer.retriever.search(q.question, args.k)
        prompt = answerer.prompt_for(llm, q.question, q.question, result.query or q.question, result.passages)
        shown[qid] = ([pp.passage for pp in prompt.passages], [pp.text for pp in prompt.passages])

    defaults = {name: getattr(citations, name) for name in KNOBS.values()}
    for label in ["recorded", "default", *args.setting]:
        changes = {} if label in ("recorded", "default") else parse_setting(label)
        for name, value in {**defaults, **changes}.items():
            setattr(citations, name, value)
        ok = n = per_answer = 0
        flips: list[str] = []
        for r in records:
            qid = r["question"]["id"]
            if r.get("citation_ok") is None:
                continue
            n += 1
            if label == "recorded" or qid not in shown:
                ok += bool(r["citation_ok"])
                per_answer += len(r.get("cited", []))
                continue
            passages, texts = shown[qid]
            raw = r["raw"]
            if any(UNFINISHED_LEFT_OUT in note for note in r.get("notes") or []):
                raw = drop_unfinished(raw)  # as `docqa ask` did for a reply cut by its limit
            claims = reply_claims(raw, passages)
            cited = citations.cite(claims, passages, texts).citations
            items = [to_item(c.passage, args.docs) for c in cited]
            verdict = bool(citation_correct(items, questions[qid]))
            ok += verdict
            per_answer += len(items)
            if args.flips and verdict != bool(r["citation_ok"]):
                flips.append(f"{qid} {'+' if verdict else '-'}")
        print(f"{label:30s} citation correct {ok / max(n, 1):.3f} ({ok}/{n}), passages cited per answer "
              f"{per_answer / max(n, 1):.2f}" + (f"; changed: {', '.join(flips) or 'none'}" if args.flips else ""))


if __name__ == "__main__":
    main()
