"""Can a wrong model reply be told from a right one before it is shown? Two signals, measured.

On the dev sets the extracted sentences (rag/extractive.py) are right where the 0.5B model misreads
its passages ("2010年" for a library opened in 2011, "4项" for 2) about as often as the reverse, so a
signal that picks out the wrong replies would be worth a switch to the extracted answer. For each
recorded model reply (a `docqa eval --out` file) this rebuilds the prompt exactly as `docqa ask`
does and measures:

- confidence: the model's own log-probability of its reply, teacher-forced in one forward pass
  (greedy decoding wrote it, so these are the probabilities it was written with): the mean over
  all tokens, and the mean and minimum over content tokens (letters, digits, CJK; no markers);
- a figure nothing in the prompt states (rag.figures.unstated_figures, what `docqa ask` now does);
- a figure no supporting sentence states: a claim stating a number (the question's own aside)
  that no sentence of the shown passages both holds and supports (support >= 0.5,
  rag.citations.support); stricter, and not used.

It then counts, for thresholds on each signal, how many replies would be replaced by the extracted
answer and how many verdicts that gains and loses (rag.eval judge_answer on both texts).

    python bench/reply_signals.py \
        --run RECORDS.jsonl:QUESTIONS.jsonl:INDEX_DIR [--run ...] [--rows rows.json]

Needs the chat model (DOCQA_LLM) and the index each run was made on.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.settings import Settings  # noqa: E402
from ingest.textutil import split_sentences  # noqa: E402
from rag.answer import Answerer, reply_claims  # noqa: E402
from rag.citations import ATTRIBUTE_MIN_OVERLAP, cite, claim_figures, strip_markers, support  # noqa: E402
from rag.eval.metrics import judge_answer, load_questions  # noqa: E402
from rag.extractive import extract  # noqa: E402
from rag.figures import unstated_figures  # noqa: E402

_CONTENT = re.compile(r"[0-9A-Za-z\u4e00-\u9fff]")
_MARKER_PIECE = re.compile(r"\s*\[?\d{1,2}\]?\s*")


@dataclass(frozen=True)
class ReplySignals:
    run: str
    id: str
    answerable: bool  # unanswerable ones only count how often a signal fires
    mean_logprob: float  # over every reply token
    content_mean_logprob: float  # over content tokens only
    content_min_logprob: float
    figure_not_in_prompt: bool
    figure_not_in_supporting_sentence: bool
    model_right: bool
    extract_right: bool


def reply_logprobs(llm, messages, reply: str) -> tuple[list[float], list[str]]:
    import torch

    ids = llm.tokenizer(reply, add_special_tokens=False)["input_ids"]
    prompt = llm.prompt_ids(messages)
    with torch.inference_mode():
        logits = llm.model(input_ids=torch.tensor([prompt + list(ids)]), logits_to_keep=len(ids) + 1).logits[0, :-1]
        picked = torch.log_softmax(logits.float(), -1).gather(-1, torch.tensor(ids).unsqueeze(-1)).squeeze(-1)
    return [float(x) for x in picked], [llm.tokenizer.decode([t]) for t in ids]


def has_unstated_figure(cited_text: str, question: str, texts: list[str]) -> bool:
    asked = claim_figures(question)
    sentences = [s for t in texts for s in split_sentences(t)]
    for line in cited_text.splitlines():
        for sentence in split_sentences(line):
            claim = strip_markers(sentence).strip()
            wanted = claim_figures(claim) - asked
            if wanted and not any(wanted <= claim_figures(s) and support(claim, s) >= ATTRIBUTE_MIN_OVERLAP
                                  for s in sentences):
                return True
    return False


def measure(run: str, records: Path, questions_file: Path, index: Path) -> list[ReplySignals]:
    answerer = Answerer(Settings.load().replace(index_dir=index))
    llm = answerer.llm()
    if llm is None:
        raise SystemExit(f"the chat model is needed: {answerer.llm_error}")
    questions = {q.id: q for q in load_questions(questions_file)}
    rows = []
    for line in records.open(encoding="utf-8"):
        r = json.loads(line)
        q = questions[r["question"]["id"]]
        if r.get("mode") != "llm" or not r.get("raw"):
            continue
        found = answerer.retriever.search(q.question, 5)
        prompt = answerer.prompt_for(llm, q.question, q.question, found.query or q.question, found.passages)
        passages, texts = [pp.passage for pp in prompt.passages], [pp.text for pp in prompt.passages]
        logprobs, pieces = reply_logprobs(llm, prompt.messages, r["raw"])
        content = [lp for lp, s in zip(logprobs, pieces) if _CONTENT.search(s) and not _MARKER_PIECE.fullmatch(s)]
        content = content or logprobs
        cited = cite(reply_claims(r["raw"], passages), passages, texts)
        extracted = cite(extract(q.question, passages, vocabulary=answerer.retriever.vocabulary()), passages)
        rows.append(ReplySignals(
            run, q.id, q.should_answer, sum(logprobs) / len(logprobs), sum(content) / len(content), min(content),
            bool(unstated_figures(cited.text, "\n".join(m["content"] for m in prompt.messages))),
            has_unstated_figure(cited.text, q.question, texts),
            bool((r.get("answer_score") or {}).get("correct")), _right(extracted.text, q),
        ))
    return rows


def _right(text: str, question) -> bool:
    verdict = judge_answer(text, question)  # None for an unanswerable question
    return bool(verdict and verdict.correct)


def switch_table(all_rows: list[ReplySignals]) -> list[str]:
    rows = [r for r in all_rows if r.answerable]
    runs = list(dict.fromkeys(r.run for r in rows))
    rules = [(f"mean logprob < {t}", lambda r, t=t: r.mean_logprob < t) for t in (-0.1, -0.2, -0.3, -0.4, -0.5)]
    rules += [(f"content mean < {t}", lambda r, t=t: r.content_mean_logprob < t) for t in (-0.1, -0.2, -0.3, -0.4)]
    rules += [(f"content min < {t}", lambda r, t=t: r.content_min_logprob < t) for t in (-1.0, -1.5, -2.0, -2.5)]
    rules += [("a figure not in the prompt", lambda r: r.figure_not_in_prompt),
              ("a figure no supporting sentence states", lambda r: r.figure_not_in_supporting_sentence)]
    out = ["| switch to the extract when | " + " | ".join(runs) + " | net | fires on unanswerable |",
           "|---" * (len(runs) + 3) + "|"]
    for label, rule in rules:
        cells, net = [], 0
        for run in runs:
            hit = [r for r in rows if r.run == run and rule(r)]
            gained = sum(r.extract_right and not r.model_right for r in hit)
            lost = sum(r.model_right and not r.extract_right for r in hit)
            net += gained - lost
            cells.append(f"{len(hit)}/{sum(r.run == run for r in rows)} +{gained} -{lost}")
        unanswerable = [r for r in all_rows if not r.answerable]
        fired = sum(rule(r) for r in unanswerable)
        out.append(f"| {label} | " + " | ".join(cells) + f" | {net:+d} | {fired}/{len(unanswerable)} |")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", action="append", required=True, help="RECORDS.jsonl:QUESTIONS.jsonl:INDEX_DIR")
    ap.add_argument("--rows", type=Path, help="also write every reply's signals here (JSON)")
    args = ap.parse_args()
    rows: list[ReplySignals] = []
    for spec in args.run:
        records, questions_file, index = (Path(p) for p in spec.split(":"))
        rows += measure(records.stem, records, questions_file, index)
    if args.rows:
        args.rows.write_text(json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=1), encoding="utf-8")
    print("\n".join(switch_table(rows)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
