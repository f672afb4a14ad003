"""FAISS vector search over chunk rowids, cached on disk beside the SQLite source of truth.

The vectors themselves live in SQLite (one transaction with their chunks); this module keeps
a FAISS index of them for fast search. The cache file carries the store generation it was
built at, so a stale or missing cache (a writer killed before saving it) is rebuilt from
SQLite instead of being trusted. Exact inner-product search (vectors are normalised, so it
is cosine) is the default; HNSW is offered for very large libraries (see bench/).
"""
from __future__ import annotations

import json
import os
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ingest.store import Store

BACKENDS = ("flat", "hnsw")


@contextmanager
def _one_openmp_thread():
    """One query at a time: OpenMP threads only add spin-wait overhead (measured 100x slower
    flat search on a busy 2-core machine). Set for the search only and put back after it:
    FAISS and torch share one OpenMP runtime, so a process-wide setting made torch run the
    embedder and the chat model on one core (ingest embedded at 15.9 instead of 28.8
    chunks/s on 2 cores)."""
    import faiss

    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


class VectorIndex:
    def __init__(self, dim: int, backend: str = "flat"):
        import faiss

        if backend not in BACKENDS:
            raise ValueError(f"vector backend must be one of {BACKENDS}, not {backend!r}")
        self.dim = dim
        self.backend = backend
        if backend == "flat":
            inner = faiss.IndexFlatIP(dim)
        else:
            inner = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
            inner.hnsw.efSearch = 128
        # IDMap2 keeps our SQLite rowids as FAISS ids and allows removal by id.
        self.index = faiss.IndexIDMap2(inner)

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def add(self, rowids: list[int] | np.ndarray, vectors: np.ndarray) -> None:
        if len(rowids):
            self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(rowids, dtype=np.int64))

    def remove(self, rowids: list[int]) -> None:
        if rowids and len(self):
            self.index.remove_ids(np.asarray(rowids, dtype=np.int64))

    def search(self, query: np.ndarray, k: int, allowed: set[int] | None = None) -> list[tuple[int, float]]:
        """(rowid, cosine) best first; ``allowed`` restricts to some chunks (document filter)."""
        if not len(self):
            return []
        import faiss

        params = None
        if allowed is not None:
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(np.asarray(sorted(allowed), dtype=np.int64)))
        with _one_openmp_thread():
            scores, ids = self.index.search(query.reshape(1, -1).astype(np.float32), min(k, len(self)), params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i != -1]

    # -- persistence ----------------------------------------------------------------------
    def save(self, path: Path, generation: int) -> None:
        """Write atomically (temp file + rename) with the generation it reflects."""
        import faiss

        tmp = path.with_suffix(".tmp")
        faiss.write_index(self.index, str(tmp))
        os.replace(tmp, path)
        stamp = path.with_suffix(".json")
        stamp_tmp = stamp.with_suffix(".json.tmp")
        stamp_tmp.write_text(json.dumps({"generation": generation, "count": len(self), "dim": self.dim, "backend": self.backend}))
        os.replace(stamp_tmp, stamp)

    @classmethod
    def load_or_rebuild(cls, path: Path, store: Store, dim: int, backend: str = "flat") -> "VectorIndex":
        import faiss

        stamp = path.with_suffix(".json")
        generation = store.generation()
        try:
            info = json.loads(stamp.read_text())
            if info.get("generation") == generation and info.get("dim") == dim and info.get("backend") == backend:
                vi = cls.__new__(cls)
                vi.dim, vi.backend = dim, backend
                vi.index = faiss.read_index(str(path))
                return vi
        except (OSError, ValueError, RuntimeError):
            pass  # missing or unreadable cache: rebuild below
        vi = cls(dim, backend)
        for ids, vecs in store.iter_vectors():
            vi.add(ids, vecs)
        return vi
