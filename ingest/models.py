"""Find model weights without a network: ``DOCQA_MODELS`` folders, local paths, the HF cache."""
from __future__ import annotations

import os
import socket
import threading
from pathlib import Path
from urllib.parse import urlparse

HUB_PROBE_TIMEOUT_S = 2.0


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


def hub_offline() -> bool:
    """Read at call time: huggingface_hub snapshots HF_HUB_OFFLINE at import, too early for a
    process (or a test) that sets it later."""
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        if os.environ.get(var, "").strip().upper() in ("1", "ON", "YES", "TRUE"):
            return True
    return False


def hub_reachable(timeout_s: float = HUB_PROBE_TIMEOUT_S) -> bool:
    """A TCP connect to the hub endpoint, bounded by ``timeout_s`` in total (DNS included: the
    lookup runs in a daemon thread so a resolver that hangs cannot hold the caller)."""
    if hub_offline():
        return False
    endpoint = os.environ.get("HF_ENDPOINT") or "https://huggingface.co"
    parsed = urlparse(endpoint)
    host = parsed.hostname or "huggingface.co"
    port = parsed.port or (443 if parsed.scheme != "http" else 80)
    result: list[bool] = []

    def probe() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout_s):
                result.append(True)
        except OSError:
            result.append(False)

    worker = threading.Thread(target=probe, daemon=True)
    worker.start()
    worker.join(timeout_s)
    return bool(result and result[0])
