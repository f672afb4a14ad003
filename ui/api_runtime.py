"""What one API process holds: the settings, one Answerer (hence one retriever and one chat model),
the generation gate, and the model / index status /healthz reports.

The Answerer is created lazily because the server may start before any document is indexed
(documents can be uploaded through the API); the chat model is loaded once, in the background at
start-up, through ``rag.generation.load_llm``, whose per-process cache the Answerer shares, so
answering, plain chat and sentiment all use the same weights.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.index import DB_NAME, IndexError_, Manifest
from ingest.settings import Settings
from rag.answer import Answerer
from ui.api_gate import Gate
from ui.api_security import ApiError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ApiLimits:
    max_waiting: int = 4  # generations waiting behind the running one; beyond: 429
    json_body_bytes: int = 1 << 20  # a question with its history fits many times over
    max_upload_files: int = 20
    upload_body_mb: float | None = None  # default: 2 x settings.max_file_mb (multipart overhead + a few files)
    queue_wait_s: float | None = None  # default: (max_waiting + 1) x settings.generation_timeout_s

    def upload_bytes(self, settings: Settings) -> int:
        mb = self.upload_body_mb if self.upload_body_mb is not None else 2 * settings.max_file_mb
        return int(mb * 1024 * 1024)

    def wait_s(self, settings: Settings) -> float:
        if self.queue_wait_s is not None:
            return self.queue_wait_s
        return (self.max_waiting + 1) * settings.generation_timeout_s


class Runtime:
    def __init__(self, settings: Settings, *, use_llm: bool = True, limits: ApiLimits = ApiLimits(),
                 answerer: Answerer | None = None):
        self.settings = settings
        self.use_llm = use_llm
        self.limits = limits
        self.gate = Gate(limits.max_waiting, limits.wait_s(settings))
        self.ingest_gate = Gate(max_waiting=1, wait_timeout_s=3600)  # uploads: one batch at a time
        self._answerer = answerer
        self._lock = threading.Lock()
        self._llm: Any = None
        self._llm_error: str | None = None
        self._loading = False

    # ---------------------------------------------------------------- answering
    def answerer(self) -> Answerer:
        """The process's Answerer; ApiError 503 while there is no usable index."""
        with self._lock:
            if self._answerer is None:
                try:
                    self._answerer = Answerer(self.settings, use_llm=self.use_llm)
                except IndexError_ as exc:
                    raise ApiError(503, str(exc), "index_unavailable") from None
            return self._answerer

    # ---------------------------------------------------------------- the model
    def llm(self) -> Any:
        """The loaded chat model; ApiError 503 with the loader's message when there is none."""
        if not self.use_llm:
            raise ApiError(503, "the server runs without a language model (--no-llm)", "model_unavailable")
        from rag.generation import ModelUnavailable, load_llm

        with self._lock:
            if self._llm is not None:
                return self._llm
            if self._llm_error is not None:
                raise ApiError(503, f"the chat model is not available: {self._llm_error}", "model_unavailable")
            self._loading = True
        try:
            llm = load_llm(self.settings.llm, self.settings)  # cached per process: one copy of the weights
        except ModelUnavailable as exc:
            with self._lock:
                self._llm_error, self._loading = str(exc), False
            raise ApiError(503, f"the chat model is not available: {exc}", "model_unavailable") from None
        except Exception as exc:  # noqa: BLE001 - a broken checkpoint must show in /healthz, not kill the server
            with self._lock:
                self._llm_error, self._loading = f"{type(exc).__name__}: {exc}", False
            raise ApiError(503, f"the chat model could not be loaded: {self._llm_error}", "model_unavailable") from None
        with self._lock:
            self._llm, self._loading = llm, False
        return llm

    def preload(self) -> threading.Thread:
        """Load the model (and open the index) in the background so the first request is not the
        one that waits for them; /healthz says "loading" meanwhile."""

        def work() -> None:
            for step in (self.llm, self.answerer):
                try:
                    step()
                except ApiError as exc:
                    log.warning("%s", exc.message)
            if self._answerer is not None:
                try:  # the query embedder loads lazily too: measured 5 s of the first answer when idle
                    _ = self._answerer.retriever.embedder
                except Exception as exc:  # noqa: BLE001 - the first question reports it properly
                    log.warning("could not preload the embedding model: %s", exc)

        with self._lock:
            self._loading = self.use_llm and self._llm is None and self._llm_error is None
        thread = threading.Thread(target=work, name="docqa-preload", daemon=True)
        thread.start()
        return thread

    # ---------------------------------------------------------------- status
    def model_status(self) -> dict[str, Any]:
        with self._lock:
            if not self.use_llm:
                return {"name": None, "status": "disabled", "error": None, "dtype": None}
            if self._llm is not None:
                return {"name": self._llm.name, "status": "loaded", "error": None, "dtype": self._llm.dtype}
            if self._llm_error is not None:
                return {"name": self.settings.llm, "status": "error", "error": self._llm_error, "dtype": None}
            return {"name": self.settings.llm, "status": "loading" if self._loading else "not_loaded",
                    "error": None, "dtype": None}

    def index_status(self) -> dict[str, Any]:
        from ingest.store import Store

        index_dir = Path(self.settings.index_dir)
        out: dict[str, Any] = {"dir": str(index_dir), "status": "missing", "error": None}
        if not (index_dir / DB_NAME).exists():
            out["error"] = f"no index at {index_dir}: add documents with POST /v1/documents or `docqa ingest`"
            return out
        try:
            store = Store(index_dir / DB_NAME, readonly=True)
            try:
                docs = store.documents()
                manifest = Manifest.from_meta(store.meta())
                out.update(
                    status="ready",
                    documents=sum(1 for d in docs if d.status == "indexed"),
                    failed=sum(1 for d in docs if d.status != "indexed"),
                    chunks=store.chunk_count(),
                    embed_model=manifest.embed_model_name if manifest else None,
                )
            finally:
                store.close()
        except Exception as exc:  # noqa: BLE001 - report, do not fail the health check
            out.update(status="error", error=f"{type(exc).__name__}: {exc}")
        return out

    def health(self, auth: bool) -> dict[str, Any]:
        model, index = self.model_status(), self.index_status()
        ok = index["status"] == "ready" and model["status"] != "error"
        return {
            "status": "ok" if ok else "degraded",
            "model": model,
            "index": index,
            "queue": {"running": self.gate.running, "waiting": self.gate.waiting, "max_waiting": self.gate.max_waiting},
            "auth": auth,
        }
