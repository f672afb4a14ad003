"""The index directory: SQLite store + FAISS cache + manifest, with one writer at a time.

Layout of ``index_dir``::

    docqa.sqlite3    documents, chunks, vectors, FTS5 lexical index (source of truth)
    vectors.faiss    FAISS cache of the vectors, + vectors.json (generation stamp)
    manifest.json    human-readable copy of the manifest kept in SQLite's meta table

The writer lock is a file *beside* the directory (``<index_dir>.lock``) so it survives a
``--rebuild`` that swaps the directory.
"""
from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from ingest.chunking import CHUNKER_VERSION
from ingest.store import Store
from ingest.vectors import VectorIndex

FORMAT_VERSION = 1
DB_NAME = "docqa.sqlite3"
VECTORS_NAME = "vectors.faiss"


class IndexError_(RuntimeError):
    """A problem with the index the user can act on (message says how)."""


class IndexMissing(IndexError_):
    pass


class EmbeddingMismatch(IndexError_):
    pass


@dataclass(frozen=True)
class Manifest:
    format_version: int
    embed_model: str | None  # as configured when built; None = lexical-only index
    embed_model_name: str | None  # short name compared on open
    embed_dim: int | None
    chunk_tokens: int
    chunk_overlap: int
    tokenizer: str  # "model" (the embedder's) or "estimate"
    chunker: int = CHUNKER_VERSION  # how blocks were cut into chunks (indexes before it: 1)
    chunk_context: str = "section"  # what the indexed text carries before the body (chunking.CHUNK_CONTEXTS)

    @classmethod
    def from_meta(cls, meta: dict[str, str]) -> "Manifest | None":
        if "format_version" not in meta:
            return None
        dim = meta.get("embed_dim")
        return cls(
            format_version=int(meta["format_version"]),
            embed_model=meta.get("embed_model") or None,
            embed_model_name=meta.get("embed_model_name") or None,
            embed_dim=int(dim) if dim else None,
            chunk_tokens=int(meta.get("chunk_tokens", "0")),
            chunk_overlap=int(meta.get("chunk_overlap", "0")),
            tokenizer=meta.get("tokenizer", "estimate"),
            chunker=int(meta.get("chunker", "1")),
            chunk_context=meta.get("chunk_context") or "section",
        )

    def to_meta(self) -> dict[str, str]:
        return {
            "format_version": str(self.format_version),
            "embed_model": self.embed_model or "",
            "embed_model_name": self.embed_model_name or "",
            "embed_dim": str(self.embed_dim or ""),
            "chunk_tokens": str(self.chunk_tokens),
            "chunk_overlap": str(self.chunk_overlap),
            "tokenizer": self.tokenizer,
            "chunker": str(self.chunker),
            "chunk_context": self.chunk_context,
        }

    @property
    def dense(self) -> bool:
        return self.embed_dim is not None


def lock_path(index_dir: Path) -> Path:
    index_dir = Path(os.path.abspath(index_dir))
    return index_dir.parent / (index_dir.name + ".lock")


def writer_lock(index_dir: Path, timeout_s: float = -1) -> FileLock:
    """The one-writer-at-a-time lock (blocking by default; ``timeout_s`` >= 0 to bound the wait)."""
    path = lock_path(index_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    return FileLock(str(path), timeout=timeout_s)


def recover_swap(index_dir: Path) -> None:
    """Finish or undo a --rebuild directory swap interrupted between its two renames."""
    index_dir = Path(os.path.abspath(index_dir))
    if index_dir.exists():
        for old in index_dir.parent.glob(index_dir.name + ".old-*"):
            shutil.rmtree(old, ignore_errors=True)
        return
    olds = sorted(index_dir.parent.glob(index_dir.name + ".old-*"))
    if olds:
        os.replace(olds[-1], index_dir)


def write_manifest_file(index_dir: Path, manifest: Manifest) -> None:
    tmp = index_dir / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest.to_meta() | {"note": "copy of the manifest in docqa.sqlite3 (meta table)"}, indent=2))
    os.replace(tmp, index_dir / "manifest.json")


class IndexReader:
    """Read side: documents, chunks, lexical and vector search. Cheap to re-open; call
    :meth:`is_stale` to learn whether a writer has committed since it was opened."""

    def __init__(self, index_dir: Path, vector_backend: str = "flat"):
        recover_swap(index_dir)
        db = Path(index_dir) / DB_NAME
        if not db.exists():
            raise IndexMissing(f"no index at {index_dir}: add documents first with `docqa ingest PATH --index {index_dir}`")
        self.index_dir = Path(index_dir)
        self.store = Store(db, readonly=True)
        self.generation_at_open = self.store.generation()
        manifest = Manifest.from_meta(self.store.meta())
        if manifest is None:
            raise IndexMissing(f"the index at {index_dir} is empty: add documents with `docqa ingest PATH`")
        if manifest.format_version != FORMAT_VERSION:
            raise IndexError_(
                f"index format {manifest.format_version} is not {FORMAT_VERSION}: re-index with `docqa ingest --rebuild`"
            )
        self.manifest = manifest
        self.vectors: VectorIndex | None = None
        if manifest.dense and manifest.embed_dim:
            self.vectors = VectorIndex.load_or_rebuild(
                self.index_dir / VECTORS_NAME, self.store, manifest.embed_dim, vector_backend
            )

    def is_stale(self) -> bool:
        try:
            return self.store.generation() != self.generation_at_open
        except Exception:  # noqa: BLE001 - a swapped-away database is stale too
            return True

    def check_embedder(self, short_name: str, dim: int) -> None:
        m = self.manifest
        if m.dense and (m.embed_model_name != short_name or m.embed_dim != dim):
            raise EmbeddingMismatch(
                f"this index was built with embedding model '{m.embed_model_name}' (dim {m.embed_dim}), "
                f"not '{short_name}' (dim {dim}): use the same model, or re-index with `docqa ingest --rebuild`"
            )

    def close(self) -> None:
        self.store.close()
