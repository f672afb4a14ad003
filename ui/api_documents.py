"""POST/GET /v1/documents and DELETE /v1/documents/{id}: the page's upload and document list, over HTTP.

Uploads go through the same two steps as the page: ``ingest.uploads.save_upload`` (name
sanitised, format and size checked, duplicates detected) and then ``ingest.pipeline.ingest`` on
the accepted files; the answer is one report per uploaded file. Ingest is CPU-bound too, so
batches run one at a time (one more may wait; beyond that 429), in a worker thread, never on the
event loop.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from fastapi import APIRouter, File, UploadFile

from ingest.index import DB_NAME, IndexError_
from ingest.progress import report_json
from ingest.settings import Settings
from ingest.uploads import SavedUpload, save_upload
from ui.api_gate import Busy, GatedRun
from ui.api_models import DeleteResponse, DocumentList, ErrorResponse, UploadResponse
from ui.api_runtime import Runtime
from ui.api_security import ApiError

log = logging.getLogger(__name__)

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse} for code in (401, 404, 413, 422, 429, 500, 503)
}
INGEST_LOCK_TIMEOUT_S = 600.0  # another writer (a nightly `docqa ingest`) may hold the index


def document_json(d: Any) -> dict[str, Any]:
    return {
        "id": d.id, "name": d.name, "path": d.path, "kind": d.kind, "status": d.status, "error": d.error,
        "title": d.title, "pages": d.pages, "rows": d.rows, "chunks": d.chunk_count, "size": d.size,
        "indexed_at": d.indexed_at, "warnings": list(d.warnings or []),
    }


def _open_store(settings: Settings) -> Any:
    from ingest.store import Store

    db = Path(settings.index_dir) / DB_NAME
    if not db.exists():
        return None
    return Store(db, readonly=True)


def _ids_by_path(settings: Settings) -> dict[str, int]:
    store = _open_store(settings)
    if store is None:
        return {}
    try:
        return {d.path: d.id for d in store.documents()}
    finally:
        store.close()


def _save_and_ingest(received: list[tuple[str, bytes]], settings: Settings) -> tuple[list[SavedUpload], Any]:
    """Save (checks, dedup by hash) and index the uploads; runs in the worker thread, since hashing
    and parsing are blocking work the event loop must not do."""
    from ingest.pipeline import IngestFatal, ingest

    saved = [save_upload(name, data, settings) for name, data in received]
    paths = sorted({Path(s.path) for s in saved if s.path is not None})
    if not paths:
        return saved, None
    try:
        report = ingest(paths, settings, lock_timeout_s=INGEST_LOCK_TIMEOUT_S)
    except IngestFatal as exc:
        raise ApiError(503, f"cannot index the uploads: {exc}", "index_unavailable") from None
    except TimeoutError:  # filelock.Timeout: another ingest holds the index
        raise ApiError(503, "the index is busy with another ingest; try again later", "server_busy",
                       {"Retry-After": "60"}) from None
    return saved, report


def file_reports(saved: list[SavedUpload], report: Any, ids: dict[str, int]) -> list[dict[str, Any]]:
    by_path = {f.path: f for f in report.files} if report is not None else {}
    out = []
    for s in saved:
        row: dict[str, Any] = {"name": s.original_name, "upload": s.status, "path": str(s.path) if s.path else None,
                               "status": "rejected", "reason": s.reason, "document_id": None, "chunks": 0}
        if s.path is not None:
            f = by_path.get(os.path.abspath(s.path))
            if f is not None:
                row.update(status=f.status, reason=f.reason or (s.reason if f.status == "unchanged" else None),
                           pages=f.pages, rows=f.rows, chunks=f.chunks, warnings=f.warnings,
                           document_id=ids.get(f.path))
            else:
                row.update(status="failed", reason="not indexed (no report for this file)")
        out.append(row)
    return out


def build_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(tags=["documents"], responses=ERRORS)
    settings = runtime.settings

    @router.post("/v1/documents", response_model=UploadResponse, summary="Upload and index documents")
    async def upload(files: list[UploadFile] = File(..., description="PDF, Word (.docx, .doc, WPS .wps), Excel (.xlsx, .xls, WPS .et), CSV, PowerPoint (.pptx), HTML, text or Markdown files")) -> Any:
        """Each file is checked (format, size, duplicate) and saved to the uploads folder, then the
        accepted ones are indexed; one report per file. A broken file is reported with its reason
        and does not stop the others."""
        if len(files) > runtime.limits.max_upload_files:
            raise ApiError(413, f"too many files ({len(files)}); at most {runtime.limits.max_upload_files} per request")
        received: list[tuple[str, bytes]] = []
        for item in files:
            received.append((item.filename or "upload", await item.read()))  # bounded by BodyLimitMiddleware
            await item.close()
        try:
            run = GatedRun(runtime.ingest_gate, lambda cancel: iter([_save_and_ingest(received, settings)]))
        except Busy as exc:
            raise ApiError(429, f"another upload is being indexed: {exc}", headers={"Retry-After": str(exc.retry_after_s)})
        ((saved, report),) = await run.result()
        ids = _ids_by_path(settings)
        return {"files": file_reports(saved, report, ids), "ingest": report_json(report) if report is not None else None}

    @router.get("/v1/documents", response_model=DocumentList, summary="List indexed documents")
    async def list_documents() -> Any:
        from ingest.index import Manifest

        store = _open_store(settings)
        if store is None:
            return {"documents": [], "embed_model": None}
        try:
            manifest = Manifest.from_meta(store.meta())
            return {"documents": [document_json(d) for d in store.documents()],
                    "embed_model": manifest.embed_model_name if manifest else None}
        finally:
            store.close()

    @router.delete("/v1/documents/{doc_id}", response_model=DeleteResponse, summary="Remove a document")
    async def delete_document(doc_id: int) -> Any:
        """Removes the document from the index; when it was uploaded (it lives in the uploads
        folder) the file is deleted too, so re-scanning the folder does not bring it back."""
        from starlette.concurrency import run_in_threadpool

        store = _open_store(settings)
        record = store.document_by_id(doc_id) if store is not None else None
        if store is not None:
            store.close()
        if record is None:
            raise ApiError(404, f"no document with id {doc_id} (see GET /v1/documents)")
        return await run_in_threadpool(_delete, record.path, settings, doc_id)

    return router


def _delete(path: str, settings: Settings, doc_id: int) -> dict[str, Any]:
    from ingest.pipeline import IngestFatal, remove_document

    try:
        removed = remove_document(path, settings)
    except (IngestFatal, IndexError_) as exc:
        raise ApiError(404, str(exc)) from None
    uploads = os.path.abspath(settings.uploads_dir)
    deleted = False
    if os.path.commonpath([uploads, os.path.abspath(path)]) == uploads and os.path.isfile(path):
        os.unlink(path)
        deleted = True
    return {"id": doc_id, "path": path, "chunks_removed": removed, "file_deleted": deleted}
