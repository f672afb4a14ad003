"""Find model weights without a network: ``DOCQA_MODELS`` folders, local paths, the HF cache."""
from __future__ import annotations

from pathlib import Path


def resolve_model(name_or_path: str, models_dir: Path) -> str:
    """Return a local directory/file for ``name_or_path`` when one exists, else the name itself.

    Looked up in order: an existing path; ``models_dir/<org>/<name>``; ``models_dir/<name>``
    (the layout ``docqa download --to DIR`` and ../shared/tools produce). A bare hub id is
    returned unchanged, for transformers to find in its cache (or download where allowed).
    """
    candidate = Path(name_or_path).expanduser()
    if candidate.exists():
        return str(candidate)
    if "/" in name_or_path or name_or_path:
        tail = name_or_path.split(":", 1)[-1]  # "modelscope:qwen/X" -> "qwen/X"
        for sub in (tail, tail.split("/")[-1]):
            local = models_dir / sub
            if local.exists():
                return str(local)
    return name_or_path


def short_name(name_or_path: str) -> str:
    """A readable model name for manifests and the UI ("multilingual-e5-small")."""
    return Path(name_or_path.rstrip("/")).name or name_or_path
