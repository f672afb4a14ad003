"""rag.generation on the tiny random Qwen2 (tests/tiny_models.py): token counts, streaming, stopping,
cancelling, timeouts and next-token scores. Loading has its own file. No network, no downloads."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import torch

from rag.generation import LLM, Decoding
from tests.rag.tiny_llm import MESSAGES
from tests.rag.tiny_llm import always_emit as _always_emit
from tests.rag.tiny_llm import fresh_llm as _fresh_llm


# ---------------------------------------------------------------- tokens


def test_token_counts(llm: LLM) -> None:
    assert llm.count_tokens("") == 0
    assert llm.count_tokens("annual leave 年假") > 0
    ids = llm.prompt_ids(MESSAGES)
    assert llm.prompt_tokens(MESSAGES) == len(ids)
    header = llm.tokenizer("<|im_start|>assistant\n", add_special_tokens=False)["input_ids"]
    assert ids[-len(header):] == header
    longer = MESSAGES[:1] + [{"role": "user", "content": MESSAGES[1]["content"] * 3}]
    assert llm.prompt_tokens(longer) > llm.prompt_tokens(MESSAGES)


# ---------------------------------------------------------------- streaming and stopping


def test_stream_pieces_join_to_final_text_and_respect_max_tokens(llm: LLM) -> None:
    gen = llm.stream(MESSAGES, max_new_tokens=12)
    pieces = list(gen)
    stats = gen.stats
    assert stats is not None
    assert pieces and all(isinstance(p, str) and p for p in pieces)
    assert "".join(pieces) == gen.text
    assert 1 <= stats.completion_tokens <= 12
    assert stats.prompt_tokens == llm.prompt_tokens(MESSAGES)
    assert stats.stopped_reason in ("max_tokens", "eos")
    assert stats.first_token_s is not None and 0 < stats.first_token_s <= stats.total_s


def test_stream_text_matches_decoded_tokens(llm: LLM) -> None:
    # Greedy: the same reply twice; the streamed text is the decode of the generated ids.
    text, stats = llm.generate(MESSAGES, max_new_tokens=10)
    with torch.inference_mode():
        prompt = torch.tensor([llm.prompt_ids(MESSAGES)])
        out = llm.model.generate(
            input_ids=prompt, attention_mask=torch.ones_like(prompt),
            generation_config=llm._generation_config(llm.decoding, 10),
        )
    expected = llm.tokenizer.decode(out[0, prompt.shape[1]:], skip_special_tokens=True)
    assert text == expected
    assert stats.completion_tokens == out.shape[1] - prompt.shape[1]


def test_stops_at_end_of_turn(tiny_qwen_dir: Path) -> None:
    llm = _fresh_llm(tiny_qwen_dir)
    im_end = llm.tokenizer.convert_tokens_to_ids("<|im_end|>")
    _always_emit(llm, im_end)
    gen = llm.stream(MESSAGES, max_new_tokens=20)
    assert list(gen) == []
    assert gen.stats is not None
    assert gen.stats.stopped_reason == "eos" and gen.stats.completion_tokens == 1


def test_max_tokens_reason(tiny_qwen_dir: Path) -> None:
    llm = _fresh_llm(tiny_qwen_dir)
    word = llm.tokenizer("leave", add_special_tokens=False)["input_ids"][0]
    _always_emit(llm, word)
    text, stats = llm.generate(MESSAGES, max_new_tokens=5, decoding=Decoding(repetition_penalty=1.0))
    assert stats.stopped_reason == "max_tokens" and stats.completion_tokens == 5
    assert text == llm.tokenizer.decode([word] * 5)


def test_repetition_limits_apply_to_the_answer_not_the_prompt(tiny_qwen_dir: Path) -> None:
    # A grounded answer must be free to copy from the passages; only repeats within the answer
    # (the 0.5B model's loops) are limited.
    llm = _fresh_llm(tiny_qwen_dir)
    from_prompt = llm.prompt_ids(MESSAGES)[-12]  # an ordinary token the prompt contains
    _always_emit(llm, from_prompt)
    answer_only = Decoding(repetition_penalty=1.0, no_repeat_ngram_size=1)
    prompt_too = Decoding(repetition_penalty=1.0, no_repeat_ngram_size=1, penalize_prompt=True)

    def generated(decoding: Decoding) -> list[int]:
        with torch.inference_mode():
            prompt = llm.prompt_ids(MESSAGES)
            ids = torch.tensor([prompt])
            from rag.decoding import answer_penalties

            out = llm.model.generate(
                input_ids=ids, attention_mask=torch.ones_like(ids),
                generation_config=llm._generation_config(decoding, 3),
                logits_processor=answer_penalties(decoding, len(prompt)),
            )
        return out[0, len(prompt):].tolist()

    first, second = generated(answer_only)[:2]
    assert first == from_prompt and second != from_prompt
    assert generated(prompt_too)[0] != from_prompt


def test_reply_may_not_open_with_a_citation_marker(tiny_qwen_dir: Path) -> None:
    # With ban_opening_marker (off by default) the first token may not open a marker, later ones
    # may; by default nothing is barred.
    llm = _fresh_llm(tiny_qwen_dir)
    bracket = llm.tokenizer.convert_tokens_to_ids("[")
    assert bracket in llm.marker_ids()
    assert all(llm.tokenizer.decode([i]).lstrip()[:1] in "[【" for i in llm.marker_ids())
    word = llm.tokenizer("leave", add_special_tokens=False)["input_ids"][0]
    _always_emit(llm, bracket)
    with torch.no_grad():
        llm.model.get_output_embeddings().weight[word, 0] = 10.0  # the runner-up
    ids = llm.tokenizer(
        llm.generate(MESSAGES, max_new_tokens=3, decoding=Decoding(repetition_penalty=1.0, ban_opening_marker=True))[0],
        add_special_tokens=False)["input_ids"]
    assert ids[0] == word and bracket in ids[1:]
    unbarred, _ = llm.generate(MESSAGES, max_new_tokens=3,
                               decoding=Decoding(repetition_penalty=1.0))
    assert unbarred.startswith("[")


def test_cancel_event_stops_generation(llm: LLM) -> None:
    cancel = threading.Event()
    gen = llm.stream(MESSAGES, max_new_tokens=400, cancel=cancel)
    first = next(gen)
    cancel.set()
    rest = list(gen)
    assert gen.stats is not None
    assert gen.stats.stopped_reason == "cancelled"
    assert gen.stats.completion_tokens < 400
    assert gen.text == first + "".join(rest)


def test_closing_a_generation_leaves_the_callers_event_alone(llm: LLM) -> None:
    """A page reuses one stop event across answers: closing one answer must not cancel the next."""
    cancel = threading.Event()
    gen = llm.stream(MESSAGES, max_new_tokens=50, cancel=cancel)
    next(gen)
    gen.close()  # the consumer leaves early
    assert not cancel.is_set()
    again = llm.stream(MESSAGES, max_new_tokens=3, cancel=cancel)
    list(again)
    assert again.stats is not None and again.stats.stopped_reason != "cancelled"
    assert again.stats.completion_tokens > 0


def test_cancel_before_start_generates_nothing(llm: LLM) -> None:
    cancel = threading.Event()
    cancel.set()
    gen = llm.stream(MESSAGES, max_new_tokens=50, cancel=cancel)
    assert list(gen) == []
    assert gen.stats is not None and gen.stats.stopped_reason == "cancelled"
    assert gen.stats.completion_tokens == 0 and gen.stats.first_token_s is None


def test_timeout_stops_generation(llm: LLM) -> None:
    gen = llm.stream(MESSAGES, max_new_tokens=100_000, timeout_s=0.3)
    started = time.monotonic()
    list(gen)
    assert time.monotonic() - started < 5
    assert gen.stats is not None and gen.stats.stopped_reason == "timeout"
    assert gen.stats.total_s >= 0.3


def test_queued_request_times_out_while_model_is_busy(llm: LLM) -> None:
    with llm._lock:  # another reply is being generated
        started = time.monotonic()
        text, stats = llm.generate(MESSAGES, max_new_tokens=5, timeout_s=0.2)
        assert time.monotonic() - started < 2
    assert text == "" and stats.stopped_reason == "timeout" and stats.completion_tokens == 0


def test_queued_request_can_be_cancelled(llm: LLM) -> None:
    cancel = threading.Event()
    with llm._lock:
        gen = llm.stream(MESSAGES, max_new_tokens=5, cancel=cancel)
        threading.Timer(0.1, cancel.set).start()
        assert list(gen) == []
    assert gen.stats is not None and gen.stats.stopped_reason == "cancelled"


def test_abandoned_stream_frees_the_model(llm: LLM) -> None:
    gen = llm.stream(MESSAGES, max_new_tokens=100_000)
    next(gen)
    started = time.monotonic()
    gen.close()  # what a web framework does when the client disconnects
    assert time.monotonic() - started < 5
    text, stats = llm.generate(MESSAGES, max_new_tokens=3)  # the lock was released
    assert stats.completion_tokens <= 3


def test_sampling_with_seed_is_reproducible(llm: LLM) -> None:
    sampling = Decoding(do_sample=True, seed=7)
    first, _ = llm.generate(MESSAGES, max_new_tokens=8, decoding=sampling)
    second, _ = llm.generate(MESSAGES, max_new_tokens=8, decoding=sampling)
    assert first == second


def test_errors_in_generation_reach_the_caller(tiny_qwen_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    llm = _fresh_llm(tiny_qwen_dir)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("kernel exploded")

    monkeypatch.setattr(llm.model, "generate", broken)
    with pytest.raises(RuntimeError, match="kernel exploded"):
        list(llm.stream(MESSAGES, max_new_tokens=5))


def test_max_new_tokens_must_be_positive(llm: LLM) -> None:
    with pytest.raises(ValueError):
        llm.stream(MESSAGES, max_new_tokens=0)


# ---------------------------------------------------------------- scoring


def test_next_token_scores_are_log_probabilities(llm: LLM) -> None:
    labels = ["positive", "negative", "neutral", "正面"]
    scores = llm.next_token_scores(MESSAGES, labels)
    assert set(scores) == set(labels)
    assert all(s <= 0.0 for s in scores.values())
    with torch.inference_mode():
        logits = llm.model(input_ids=torch.tensor([llm.prompt_ids(MESSAGES)])).logits[0, -1]
    expected = torch.log_softmax(logits.float(), -1)[llm.first_token("negative")].item()
    assert scores["negative"] == pytest.approx(expected, abs=1e-5)


def test_next_token_scores_follow_the_model(tiny_qwen_dir: Path) -> None:
    llm = _fresh_llm(tiny_qwen_dir)
    _always_emit(llm, llm.first_token("negative"))
    scores = llm.next_token_scores(MESSAGES, ["positive", "negative"], assistant_prefix="Sentiment:")
    assert max(scores, key=scores.get) == "negative"
