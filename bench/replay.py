"""Re-run an answered evaluation with the model's recorded replies instead of generating again.

Everything `docqa ask` does after the model has written (echoes and labels removed, claims cited,
unsupported or invented figures replaced by extracted sentences, refusals) is code, and a full
answered run takes 15-50 minutes on 2 cores, most of it generation. Greedy decoding writes the
same reply to the same prompt, so for a change that leaves the prompts alone, feeding each
question's recorded reply (`raw` in a `docqa eval --out` file) through today's code gives the
figures a full run would. A prompt that is no longer the same length in tokens as when the reply
was recorded (the change touched retrieval or the prompt) is counted and named: its replayed
verdict is not a measurement.

    python bench/replay.py RECORDS.jsonl QUESTIONS.jsonl --docs DIR --index DIR [--out F] [--json]

Replayed at the code that made them, contoso's 100 records and the everyday questions' 30 gave
every answer the same text (EVAL.md "A passage written out instead of an answer"). The script runs
the code of the checkout it sits in, so a copy in a scratch worktree measures that worktree.

Needs the chat model (DOCQA_LLM) for its tokenizer and the index the records were made on.
"""
from __future__ import annotations

import argparse
import json
import sys
import threading
from pathlib import Path

# The code of the checkout this script is in, not an editable install of another one: replaying
# a change made in a scratch worktree must run that worktree's code.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.settings import Settings  # noqa: E402
from rag import answer as answer_module  # noqa: E402
from rag.eval.metrics import format_table  # noqa: E402
from rag.eval.runner import EvalOptions, run_eval, write_records  # noqa: E402
from rag.streaming import Generation, GenerationStats  # noqa: E402


class ReplayLLM:
    """The loaded model's tokenizer and settings; `stream` returns the recorded reply."""

    def __init__(self, llm, replies: dict[str, dict], max_new_tokens: int) -> None:
        self._llm = llm
        self._replies = replies
        self._max_new_tokens = max_new_tokens
        self.question: str | None = None  # the question being answered (set by the patched answer)
        self.prompt_changed: list[str] = []
        self.missing: list[str] = []

    def __getattr__(self, name):  # tokenizer, count_tokens, prompt_tokens, decoding, name ...
        return getattr(self._llm, name)

    def stream(self, messages, *, max_new_tokens, cancel=None, timeout_s=None, decoding=None) -> Generation:
        record = self._replies.get(self.question or "")
        raw = (record or {}).get("raw") or ""
        tokens = (record or {}).get("timings") or {}
        prompt_tokens = self._llm.prompt_tokens(messages)
        if record is None:
            self.missing.append(self.question or "")
        elif tokens.get("tokens_in") not in (None, prompt_tokens):
            self.prompt_changed.append(record["question"]["id"])
        completion = tokens.get("tokens_out") or 0
        # A reply that used every token allowed was cut there (drop_unfinished applies).
        reason = "max_tokens" if completion >= min(max_new_tokens, self._max_new_tokens) else "eos"
        generation = Generation(threading.Event())

        def pieces():
            yield raw
            generation.stats = GenerationStats(prompt_tokens, completion, 0.0, 0.0, reason)

        generation._pieces = pieces()
        return generation


def replay(records_path: Path, questions: Path, docs: Path, settings: Settings, k: int = 5):
    """``run_eval`` with each question's recorded reply for the model's: (summary, records, run
    info, {"prompt_changed": [ids], "no_record": [questions]})."""
    records = [json.loads(line) for line in records_path.open(encoding="utf-8")]
    replies = {r["question"]["question"].strip(): r for r in records if r.get("mode")}
    real_llm, real_answer = answer_module.Answerer.llm, answer_module.Answerer.answer
    player: dict[str, ReplayLLM] = {}

    def llm(self):
        loaded = real_llm(self)
        if loaded is not None and "llm" not in player:
            player["llm"] = ReplayLLM(loaded, replies, settings.max_new_tokens)
        return player.get("llm") if loaded is not None else None

    def answer(self, question, *a, **kw):
        if "llm" in player:
            player["llm"].question = question.strip()
        return real_answer(self, question, *a, **kw)

    answer_module.Answerer.llm, answer_module.Answerer.answer = llm, answer
    try:
        summary, out_records, info = run_eval(questions, docs, settings, EvalOptions(k=k))
    finally:
        answer_module.Answerer.llm, answer_module.Answerer.answer = real_llm, real_answer
    used = player.get("llm")
    stale = {"prompt_changed": used.prompt_changed if used else [], "no_record": used.missing if used else []}
    return summary, out_records, info, stale


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("records", type=Path, help="a `docqa eval --out` file of an answered run")
    ap.add_argument("questions", type=Path)
    ap.add_argument("--docs", type=Path, required=True)
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    settings = Settings.load().replace(index_dir=args.index)
    summary, out_records, info, stale = replay(args.records, args.questions, args.docs, settings, args.k)
    details = info.pop("details", {})
    if args.out:
        write_records(args.out, out_records, details)
    if args.json:
        print(json.dumps({"run": info, "summary": summary, "replay": stale}, ensure_ascii=False, indent=2))
    else:
        print(format_table(summary))
        print(f"replayed {len(out_records)} questions; prompts changed: {', '.join(stale['prompt_changed']) or 'none'}; "
              f"no record: {len(stale['no_record'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
