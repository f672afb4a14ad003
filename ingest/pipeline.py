"""files -> parse (isolated) -> chunk -> embed -> one transaction per document.

Used by `docqa ingest`, the Streamlit page and the HTTP API alike. A broken file is reported
with its reason and the batch goes on; the index is never left half-written (see store.py).
"""
from __future__ import annotations

import logging
import os
import shutil
import time
from pathlib import Path

from ingest.blocks import ParseError, UnsupportedFormat
from ingest.chunking import CHUNKER_VERSION, ChunkerConfig, chunk_document, estimate_tokens
from ingest.discovery import collect_files, file_hash
from ingest.embedding import Embedder, EmbedderUnavailable, load_embedder
from ingest.index import (
    DB_NAME,
    FORMAT_VERSION,
    VECTORS_NAME,
    EmbeddingMismatch,
    IndexError_,
    Manifest,
    recover_swap,
    write_manifest_file,
    writer_lock,
)
from ingest.isolation import parse_isolated
from ingest.lexical import tokenize
from ingest.parsers import is_supported
from ingest.reports import FileReport, IngestReport, Progress, ProgressEvent
from ingest.settings import Settings
from ingest.store import NewDocument, Store
from ingest.vectors import VectorIndex

log = logging.getLogger(__name__)

# Bump when parsers or chunking change what they extract: documents indexed by an older
# version are re-parsed on the next run even if their bytes did not change.
PARSER_VERSION = 12


class IngestFatal(RuntimeError):
    """The batch cannot run at all (message says why and what to do)."""


def ingest(
    paths: list[Path],
    settings: Settings,
    *,
    rebuild: bool = False,
    prune: bool = False,
    force: bool = False,
    progress: Progress | None = None,
    lock_timeout_s: float = -1,
) -> IngestReport:
    """Index ``paths`` (files or folders) into ``settings.index_dir``; one writer at a time.

    ``force`` re-parses files even when unchanged (the page's "re-index" action)."""
    emit = progress or (lambda event: None)
    with writer_lock(settings.index_dir, lock_timeout_s):
        recover_swap(settings.index_dir)
        if rebuild:
            return _rebuild(paths, settings, prune, emit)
        return _Batch(Path(settings.index_dir), settings, emit, force=force).run(paths, prune)


def _rebuild(paths: list[Path], settings: Settings, prune: bool, emit: Progress) -> IngestReport:
    """Build a fresh index beside the old one, then swap: readers keep the old one until then."""
    index_dir = Path(os.path.abspath(settings.index_dir))
    previous: list[Path] = []
    if (index_dir / DB_NAME).exists():
        old = Store(index_dir / DB_NAME)
        previous = [Path(d.path) for d in old.documents() if Path(d.path).exists()]
        old.close()
    tmp = index_dir.parent / f"{index_dir.name}.rebuild-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        report = _Batch(tmp, settings, emit, fresh=True).run(list(paths) + previous, prune=False)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if index_dir.exists():
        old_dir = index_dir.parent / f"{index_dir.name}.old-{os.getpid()}"
        os.replace(index_dir, old_dir)
        os.replace(tmp, index_dir)
        shutil.rmtree(old_dir, ignore_errors=True)
    else:
        os.replace(tmp, index_dir)
    return report


