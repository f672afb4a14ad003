"""Sentiment of a short text (positive / negative / neutral) from the chat model already loaded.

No free-text parsing: the model reads a fixed instruction and the text, and ONE forward pass
gives the log-probability of each label word as the first token of its reply
(``LLM.next_token_scores``). Each label may have several surface forms ("positive", "Positive",
"正面"); their first-token probabilities are summed (distinct tokens only), the three label
scores are normalised by a softmax over the three, and the best one is the label. So the result
is always one of the three labels, and ``score`` is its probability among the three.

Several prompt variants are kept so bench/bench_sentiment.py can compare them on
bench/sentiment_set.jsonl; ``DEFAULT_VARIANT`` is the one that measured best
(bench/results/sentiment.md).

"Calibrated" variants subtract the label scores the model gives a content-free text ("N/A"),
the contextual calibration of Zhao et al. (2021): a small model often prefers one label word
whatever the text says, and that prior is measured once per model and variant (cached), so each
classification is still one forward pass.
"""
from __future__ import annotations

import math
import threading
from collections import Counter
import weakref
from dataclasses import dataclass, field
from typing import Any, Protocol

from ingest.textutil import detect_lang

LABELS: tuple[str, str, str] = ("positive", "negative", "neutral")
MAX_TEXT_CHARS = 2000  # feedback is short; a bound keeps one forward pass cheap

# Surface forms of each label word. Capitalised forms are included because a chat model often
# starts its reply with a capital letter; the label is the sum over its forms.
EN_WORDS: dict[str, tuple[str, ...]] = {
    "positive": ("positive", "Positive"),
    "negative": ("negative", "Negative"),
    "neutral": ("neutral", "Neutral"),
}
ZH_WORDS: dict[str, tuple[str, ...]] = {
    "positive": ("正面",),
    "negative": ("负面",),
    "neutral": ("中性",),
}

_EN_INSTRUCTION = (
    "Classify the sentiment of the following feedback as positive, negative or neutral.{definitions} "
    "Reply with one word: positive, negative or neutral.{example}\n\nFeedback: {text}"
)
_EN_DEFINITIONS = (
    " positive: praise, thanks or satisfaction; negative: a complaint, a problem or dissatisfaction; "
    "neutral: a question, a request or a plain statement of fact without feeling."
)
_EN_EXAMPLE = (
    "\nExamples: \"The new canteen is great.\" -> positive; \"My laptop broke again and nobody helps.\" -> "
    "negative; \"The meeting is moved to 3 pm.\" -> neutral"
)
_ZH_INSTRUCTION = (
    "判断下面这条反馈的情感倾向：正面、负面还是中性。只回答一个词：正面、负面或中性。{example}\n\n反馈：{text}"
)
_ZH_EXAMPLE = "\n例如：“新食堂很好吃。”→正面；“电脑又坏了，没人管。”→负面；“会议改到下午三点。”→中性"


class ScoringModel(Protocol):
    """What classify needs from rag.generation.LLM (a Protocol so tests can pass a stand-in)."""

    def next_token_scores(self, messages: list[dict[str, str]], candidates: list[str], *,
                          assistant_prefix: str = "") -> dict[str, float]: ...

    def first_token(self, text: str) -> int: ...


@dataclass(frozen=True)
class PromptVariant:
    """One way of asking: the instruction and label words used for each text language."""

    name: str
    zh_labels: bool  # Chinese text: Chinese instruction and 正面/负面/中性 (else the English prompt)
    example: bool  # one line of examples in the instruction
    calibrate: bool  # subtract the content-free prior (see the module docstring)
    description: str = ""
    definitions: bool = False  # one sentence saying what each label covers (English prompt)

    def prompt(self, text: str, lang: str) -> tuple[list[dict[str, str]], dict[str, tuple[str, ...]]]:
        if lang == "zh" and self.zh_labels:
            body = _ZH_INSTRUCTION.format(example=_ZH_EXAMPLE if self.example else "", text=text)
            return [{"role": "user", "content": body}], ZH_WORDS
        body = _EN_INSTRUCTION.format(definitions=_EN_DEFINITIONS if self.definitions else "",
                                      example=_EN_EXAMPLE if self.example else "", text=text)
        return [{"role": "user", "content": body}], EN_WORDS


VARIANTS: dict[str, PromptVariant] = {
    v.name: v
    for v in (
        PromptVariant("en", False, False, False, "English instruction and label words for every text"),
        PromptVariant("en+example", False, True, False, "as en, with one line of examples"),
        PromptVariant("zh-labels", True, False, False, "Chinese text: Chinese instruction, 正面/负面/中性"),
        PromptVariant("zh-labels+example", True, True, False, "as zh-labels, with one line of examples"),
        PromptVariant("en+calibrated", False, False, True, "as en, minus the content-free prior"),
        PromptVariant("zh-labels+calibrated", True, False, True, "as zh-labels, minus the content-free prior"),
        PromptVariant("zh-labels+example+calibrated", True, True, True, "as zh-labels+example, minus the prior"),
        PromptVariant("en+definitions", False, False, False, "as en, with what each label covers", True),
    )
}
DEFAULT_VARIANT = "en"  # measured best on bench/sentiment_set.jsonl: bench/results/sentiment.md


