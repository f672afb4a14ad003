"""What reranking costs: retrieval time per question with and without the query-likelihood
reranker (rag.rerank), on a real index and question set, and the scoring pass one passage at a
time against a padded batch (the choice ``LLM.reply_logprob`` documents).

Both arms run in this one process on the same questions, one after the other, after a warm-up;
the ratio is the figure to read on a shared machine.

    python bench/bench_rerank.py --index DIR --questions QUESTIONS.jsonl [--limit 30]

The index must exist (``docqa eval ... --retrieval-only --index DIR`` builds one). The chat model
comes from DOCQA_LLM / DOCQA_MODELS as for every command.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def padded_batch_seconds(llm, question: str, texts: list[str]) -> float:
    """The same scores as ``reply_logprob`` for every passage, in one left-padded batch."""
    import torch

    reply = llm.tokenizer(question, add_special_tokens=False)["input_ids"]
    seqs = [llm.prompt_ids([{"role": "user", "content": t}]) + reply for t in texts]
    width = max(map(len, seqs))
    ids = torch.zeros((len(seqs), width), dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, width - len(s):] = torch.tensor(s)
        mask[i, width - len(s):] = 1
    started = time.perf_counter()
    with torch.inference_mode():
        llm.model(input_ids=ids, attention_mask=mask, logits_to_keep=len(reply) + 1)
    return time.perf_counter() - started


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--questions", type=Path, required=True)
    ap.add_argument("--limit", type=int, default=30)
    args = ap.parse_args()

    from ingest.settings import Settings
    from rag.generation import load_llm
    from rag.rerank import reranker_for
    from rag.retrieval import Retriever

    settings = Settings.load(index_dir=args.index, rerank="ql")
    retriever = Retriever(settings)
    llm = load_llm(settings.llm, settings)
    reranker = reranker_for(settings, llm)
    questions = [json.loads(line)["question"] for line in args.questions.read_text(encoding="utf-8").splitlines()
                 if line.strip()][: args.limit]
    results = [retriever.search(q, settings.k) for q in questions]  # also warms the embedder
    reranker.rerank(questions[0], results[0].passages)  # warm-up of the scoring pass

    plain, reranked, single, batched, tokens = [], [], [], [], []
    for q in questions:
        started = time.perf_counter()
        result = retriever.search(q, settings.k)
        plain.append(time.perf_counter() - started)
        started = time.perf_counter()
        result = retriever.search(q, settings.k)
        reranker.rerank(result.query or q, result.passages)
        reranked.append(time.perf_counter() - started)
        head = [p.text for p in result.passages[: settings.rerank_depth]]
        if len(head) >= 2:
            started = time.perf_counter()
            for t in head:
                llm.reply_logprob([{"role": "user", "content": t}], q)
            single.append(time.perf_counter() - started)
            batched.append(padded_batch_seconds(llm, q, head))
            tokens.append(sum(llm.count_tokens(t) for t in head))

    print(f"model {settings.llm} ({llm.dtype}), {settings.threads} threads; depth {settings.rerank_depth}; "
          f"{len(questions)} questions from {args.questions}")
    print(f"passage tokens per question (the depth's passages, untruncated): p50 {statistics.median(tokens):.0f}")
    print(f"retrieval only        p50 {statistics.median(plain) * 1000:7.0f} ms   p95 {_p(plain, 0.95) * 1000:7.0f} ms")
    print(f"retrieval + rerank    p50 {statistics.median(reranked) * 1000:7.0f} ms   p95 {_p(reranked, 0.95) * 1000:7.0f} ms"
          f"   (+{(statistics.median(reranked) - statistics.median(plain)):.2f} s p50)")
    print(f"scoring, one passage at a time  p50 {statistics.median(single):.2f} s")
    print(f"scoring, one padded batch       p50 {statistics.median(batched):.2f} s   "
          f"(batch / single: x{statistics.median(batched) / statistics.median(single):.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
