"""rag.decoding on the tiny random Qwen2: prompt-lookup decoding changes how fast a greedy answer
comes, never what it says."""
from __future__ import annotations

from pathlib import Path

import pytest

from ingest.settings import Settings, SettingsError
from rag.generation import Decoding
from tests.rag.tiny_llm import always_emit, fresh_llm

PLAIN = Decoding(prompt_lookup_tokens=0)
LOOKUP = Decoding(prompt_lookup_tokens=10)
# Passages that repeat themselves, so that the random model's continuation can meet n-grams of the prompt.
MESSAGES = [
    {"role": "system", "content": "Answer only from the passages."},
    {"role": "user", "content": "[1] Annual leave is fifteen days. Annual leave is fifteen days a year.\n"
                                "[2] 员工每年享有十五天带薪年假。员工每年享有十五天带薪年假。\n\nHow many days of annual leave?"},
]


def _forward_calls(llm) -> list[int]:
    calls = [0]

    def count(module, inputs, output):
        calls[0] += 1

    llm.model.register_forward_hook(count)
    return calls


def test_greedy_answer_is_the_same_with_prompt_lookup(tiny_qwen_dir: Path) -> None:
    llm = fresh_llm(tiny_qwen_dir)
    plain_text, plain_stats = llm.generate(MESSAGES, max_new_tokens=40, decoding=PLAIN)
    lookup_text, lookup_stats = llm.generate(MESSAGES, max_new_tokens=40, decoding=LOOKUP)
    assert lookup_text == plain_text
    assert lookup_stats.completion_tokens == plain_stats.completion_tokens
    assert lookup_stats.stopped_reason == plain_stats.stopped_reason


def test_prompt_lookup_checks_copied_tokens_in_fewer_forward_passes(tiny_qwen_dir: Path) -> None:
    # The model is made to repeat one token of the prompt; once the answer holds "X X", lookup
    # proposes the next run of X from it and one forward pass accepts several tokens at once.
    llm = fresh_llm(tiny_qwen_dir)
    token = llm.prompt_ids(MESSAGES)[-12]
    always_emit(llm, token)
    calls = _forward_calls(llm)
    plain_text, plain_stats = llm.generate(MESSAGES, max_new_tokens=30, decoding=PLAIN)
    plain_calls, calls[0] = calls[0], 0
    lookup_text, lookup_stats = llm.generate(MESSAGES, max_new_tokens=30, decoding=LOOKUP)
    assert lookup_text == plain_text and plain_stats.completion_tokens == lookup_stats.completion_tokens == 30
    assert plain_calls == 30  # one forward pass per token, the prompt's included
    assert calls[0] < plain_calls / 2


def test_sampling_does_not_use_prompt_lookup(tiny_qwen_dir: Path) -> None:
    llm = fresh_llm(tiny_qwen_dir)
    assert llm._generation_config(LOOKUP, 8).prompt_lookup_num_tokens == 10
    sampled = Decoding(do_sample=True, seed=1, prompt_lookup_tokens=10)
    assert llm._generation_config(sampled, 8).prompt_lookup_num_tokens is None


def test_prompt_lookup_setting_is_bounded() -> None:
    assert Settings.load({"DOCQA_PROMPT_LOOKUP_TOKENS": "0"}).prompt_lookup_tokens == 0
    assert Settings().prompt_lookup_tokens == Decoding().prompt_lookup_tokens == 10
    with pytest.raises(SettingsError, match="DOCQA_PROMPT_LOOKUP_TOKENS=-1"):
        Settings.load({"DOCQA_PROMPT_LOOKUP_TOKENS": "-1"})


def test_repetition_penalty_setting_is_bounded_and_defaults_to_the_decoding_default() -> None:
    assert Settings().repetition_penalty == Decoding().repetition_penalty == 1.1
    assert Settings.load({"DOCQA_REPETITION_PENALTY": "1.0"}).repetition_penalty == 1.0
    for bad in ("0.9", "3"):
        with pytest.raises(SettingsError, match="DOCQA_REPETITION_PENALTY="):
            Settings.load({"DOCQA_REPETITION_PENALTY": bad})
