"""Rerank the best retrieved passages by how readily the chat model writes the question after
reading each one (query likelihood).

This is the zero-shot reranker of Sachan et al., "Improving Passage Retrieval with Zero-Shot
Question Generation" (UPR, 2022): score each passage by log P(question | passage) under a language
model. No cross-encoder reranker can be installed offline here, but the chat model is already
loaded to answer, so this costs one forward pass per passage and no extra memory. Why by hand: the
scoring is one forward pass of the model docqa already runs (``LLM.reply_logprob``); what is
ours is the policy below (how deep, how the two rankings are mixed), which is measured, not a
library's.

Only the first ``depth`` passages are reordered, and the retrieval score keeps half the say: reranking
deeper pulled distractors into the top 5 (contoso page-gold hit@5 0.88 -> 0.84 at depth 10), and the
model's score alone lost Chinese hit@1 (0.67 -> 0.61). Off by default: with the offline 0.5B Coder
model it lifts English location hit@1 (0.73 -> 0.81) but no answer figure, at +1.3-1.6 s per
question. EVAL.md "Reranking with the chat model" has the measurements.
"""
from __future__ import annotations

import threading
from dataclasses import replace
from typing import TYPE_CHECKING, Callable

from ingest.settings import Settings
from ingest.textutil import detect_lang
from rag.passages import Passage

if TYPE_CHECKING:
    from rag.generation import LLM

# Passage tokens the model reads per passage: enough for a 320-token chunk with its heading, and a
# bound on a merged passage (two chunks), whose second half rarely decides the ranking.
MAX_PASSAGE_TOKENS = 384
_ASK_FOR_QUESTION = {
    "en": "Please write a question based on this passage.",
    "zh": "请根据这段资料提一个问题。",
}

# (question, passage text, language) -> log-likelihood of the question; higher is better.
QuestionScorer = Callable[[str, str, str], float]


def scorer_for(llm: "LLM", max_passage_tokens: int = MAX_PASSAGE_TOKENS) -> QuestionScorer:
    """Mean log-probability per token of the question, written by the model as its reply to the
    passage and a request for a question about it."""

    def score(question: str, passage_text: str, lang: str) -> float:
        ids = llm.tokenizer(passage_text, add_special_tokens=False)["input_ids"]
        if len(ids) > max_passage_tokens:
            passage_text = llm.tokenizer.decode(ids[:max_passage_tokens])
        messages = [{"role": "user", "content": f"{passage_text}\n\n{_ASK_FOR_QUESTION[lang]}"}]
        return llm.reply_logprob(messages, question)

    return score


class QueryLikelihoodReranker:
    """Reorders the first ``depth`` passages by ``(1 - weight) x retrieval + weight x model``,
    each min-max normalised over those passages; the model's score is kept as ``Scores.rerank``."""

    def __init__(self, score: QuestionScorer, depth: int = 5, weight: float = 0.5):
        if depth < 2:
            raise ValueError(f"rerank depth must be at least 2, not {depth}")
        if not 0.0 <= weight <= 1.0:
            raise ValueError(f"rerank weight must be between 0 and 1, not {weight}")
        self.score = score
        self.depth = depth
        self.weight = weight

    def rerank(self, question: str, passages: list[Passage], cancel: threading.Event | None = None) -> list[Passage]:
        """``passages`` in the new order (the ones past ``depth`` as they were). Gives up and
        returns them unchanged when ``cancel`` is set before it is done."""
        head = passages[: self.depth]
        if len(head) < 2 or not question.strip():
            return passages
        lang = detect_lang(question)
        model_scores: list[float] = []
        for p in head:
            if cancel is not None and cancel.is_set():
                return passages
            model_scores.append(self.score(question, p.text, lang))
        mixed = [(1 - self.weight) * r + self.weight * m
                 for r, m in zip(_minmax([p.scores.fused for p in head]), _minmax(model_scores))]
        # sorted() is stable: on a tie the better-retrieved passage stays first
        order = sorted(range(len(head)), key=lambda i: -mixed[i])
        reranked = [replace(head[i], scores=replace(head[i].scores, rerank=model_scores[i])) for i in order]
        return reranked + passages[self.depth:]


def _minmax(values: list[float]) -> list[float]:
    lo, hi = min(values), max(values)
    if hi - lo < 1e-12:
        return [1.0] * len(values)
    return [(v - lo) / (hi - lo) for v in values]


def reranker_for(settings: Settings, llm: "LLM | None") -> QueryLikelihoodReranker | None:
    """The reranker the settings ask for, on ``llm``; None when it is off or there is no model."""
    if settings.rerank == "off" or llm is None:
        return None
    return QueryLikelihoodReranker(scorer_for(llm), settings.rerank_depth, settings.rerank_weight)


def load_reranker(settings: Settings) -> tuple[QueryLikelihoodReranker | None, str | None]:
    """The reranker for callers that load no chat model of their own (`docqa search`, a
    retrieval-only evaluation), and a note when the settings ask for one but the model cannot load."""
    if settings.rerank == "off":
        return None, None
    from rag.generation import ModelUnavailable, load_llm

    try:
        llm = load_llm(settings.llm, settings)
    except ModelUnavailable as exc:
        return None, f"passages not reranked (no chat model): {exc}"
    return reranker_for(settings, llm), None
