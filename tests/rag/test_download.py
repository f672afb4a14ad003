"""rag.download with huggingface_hub.snapshot_download replaced: no network."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import huggingface_hub
import pytest

from ingest.models import resolve_model
from ingest.settings import Settings
from rag import download, llm_loading
from rag.download import DownloadError, default_models, download_models


@pytest.fixture()
def online(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """Pretend the hub is reachable and record snapshot_download calls (which write config.json)."""
    calls: list[tuple[str, dict[str, Any]]] = []

    def fake_snapshot(repo_id: str, **kwargs: Any) -> str:
        calls.append((repo_id, kwargs))
        folder = Path(kwargs.get("local_dir") or Path(kwargs.get("cache_dir", "/nonexistent")) / repo_id)
        if "local_dir" in kwargs:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "config.json").write_text("{}")
        return str(folder)

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setattr(download, "hub_reachable", lambda *a, **k: True)
    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_snapshot)
    return calls


def test_defaults_are_chat_and_embedding_models() -> None:
    assert default_models(Settings()) == ["Qwen/Qwen2.5-0.5B-Instruct", "intfloat/multilingual-e5-small"]
    # a local path or a ModelScope id is not downloaded from the HF hub: the default chat model is
    assert default_models(Settings(llm="/models/q.gguf"))[0] == "Qwen/Qwen2.5-0.5B-Instruct"
    assert default_models(Settings(llm="modelscope:qwen/X"))[0] == "Qwen/Qwen2.5-0.5B-Instruct"
    assert default_models(Settings(llm="Qwen/Qwen1.5-0.5B-Chat"))[0] == "Qwen/Qwen1.5-0.5B-Chat"


def test_download_to_folder_uses_name_layout_found_by_docqa_models(tmp_path: Path, online: list) -> None:
    folders = download_models(tmp_path, Settings())
    assert folders == [tmp_path / "Qwen2.5-0.5B-Instruct", tmp_path / "multilingual-e5-small"]
    assert [repo for repo, _ in online] == ["Qwen/Qwen2.5-0.5B-Instruct", "intfloat/multilingual-e5-small"]
    for _, kwargs in online:
        assert "*.safetensors" in kwargs["allow_patterns"] and "*.bin" in kwargs["ignore_patterns"]
    # what DOCQA_MODELS=<folder> then resolves to, for both models, with no network
    settings = Settings(models_dir=tmp_path)
    assert resolve_model("Qwen/Qwen2.5-0.5B-Instruct", settings.models_dir) == str(folders[0])
    assert resolve_model("intfloat/multilingual-e5-small", settings.models_dir) == str(folders[1])
    src = llm_loading.resolve_source("Qwen/Qwen2.5-0.5B-Instruct", settings)
    assert src.kind == "dir" and Path(src.location) == folders[0]


def test_download_to_cache_without_folder(online: list) -> None:
    download_models(None, Settings(), models=["Qwen/Qwen1.5-0.5B-Chat"])
    assert online[0][0] == "Qwen/Qwen1.5-0.5B-Chat" and "local_dir" not in online[0][1]


def test_offline_flag_gives_clear_error_before_any_download(
    tmp_path: Path, online: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(DownloadError, match="HF_HUB_OFFLINE is set") as info:
        download_models(tmp_path, Settings())
    assert "DOCQA_MODELS" in str(info.value)
    assert online == []


def test_unreachable_hub_gives_clear_error(tmp_path: Path, online: list, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(download, "hub_reachable", lambda *a, **k: False)
    with pytest.raises(DownloadError, match="cannot be reached") as info:
        download_models(tmp_path, Settings())
    assert "docqa download --to DIR" in str(info.value) and online == []


def test_failed_download_names_the_model(tmp_path: Path, online: list, monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(repo_id: str, **kwargs: Any) -> str:
        raise OSError("connection reset")

    monkeypatch.setattr(huggingface_hub, "snapshot_download", failing)
    with pytest.raises(DownloadError, match="could not download Qwen/Qwen2.5-0.5B-Instruct: OSError: connection reset"):
        download_models(tmp_path, Settings())


def test_rejects_non_hub_names(tmp_path: Path, online: list) -> None:
    with pytest.raises(DownloadError, match="not Hugging Face model ids"):
        download_models(tmp_path, Settings(), models=["/local/model.gguf"])
