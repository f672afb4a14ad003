"""``docqa download``: fetch the default chat and embedding models on a connected machine.

Without ``to`` the models go into the Hugging Face cache, where every docqa command finds them.
With ``to`` each model goes into ``to/<name>`` (``to/Qwen2.5-0.5B-Instruct``,
``to/multilingual-e5-small``): copy that folder to the air-gapped machine and set
``DOCQA_MODELS=<folder>`` (``ingest.models.resolve_model`` looks there first).
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ingest.settings import Settings
from rag.llm_loading import DEFAULT_LLM, HUB_PATTERNS, hub_offline, hub_reachable

log = logging.getLogger(__name__)

# Exported copies some repos also carry; docqa loads safetensors with torch only.
IGNORE_PATTERNS = ["onnx/*", "openvino/*", "*.onnx", "*.bin", "*.pt", "*.pth", "*.gguf", "*.h5", "*.msgpack"]


class DownloadError(RuntimeError):
    """A model could not be fetched; the message is meant for the user, whole."""


def default_models(settings: Settings) -> list[str]:
    """The chat model and the embedding model the settings name, as hub ids (a local path or a
    ModelScope id in the settings is not something to download from the Hugging Face hub)."""
    chat = settings.llm if _is_hub_id(settings.llm) else DEFAULT_LLM
    return list(dict.fromkeys([chat, settings.embed_model]))


def _is_hub_id(name: str) -> bool:
    return (
        bool(name)
        and ":" not in name
        and not name.startswith(("/", ".", "~"))
        and name.count("/") <= 1
        and not name.lower().endswith(".gguf")
    )


def download_models(
    to: Path | None,
    settings: Settings,
    *,
    models: list[str] | None = None,
) -> list[Path]:
    """Download ``models`` (default: ``default_models(settings)``); return one local folder per model.

    Raises ``DownloadError`` with what to do when the hub is switched off or cannot be reached,
    before any partial download starts.
    """
    from huggingface_hub import snapshot_download

    repos = models or default_models(settings)
    bad = [r for r in repos if not _is_hub_id(r)]
    if bad:
        raise DownloadError(f"not Hugging Face model ids: {', '.join(bad)} (expected names like {DEFAULT_LLM})")
    if hub_offline():
        raise DownloadError(
            "HF_HUB_OFFLINE is set, so nothing can be downloaded. Unset it on a machine with internet "
            "access and run `docqa download --to DIR` there, then copy DIR here and set DOCQA_MODELS=DIR."
        )
    if not hub_reachable():
        raise DownloadError(
            "the Hugging Face hub cannot be reached from this machine. Run `docqa download --to DIR` on a "
            "machine with internet access (HF_ENDPOINT selects a mirror), copy DIR here and set DOCQA_MODELS=DIR."
        )
    folders: list[Path] = []
    for repo in repos:
        kwargs: dict[str, Any] = {"allow_patterns": HUB_PATTERNS, "ignore_patterns": IGNORE_PATTERNS}
        if to is not None:
            kwargs["local_dir"] = str(Path(to) / repo.split("/")[-1])
        log.info("downloading %s", repo)
        try:
            folder = Path(snapshot_download(repo, **kwargs))
        except Exception as exc:  # noqa: BLE001 - network, auth, not-found: one message for the user
            raise DownloadError(f"could not download {repo}: {type(exc).__name__}: {exc}") from None
        folders.append(folder)
    return folders
