"""How the chat model picks tokens: decoding settings, repetition limits on the answer only, and
the end-of-turn ids that bound a reply. Kept apart from generation.py, which runs the model."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rag.llm_loading import ModelUnavailable


@dataclass(frozen=True)
class Decoding:
    """Decoding settings. The default was chosen by measurement on the real 0.5B model
    (bench/results/generation.md "decoding").

    ``repetition_penalty`` and ``no_repeat_ngram_size`` apply to the answer only
    (``penalize_prompt=False``): transformers applies them to the prompt too by default, which
    punishes exactly what a grounded answer must do, copy figures and phrases from the passages
    (measured: prompt-wide no-repeat n-grams turned "三十六小时" into "三十七小时").
    """

    do_sample: bool = False
    repetition_penalty: float = 1.1
    no_repeat_ngram_size: int = 0
    penalize_prompt: bool = False
    temperature: float = 0.7
    top_p: float = 0.8
    top_k: int = 20
    seed: int | None = None  # sampling only: fixes the draw for reproducible answers
    # Off by default: barring a marker as the first token stops the 0.5B model's Chinese replies
    # of markers only ("[1] [2]"), but the text it then writes was right less often than the
    # extracted sentences that replace such replies (EVAL.md "Tried, not kept: no opening marker").
    ban_opening_marker: bool = False
    # Prompt-lookup decoding (transformers' assisted generation with n-gram candidates drawn from
    # the prompt): a grounded answer copies runs of passage text, and checking up to this many
    # copied tokens in one forward pass is cheaper than generating them one by one. Greedy output
    # is unchanged by it (up to near-ties in bf16 arithmetic); 0 turns it off. Measured: whole answers
    # x0.50-0.80 the time, the first word ~0.4 s later in English (EVAL.md "Prompt-lookup decoding").
    prompt_lookup_tokens: int = 10


DEFAULT_DECODING = Decoding()


def answer_penalties(decoding: Decoding, prompt_len: int, opening_marker_ids: list[int] | None = None) -> Any:
    """Repetition penalty and no-repeat n-grams over the generated tokens only, and no marker as
    the first token when ``opening_marker_ids`` are given (see ``Decoding``)."""
    from transformers import LogitsProcessorList, NoRepeatNGramLogitsProcessor, RepetitionPenaltyLogitsProcessor

    processors = LogitsProcessorList()
    if decoding.ban_opening_marker and opening_marker_ids:
        processors.append(_BanAtFirstStep(opening_marker_ids, prompt_len))
    if decoding.penalize_prompt:
        return processors
    if decoding.repetition_penalty != 1.0:
        processors.append(RepetitionPenaltyLogitsProcessor(float(decoding.repetition_penalty), prompt_ignore_length=prompt_len))
    if decoding.no_repeat_ngram_size > 0:
        processors.append(_AnswerOnly(NoRepeatNGramLogitsProcessor(decoding.no_repeat_ngram_size), prompt_len))
    return processors


class _BanAtFirstStep:
    """Makes the given tokens impossible as the reply's first token, and only there."""

    def __init__(self, token_ids: list[int], prompt_len: int) -> None:
        self.token_ids = token_ids
        self.prompt_len = prompt_len

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        if input_ids.shape[1] == self.prompt_len:
            scores[:, self.token_ids] = float("-inf")
        return scores


def marker_token_ids(tokenizer: Any) -> list[int]:
    """Tokens whose text, less leading whitespace, opens a citation marker ("[", " [1", "【").
    Read off the vocabulary once per tokenizer: marker spellings differ between tokenizers."""
    ids = []
    for token, token_id in tokenizer.get_vocab().items():
        text = tokenizer.convert_tokens_to_string([token]).lstrip()
        if text[:1] in ("[", "【"):
            ids.append(int(token_id))
    return sorted(ids)


class _AnswerOnly:
    """Runs a logits processor on the generated part of the sequence only."""

    def __init__(self, processor: Any, prompt_len: int) -> None:
        self.processor = processor
        self.prompt_len = prompt_len

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        return self.processor(input_ids[:, self.prompt_len:], scores)


def stop_token_ids(tokenizer: Any, model: Any) -> frozenset[int]:
    """End-of-turn ids: the checkpoint's eos id(s), the tokenizer's eos, and Qwen's ChatML markers
    where the vocabulary has them (a GGUF-derived config sometimes names only one of them)."""
    ids: set[int] = set()
    configured = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    if isinstance(configured, int):
        ids.add(configured)
    elif configured:
        ids.update(int(i) for i in configured)
    if tokenizer.eos_token_id is not None:
        ids.add(int(tokenizer.eos_token_id))
    vocab = tokenizer.get_vocab()
    for marker in ("<|im_end|>", "<|endoftext|>"):
        if marker in vocab:
            ids.add(int(vocab[marker]))
    if not ids:
        raise ModelUnavailable("the model defines no end-of-sequence token; cannot bound its replies")
    return frozenset(ids)
