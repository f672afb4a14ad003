"""rag.generation on the tiny random Qwen2 (tests/tiny_models.py): loading, templating, streaming,
stopping and the missing-weights message. No network, no downloads."""
from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest
import torch

from ingest.settings import Settings
from ingest import models as model_sources
from rag import llm_loading
from rag.generation import LLM, Decoding, ModelUnavailable, clear_llm_cache, load_llm
from rag.llm_loading import WHAT_TO_DO, cpu_supports_bf16, resolve_source
from tests.rag.tiny_llm import always_emit as _always_emit
from tests.rag.tiny_llm import fresh_llm as _fresh_llm

MESSAGES = [
    {"role": "system", "content": "Answer only from the passages."},
    {"role": "user", "content": "[1] 员工每年享有十五天带薪年假。\n\nHow many days of annual leave?"},
]


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return Settings(models_dir=tmp_path / "models", threads=1)


@pytest.fixture(scope="module")
def llm(tiny_qwen_dir: Path) -> LLM:
    clear_llm_cache()
    return load_llm(str(tiny_qwen_dir), Settings(threads=1), dtype="fp32")


# ---------------------------------------------------------------- loading


def test_loads_from_directory_with_chat_template(llm: LLM, tiny_qwen_dir: Path) -> None:
    assert llm.source is not None and llm.source.kind == "dir"
    assert llm.dtype == "float32"
    assert not llm.model.training
    text = llm.tokenizer.apply_chat_template(MESSAGES, add_generation_prompt=True, tokenize=False)
    assert text.startswith("<|im_start|>system\nAnswer only from the passages.<|im_end|>\n")
    assert text.endswith("<|im_start|>user\n" + MESSAGES[1]["content"] + "<|im_end|>\n<|im_start|>assistant\n")
    im_end = llm.tokenizer.convert_tokens_to_ids("<|im_end|>")
    assert im_end in llm.stop_token_ids


def test_load_cache_returns_same_object(llm: LLM, tiny_qwen_dir: Path) -> None:
    again = load_llm(str(tiny_qwen_dir), Settings(threads=1), dtype="fp32")
    assert again is llm


def test_load_applies_thread_setting(tiny_qwen_dir: Path) -> None:
    before = torch.get_num_threads()
    try:
        load_llm(str(tiny_qwen_dir), Settings(threads=1), dtype="bf16")
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def test_loads_from_gguf_file_with_its_tokenizer_and_template(
    tiny_qwen_gguf: Path, llm: LLM
) -> None:
    pytest.importorskip("gguf")
    pytest.importorskip("accelerate")  # transformers' GGUF loader requires it
    from_gguf = load_llm(str(tiny_qwen_gguf), Settings(threads=1), dtype="fp32")
    assert from_gguf.source is not None and from_gguf.source.kind == "gguf"
    assert from_gguf.prompt_ids(MESSAGES) == llm.prompt_ids(MESSAGES)
    assert from_gguf.tokenizer.convert_tokens_to_ids("<|im_end|>") in from_gguf.stop_token_ids
    ids = torch.tensor([llm.prompt_ids(MESSAGES)])
    with torch.inference_mode():
        assert torch.allclose(from_gguf.model(ids).logits, llm.model(ids).logits, atol=1e-5)
    text, stats = from_gguf.generate(MESSAGES, max_new_tokens=6)
    assert text == llm.generate(MESSAGES, max_new_tokens=6)[0]


def test_directory_holding_a_gguf_file_loads_it(tiny_qwen_gguf: Path) -> None:
    src = resolve_source(str(tiny_qwen_gguf.parent), Settings())
    assert src.kind == "gguf" and Path(src.location) == tiny_qwen_gguf


def test_model_found_under_models_dir(tiny_qwen_dir: Path, tmp_path: Path) -> None:
    # `docqa download --to DIR` layout: DIR/<name>; DOCQA_MODELS=DIR finds it by hub id.
    shutil.copytree(tiny_qwen_dir, tmp_path / "Tiny-Qwen-Chat")
    src = resolve_source("someorg/Tiny-Qwen-Chat", Settings(models_dir=tmp_path))
    assert src.kind == "dir" and Path(src.location) == tmp_path / "Tiny-Qwen-Chat"


def test_bf16_choice_follows_cpu_flags() -> None:
    assert cpu_supports_bf16("flags\t: fpu avx512f avx512_bf16 avx2\n")
    assert cpu_supports_bf16("flags\t: fpu amx_bf16 amx_tile\n")
    assert not cpu_supports_bf16("flags\t: fpu avx2 avx512f\n")