@dataclass(frozen=True)
class Sentiment:
    label: str  # one of LABELS
    score: float  # probability of ``label`` among the three labels
    scores: dict[str, float] = field(default_factory=dict)  # every label's probability
    lang: str = "en"
    variant: str = DEFAULT_VARIANT

    def to_json(self) -> dict[str, Any]:
        """The shape of `docqa sentiment --json` and POST /v1/sentiment."""
        return {
            "label": self.label,
            "score": round(self.score, 4),
            "scores": {k: round(v, 4) for k, v in self.scores.items()},
            "lang": self.lang,
        }


def _logsumexp(values: list[float]) -> float:
    top = max(values)
    if top == -math.inf:
        return top
    return top + math.log(sum(math.exp(v - top) for v in values))


def label_logscores(llm: ScoringModel, messages: list[dict[str, str]],
                    words: dict[str, tuple[str, ...]]) -> dict[str, float]:
    """Log-probability of each label as the reply's first token (one forward pass): the sum of
    its surface forms' probabilities, each distinct first token counted once.

    A first token shared with another label's word (a tokenizer that splits "Negative" and
    "Neutral" after "N") is evidence for neither, so it is dropped from a label that has another
    token; a label left with only shared tokens keeps them, so every label gets a finite score.
    """
    tokens: dict[str, dict[int, str]] = {}
    for label in LABELS:
        tokens[label] = {}
        for word in words[label]:
            tokens[label].setdefault(llm.first_token(word), word)
    owners = Counter(tid for label in LABELS for tid in tokens[label])
    for label in LABELS:
        distinct = {tid: w for tid, w in tokens[label].items() if owners[tid] == 1}
        if distinct:
            tokens[label] = distinct
    candidates = list(dict.fromkeys(w for label in LABELS for w in tokens[label].values()))
    raw = llm.next_token_scores(messages, candidates)
    return {label: _logsumexp([raw[w] for w in tokens[label].values()]) for label in LABELS}


def _softmax(scores: dict[str, float]) -> dict[str, float]:
    top = max(scores.values())
    if top == -math.inf:
        return {k: 1.0 / len(scores) for k in scores}
    exp = {k: math.exp(v - top) for k, v in scores.items()}
    total = sum(exp.values())
    return {k: v / total for k, v in exp.items()}


# Content-free priors per (model, variant, language); computed on first use.
_PRIORS: "weakref.WeakKeyDictionary[Any, dict[tuple[str, str], dict[str, float]]]" = weakref.WeakKeyDictionary()
_PRIORS_LOCK = threading.Lock()
_CONTENT_FREE = {"en": "N/A", "zh": "无"}


def _prior(llm: ScoringModel, variant: PromptVariant, lang: str) -> dict[str, float]:
    with _PRIORS_LOCK:
        cached = _PRIORS.setdefault(llm, {}).get((variant.name, lang))
    if cached is not None:
        return cached
    messages, words = variant.prompt(_CONTENT_FREE[lang], lang)
    prior = label_logscores(llm, messages, words)
    with _PRIORS_LOCK:
        _PRIORS[llm][(variant.name, lang)] = prior
    return prior


def classify(text: str, llm: ScoringModel, variant: str | PromptVariant = DEFAULT_VARIANT) -> Sentiment:
    """Label ``text`` positive / negative / neutral with the loaded chat model (one forward pass).

    Raises ValueError for an empty text or an unknown variant name; otherwise always returns one of
    ``LABELS``.
    """
    text = " ".join((text or "").split())[:MAX_TEXT_CHARS]
    if not text:
        raise ValueError("text is empty")
    if isinstance(variant, str):
        if variant not in VARIANTS:
            raise ValueError(f"unknown sentiment variant {variant!r}; valid: {', '.join(VARIANTS)}")
        variant = VARIANTS[variant]
    lang = detect_lang(text)
    messages, words = variant.prompt(text, lang)
    scores = label_logscores(llm, messages, words)
    if variant.calibrate:
        prior = _prior(llm, variant, lang)
        scores = {k: scores[k] - prior[k] for k in LABELS}
    probs = _softmax(scores)
    label = max(LABELS, key=lambda k: probs[k])  # ties resolve in LABELS order: deterministic
    return Sentiment(label, probs[label], probs, lang, variant.name)