class _Batch:
    def __init__(self, index_dir: Path, settings: Settings, emit: Progress, fresh: bool = False, force: bool = False):
        self.index_dir = index_dir
        self.force = force
        self.settings = settings
        self.emit = emit
        self.fresh = fresh
        self.notes: list[str] = []
        self.timings = {"parse": 0.0, "chunk": 0.0, "embed": 0.0, "index": 0.0}
        self._embedder: Embedder | None = None
        self.vectors: VectorIndex | None = None

    # -- setup ----------------------------------------------------------------------------
    def _open(self) -> None:
        self.index_dir.mkdir(parents=True, exist_ok=True)
        self.store = Store(self.index_dir / DB_NAME)
        manifest = Manifest.from_meta(self.store.meta())
        if manifest is None:
            manifest = self._new_manifest()
            self.store.set_meta(manifest.to_meta())
        self.manifest = manifest
        self.chunker = ChunkerConfig(manifest.chunk_tokens, manifest.chunk_overlap, manifest.chunk_context)
        if manifest.chunk_tokens != self.settings.chunk_tokens:
            self.notes.append(
                f"this index uses {manifest.chunk_tokens}-token chunks; run with --rebuild to apply "
                f"the configured {self.settings.chunk_tokens}"
            )
        elif manifest.chunk_context != self.settings.chunk_context:
            self.notes.append(
                f"this index's chunks carry the context '{manifest.chunk_context}'; run with --rebuild to apply "
                f"the configured '{self.settings.chunk_context}'"
            )
        elif manifest.chunker != CHUNKER_VERSION:
            self.notes.append("this index was chunked by an earlier docqa; run with --rebuild to apply the current chunking")
        if manifest.dense:
            self.vectors = VectorIndex.load_or_rebuild(self.index_dir / VECTORS_NAME, self.store, manifest.embed_dim or 0)
        else:
            self.notes.append(
                "semantic search is off for this index (no embedding model was available when it was built): "
                "keyword search only. To enable it, run `docqa download` on a connected machine, copy the folder "
                "here, set DOCQA_MODELS=<folder> (or DOCQA_EMBED_MODEL=<model folder>) and run "
                "`docqa ingest --rebuild`."
            )

    def _new_manifest(self) -> Manifest:
        try:
            embedder = load_embedder(self.settings)
        except EmbedderUnavailable as exc:
            self.notes.append(str(exc))
            return Manifest(
                FORMAT_VERSION, None, None, None, self.settings.chunk_tokens, self.settings.chunk_overlap_tokens,
                "estimate", chunk_context=self.settings.chunk_context,
            )
        self._embedder = embedder
        info = embedder.info
        return Manifest(
            FORMAT_VERSION, info.name, info.short_name, info.dim,
            self.settings.chunk_tokens, self.settings.chunk_overlap_tokens, "model",
            chunk_context=self.settings.chunk_context,
        )

    def _load_embedder_or_fail(self, manifest: Manifest) -> Embedder:
        name = self.settings.embed_model
        try:
            embedder = load_embedder(self.settings, name)
        except EmbedderUnavailable as exc:
            raise IngestFatal(f"this index uses semantic search, but {exc}") from None
        info = embedder.info
        if info.short_name != manifest.embed_model_name or info.dim != manifest.embed_dim:
            raise IngestFatal(
                str(EmbeddingMismatch(
                    f"this index was built with embedding model '{manifest.embed_model_name}', not "
                    f"'{info.short_name}': use the same model or re-index with `docqa ingest --rebuild`"
                ))
            )
        return embedder

    def embedder(self) -> Embedder | None:
        # Loaded only when a file actually needs embedding, so an all-unchanged re-run is fast.
        if self.manifest.dense and self._embedder is None:
            self._embedder = self._load_embedder_or_fail(self.manifest)
        return self._embedder

    # -- the batch ------------------------------------------------------------------------
    def run(self, paths: list[Path], prune: bool) -> IngestReport:
        started = time.perf_counter()
        files, reports = collect_files(paths, self.index_dir)
        try:
            self._open()
        except (IndexError_, RuntimeError) as exc:
            raise IngestFatal(str(exc)) from None
        for note in self.notes:
            self.emit(ProgressEvent("note", message=note))
        self.emit(ProgressEvent("start", total=len(files)))
        for i, path in enumerate(files, 1):
            self.emit(ProgressEvent("file", path=str(path), index=i, total=len(files)))
            try:
                report = self._one(path, i, len(files))
            except (IngestFatal, KeyboardInterrupt):
                raise
            except Exception as exc:  # noqa: BLE001 - one file's bug must not stop the batch
                # The document's transaction rolled back, so the index still holds its old state.
                log.exception("indexing %s failed", path)
                report = FileReport(str(path), "failed", f"internal error while indexing: {type(exc).__name__}: {exc}")
            reports.append(report)
            self.emit(ProgressEvent("file_done", path=str(path), index=i, total=len(files), report=report))
        if prune:
            reports.extend(self._prune())
        self._save()
        return IngestReport(reports, time.perf_counter() - started, self.manifest.dense, self.notes, self.timings)

    def _one(self, path: Path, index: int, total: int) -> FileReport:
        started = time.perf_counter()
        key = str(path)
        try:
            stat = path.stat()
            if not is_supported(path):
                raise UnsupportedFormat(f"unsupported format ({path.suffix.lower() or 'no extension'})")
            limit = self.settings.max_file_mb * 1024 * 1024
            if stat.st_size > limit:
                raise ParseError(
                    f"file too large ({stat.st_size / 1e6:.0f} MB; the limit is {self.settings.max_file_mb:.0f} MB, "
                    "set DOCQA_MAX_FILE_MB to change it)"
                )
            digest = file_hash(path)
        except UnsupportedFormat as exc:
            return FileReport(key, "skipped", str(exc), seconds=time.perf_counter() - started)
        except (ParseError, OSError) as exc:
            reason = str(exc) if isinstance(exc, ParseError) else f"cannot read file: {exc.strerror or exc}"
            return FileReport(key, "failed", reason, seconds=time.perf_counter() - started)

        existing = self.store.document(key)
        if existing and existing.content_hash == digest and existing.parser_version == PARSER_VERSION and not self.force:
            if existing.status == "indexed":
                return FileReport(key, "unchanged", None, existing.pages, existing.rows, existing.chunk_count,
                                  time.perf_counter() - started, existing.warnings)
            return FileReport(key, "failed", existing.error, seconds=time.perf_counter() - started)

        doc = NewDocument(
            path=key, name=path.name, kind=path.suffix.lower().lstrip("."), content_hash=digest,
            size=stat.st_size, mtime=stat.st_mtime, title=None, pages=None, rows=None, warnings=[],
            parser_version=PARSER_VERSION,
        )
        t0 = time.perf_counter()
        try:
            parsed = parse_isolated(path, self.settings.parse_timeout_s)
        except UnsupportedFormat as exc:
            return FileReport(key, "skipped", str(exc), seconds=time.perf_counter() - started)
        except ParseError as exc:
            self.timings["parse"] += time.perf_counter() - t0
            self.store.record_failure(doc, str(exc))
            log.info("could not read %s: %s, skipping", path, exc)
            return FileReport(key, "failed", str(exc), seconds=time.perf_counter() - started)
        self.timings["parse"] += time.perf_counter() - t0

        t0 = time.perf_counter()
        embedder = self.embedder()
        count = embedder.count_tokens if embedder is not None else estimate_tokens
        # ids derive from the path and the content: two copies of one file stay distinct chunks
        chunks = chunk_document(parsed, f"{key}\x1f{digest}", count, self.chunker, path.name)
        lexical = [" ".join(tokenize(c.text)) for c in chunks]
        self.timings["chunk"] += time.perf_counter() - t0

        vectors = None
        if embedder is not None:
            t0 = time.perf_counter()
            on_batch = lambda done: self.emit(ProgressEvent("chunks", path=key, index=index, total=len(chunks), done=done))  # noqa: E731
            vectors = embedder.embed_passages([c.text for c in chunks], self.settings.embed_batch_size, on_batch)
            self.timings["embed"] += time.perf_counter() - t0

        t0 = time.perf_counter()
        doc = NewDocument(**{**doc.__dict__, "title": parsed.title, "pages": parsed.pages, "rows": parsed.rows,
                             "warnings": parsed.warnings})
        _, removed, added = self.store.replace_document(doc, chunks, lexical, vectors)
        if self.vectors is not None and vectors is not None:
            self.vectors.remove(removed)
            self.vectors.add(added, vectors)
        self.timings["index"] += time.perf_counter() - t0
        return FileReport(key, "indexed", None, parsed.pages, parsed.rows, len(chunks),
                          time.perf_counter() - started, parsed.warnings)

    def _prune(self) -> list[FileReport]:
        out = []
        for doc in self.store.documents():
            if not Path(doc.path).exists():
                removed = self.store.remove_document(doc.path)
                if self.vectors is not None:
                    self.vectors.remove(removed)
                out.append(FileReport(doc.path, "removed", "file no longer exists", chunks=len(removed)))
        return out

    def _save(self) -> None:
        if self.vectors is not None:
            self.vectors.save(self.index_dir / VECTORS_NAME, self.store.generation())
        write_manifest_file(self.index_dir, self.manifest)
        self.store.close()


def remove_document(path: Path | str, settings: Settings) -> int:
    """Remove one document (by path) from the index; returns the number of chunks removed."""
    key = os.path.abspath(path)
    with writer_lock(settings.index_dir):
        index_dir = Path(settings.index_dir)
        if not (index_dir / DB_NAME).exists():
            raise IngestFatal(f"no index at {index_dir}")
        store = Store(index_dir / DB_NAME)
        try:
            if store.document(key) is None:
                raise IngestFatal(f"{path} is not in the index (see `docqa list`)")
            manifest = Manifest.from_meta(store.meta())
            vectors = None
            if manifest and manifest.dense and manifest.embed_dim:
                vectors = VectorIndex.load_or_rebuild(index_dir / VECTORS_NAME, store, manifest.embed_dim)
            removed = store.remove_document(key)
            if vectors is not None:
                vectors.remove(removed)
                vectors.save(index_dir / VECTORS_NAME, store.generation())
        finally:
            store.close()
    return len(removed)