def test_int8_quantises_the_linear_layers_but_the_mlp_down_projection(tiny_qwen_dir: Path) -> None:
    import torch
    from torch.ao.nn.quantized.dynamic import Linear as DynamicLinear

    clear_llm_cache()
    int8 = load_llm(str(tiny_qwen_dir), Settings(threads=1), dtype="int8")
    layers = {n: m for n, m in int8.model.named_modules() if isinstance(m, (torch.nn.Linear, DynamicLinear))}
    kept = {n for n, m in layers.items() if not isinstance(m, DynamicLinear)}
    assert kept and all(n.endswith(".mlp.down_proj") for n in kept)
    assert {"lm_head"} < set(layers) - kept and any(n.endswith(".mlp.gate_proj") for n in set(layers) - kept)
    assert all(m.weight.dtype == torch.float32 for n, m in layers.items() if n in kept)
    assert load_llm(str(tiny_qwen_dir), Settings(threads=1, llm_dtype="int8")) is int8  # cached per dtype
    text, stats = int8.generate(MESSAGES, max_new_tokens=4)
    assert stats.completion_tokens >= 1 and stats.stopped_reason in ("eos", "max_tokens")
    # the quantised model scores the next token almost as the full-precision one does
    fp32 = load_llm(str(tiny_qwen_dir), Settings(threads=1), dtype="fp32")
    ids = torch.tensor([fp32.prompt_ids(MESSAGES)])
    with torch.inference_mode():
        a = fp32.model(ids).logits[0, -1].float()
        b = int8.model(ids).logits[0, -1].float()
    assert torch.nn.functional.cosine_similarity(a, b, dim=0) > 0.95
    clear_llm_cache()


def test_invalid_dtype_names_the_choices(tiny_qwen_dir: Path) -> None:
    with pytest.raises(ValueError, match="auto, bf16, fp32, int8"):
        load_llm(str(tiny_qwen_dir), Settings(), dtype="fp8")


# ---------------------------------------------------------------- missing weights


def test_missing_local_path_gives_one_clear_message(settings: Settings, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "qwen.gguf"
    with pytest.raises(ModelUnavailable) as info:
        load_llm(str(missing), settings)
    message = str(info.value)
    assert str(missing) in message and "does not exist" in message
    assert WHAT_TO_DO in message
    assert info.value.__cause__ is None  # one message, no chained traceback
    assert info.value.__context__ is None or info.value.__suppress_context__


def test_directory_without_model_is_unavailable(settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelUnavailable, match="holds no model"):
        load_llm(str(tmp_path / "empty"), settings)


def test_uncached_hub_id_offline_never_touches_network(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))  # an empty cache

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("network probed while HF_HUB_OFFLINE=1")

    monkeypatch.setattr(model_sources.socket, "create_connection", no_network)
    started = time.monotonic()
    with pytest.raises(ModelUnavailable) as info:
        load_llm("Qwen/Qwen2.5-0.5B-Instruct", settings)
    assert time.monotonic() - started < 5
    message = str(info.value)
    assert "Qwen/Qwen2.5-0.5B-Instruct" in message and "HF_HUB_OFFLINE" in message
    assert "docqa download" in message and "DOCQA_MODELS" in message and "DOCQA_LLM" in message


def test_uncached_hub_id_unreachable_hub(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setattr(llm_loading, "hub_reachable", lambda *a, **k: False)
    monkeypatch.setattr(llm_loading, "_hub_cache_dir", lambda repo_id: None)
    with pytest.raises(ModelUnavailable, match="cannot be reached"):
        load_llm("Qwen/Qwen1.5-0.5B-Chat", settings)


def test_modelscope_without_package_says_pip_install(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import builtins

    real_import = builtins.__import__

    def fake_import(name: str, *args: object, **kwargs: object) -> object:
        if name == "modelscope":
            raise ImportError("No module named 'modelscope'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ModelUnavailable, match="pip install modelscope"):
        load_llm("modelscope:qwen/Qwen2.5-0.5B-Instruct", settings)


def test_modelscope_uses_its_snapshot(
    settings: Settings, tiny_qwen_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys
    import types

    calls: list[str] = []
    fake = types.ModuleType("modelscope")
    fake.snapshot_download = lambda model_id: calls.append(model_id) or str(tiny_qwen_dir)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "modelscope", fake)
    src = resolve_source("modelscope:qwen/Tiny", settings)
    assert calls == ["qwen/Tiny"] and src.kind == "dir" and Path(src.location) == tiny_qwen_dir


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
