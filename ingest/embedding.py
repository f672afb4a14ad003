"""Sentence embeddings with sentence-transformers, loaded once per process, offline-first."""
from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ingest.models import hub_offline, hub_reachable, resolve_model, short_name
from ingest.settings import Settings

log = logging.getLogger(__name__)

# Query/passage prefixes of well-known retrieval models that do not ship them as
# sentence-transformers prompts. E5 was trained with "query: " / "passage: " and loses
# several points of recall without them; BGE-zh wants an instruction on queries only.
_KNOWN_PREFIXES: tuple[tuple[str, str, str], ...] = (
    ("e5", "query: ", "passage: "),
    ("bge-small-zh", "为这个句子生成表示以用于检索相关文章：", ""),
    ("bge-base-zh", "为这个句子生成表示以用于检索相关文章：", ""),
    ("bge-large-zh", "为这个句子生成表示以用于检索相关文章：", ""),
    ("bge-", "Represent this sentence for searching relevant passages: ", ""),
)


class EmbedderUnavailable(RuntimeError):
    """The embedding model cannot be loaded; the message says what to do."""


@dataclass(frozen=True)
class EmbedderInfo:
    name: str  # as configured (hub id or path)
    short_name: str  # recorded in the manifest and compared on open
    dim: int
    dtype: str


def cpu_supports_bf16() -> bool:
    """AVX512-BF16 or AMX: the CPU has native bf16 dot products (else bf16 is emulated, slow)."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return "avx512_bf16" in flags or "amx_bf16" in flags
    except OSError:
        pass
    return False


def offline_message(what: str, name: str, reason: str) -> str:
    return (
        f"{what} '{name}' could not be loaded ({reason}). On a machine with internet access run "
        f"`docqa download --to DIR`, copy DIR here and set DOCQA_MODELS=DIR (or point "
        f"DOCQA_EMBED_MODEL / DOCQA_LLM at a local model folder)."
    )


class Embedder:
    """Wraps a SentenceTransformer: batched, L2-normalised float32 vectors, E5-style prefixes."""

    def __init__(self, model, name: str, dtype: str):
        self.model = model
        self.name = name
        self.dtype = dtype
        self.tokenizer = model.tokenizer
        get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self.dim = int(get_dim())
        self.max_tokens = int(getattr(model, "max_seq_length", 512) or 512)
        prompts = getattr(model, "prompts", {}) or {}
        lowered = short_name(name).lower()
        self._query_prompt_name = "query" if "query" in prompts else None
        self._passage_prompt_name = "passage" if "passage" in prompts else None
        self._query_prefix = self._passage_prefix = ""
        if self._query_prompt_name is None:
            for key, query_prefix, passage_prefix in _KNOWN_PREFIXES:
                if key in lowered:
                    self._query_prefix, self._passage_prefix = query_prefix, passage_prefix
                    break
        self._lock = threading.Lock()  # one encode at a time: torch on 2 cores gains nothing from more

    @property
    def info(self) -> EmbedderInfo:
        return EmbedderInfo(self.name, short_name(self.name), self.dim, self.dtype)

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def _encode(self, texts: list[str], prompt_name: str | None, prefix: str, batch_size: int) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if prompt_name is None and prefix:
            texts = [prefix + t for t in texts]
        with self._lock:
            vectors = self.model.encode(
                texts,
                prompt_name=prompt_name,
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def embed_passages(
        self,
        texts: list[str],
        batch_size: int = 16,
        on_batch: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        """Embed chunk texts; ``on_batch(n_done)`` is called as batches finish (for progress)."""
        if on_batch is None or len(texts) <= batch_size * 4:
            out = self._encode(texts, self._passage_prompt_name, self._passage_prefix, batch_size)
            if on_batch:
                on_batch(len(texts))
            return out
        # Slices of several batches keep progress moving while letting sentence-transformers
        # sort each slice by length (less padding).
        parts = []
        step = batch_size * 4
        for start in range(0, len(texts), step):
            parts.append(self._encode(texts[start : start + step], self._passage_prompt_name, self._passage_prefix, batch_size))
            on_batch(min(len(texts), start + step))
        return np.vstack(parts)

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([text], self._query_prompt_name, self._query_prefix, 1)[0]


_CACHE: dict[tuple[str, str], Embedder] = {}
_CACHE_LOCK = threading.Lock()


def load_embedder(settings: Settings, name: str | None = None, dtype: str = "auto") -> Embedder:
    """Load (once per process) the embedding model, preferring local copies; raise
    EmbedderUnavailable with instructions when it cannot be found offline."""
    name = name or settings.embed_model
    if dtype == "auto":
        dtype = os.environ.get("DOCQA_EMBED_DTYPE", "bf16" if cpu_supports_bf16() else "fp32")
    if dtype not in ("bf16", "fp32"):
        raise ValueError(f"embedding dtype must be 'auto', 'bf16' or 'fp32', not {dtype!r}")
    key = (name, dtype)
    with _CACHE_LOCK:
        if key in _CACHE:
            return _CACHE[key]
        embedder = _load(name, settings, dtype)
        _CACHE[key] = embedder
        return embedder


def _load(name: str, settings: Settings, dtype: str) -> Embedder:
    import torch

    torch.set_num_threads(settings.threads)
    quiet_transformers()
    from sentence_transformers import SentenceTransformer

    location = resolve_model(name, settings.models_dir)
    local = os.path.exists(location)
    start = time.perf_counter()
    try:
        model = SentenceTransformer(location, device="cpu", local_files_only=True, trust_remote_code=False)
    except Exception as first_error:  # noqa: BLE001 - any failure here means "not available offline"
        if local or hub_offline() or not hub_reachable():
            # Not cached and no hub to fetch it from: say so at once (a plain retry against an
            # unreachable hub spends ~90 s in back-offs on an air-gapped machine).
            raise EmbedderUnavailable(offline_message("embedding model", name, _short(first_error))) from None
        try:  # a hub id not in the cache, and the hub answers: one download attempt
            model = SentenceTransformer(location, device="cpu", trust_remote_code=False)
        except Exception as second_error:  # noqa: BLE001
            raise EmbedderUnavailable(offline_message("embedding model", name, _short(second_error))) from None
    if dtype == "bf16":
        model = model.to(torch.bfloat16)
    model.eval()
    log.info("loaded embedding model %s (%s) in %.1fs", name, dtype, time.perf_counter() - start)
    return Embedder(model, name, dtype)


def quiet_transformers() -> None:
    """Keep library progress bars and load reports off the user's terminal (we show our own)."""
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        import transformers

        transformers.utils.logging.set_verbosity_error()
        transformers.utils.logging.disable_progress_bar()
    except Exception:  # noqa: BLE001 - cosmetics only
        pass


def _short(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text[:200]
