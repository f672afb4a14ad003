"""rag.generation loading the tiny random Qwen2: directories, GGUF, dtypes, the cache, missing weights."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
import torch

from ingest.settings import Settings
from ingest import models as model_sources
from rag import llm_loading
from rag.generation import LLM, ModelUnavailable, clear_llm_cache, load_llm
from rag.llm_loading import WHAT_TO_DO, cpu_supports_bf16, resolve_source
from tests.rag.tiny_llm import MESSAGES


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return Settings(models_dir=tmp_path / "models", threads=1)


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
