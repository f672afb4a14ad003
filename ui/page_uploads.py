"""Upload and index: files dragged into the page are saved safely, then indexed, one result
per file. ``process_uploads`` is plain Python (tested directly and through AppTest); the
``render_*`` functions draw the Streamlit parts: the uploader, a status box with one progress
bar per file, and the per-file results that stay on the page.
"""
from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import streamlit as st
from filelock import Timeout

from ingest.parsers import SUPPORTED_EXTENSIONS
from ingest.pipeline import IngestFatal, ingest
from ingest.reports import FileReport, ProgressEvent
from ingest.settings import Settings
from ingest.uploads import SavedUpload, save_upload
from ui.page_render import counted, escape_markdown, pages_or_rows

log = logging.getLogger(__name__)

# What the uploader offers; the parsers decide what is really readable (and say why not).
UPLOAD_TYPES = tuple(ext.lstrip(".") for ext in SUPPORTED_EXTENSIONS)
LOCK_TIMEOUT_S = 600.0  # another writer (nightly `docqa ingest`) may hold the index a while
_RESULTS_KEY = "upload_results"
_PROCESSED_KEY = "processed_upload_ids"
_MAX_RESULTS = 60


@dataclass(frozen=True)
class UploadResult:
    name: str  # as the user's browser named it
    status: str  # indexed | unchanged | failed | rejected | skipped
    reason: str | None = None
    path: str | None = None  # where the saved copy lives
    pages: int | None = None
    rows: int | None = None
    chunks: int = 0
    warnings: tuple[str, ...] = ()


@dataclass
class UploadBatch:
    results: list[UploadResult]
    notes: list[str] = field(default_factory=list)  # e.g. "semantic search is off ..."
    fatal: str | None = None  # the batch could not run at all


def _key(path: str | os.PathLike) -> str:
    return os.path.abspath(path)


def save_all(files: Sequence[tuple[str, bytes]], settings: Settings) -> list[tuple[str, SavedUpload]]:
    """Save each (name, bytes) with ``save_upload`` (sanitised name, size limit, dedupe)."""
    out = []
    for name, data in files:
        try:
            out.append((name, save_upload(name, data, settings)))
        except OSError as exc:  # disk full, permissions: about this file, not the batch
            log.warning("could not save upload %s: %s", name, exc)
            reason = f"could not be saved on the server: {exc.strerror or exc}"
            out.append((name, SavedUpload(name, None, "rejected", reason)))
    return out


def index_saved(
    saved: Sequence[tuple[str, SavedUpload]],
    settings: Settings,
    progress: Callable[[ProgressEvent], None] | None = None,
    lock_timeout_s: float = LOCK_TIMEOUT_S,
) -> UploadBatch:
    """Index the saved files in one batch and give one result per upload, in upload order."""
    to_index = list(dict.fromkeys(item.path for _, item in saved if item.status != "rejected" and item.path))
    batch = UploadBatch([])
    reports: dict[str, FileReport] = {}
    if to_index:
        try:
            report = ingest(to_index, settings, progress=progress, lock_timeout_s=lock_timeout_s)
            reports = {_key(f.path): f for f in report.files}
            batch.notes = list(report.notes)
        except IngestFatal as exc:
            batch.fatal = str(exc)
        except Timeout:
            batch.fatal = (
                f"another indexing job kept the index busy for {lock_timeout_s / 60:.0f} minutes; "
                "try again when it has finished"
            )
    for name, item in saved:
        if item.status == "rejected" or item.path is None:
            batch.results.append(UploadResult(name, "rejected", item.reason))
            continue
        duplicate_of = item.reason if item.status == "duplicate" else None
        batch.results.append(_from_report(name, item.path, duplicate_of, reports.get(_key(item.path)), batch.fatal))
    return batch


def process_uploads(
    files: Sequence[tuple[str, bytes]],
    settings: Settings,
    progress: Callable[[ProgressEvent], None] | None = None,
    lock_timeout_s: float = LOCK_TIMEOUT_S,
) -> UploadBatch:
    """Save and index uploaded (name, bytes) pairs. Never raises for bad input: a rejected
    upload, an unreadable file or an index that cannot be written each become a result with
    a reason, and the other files go on."""
    return index_saved(save_all(files, settings), settings, progress, lock_timeout_s)


def _from_report(name: str, path: Path, duplicate_of: str | None, report: FileReport | None,
                 fatal: str | None) -> UploadResult:
    if report is None:
        return UploadResult(name, "failed", fatal or "was not indexed (no report from the indexer)", str(path))
    status = report.status
    reason = report.reason
    if status == "unchanged":
        reason = duplicate_of or "same content as a file already in the library"
    elif status == "indexed" and duplicate_of:
        reason = duplicate_of
    return UploadResult(name, status, reason, str(path), report.pages, report.rows, report.chunks,
                        tuple(report.warnings))


# ------------------------------------------------------------------ progress in the page


class ProgressBars:
    """One st.progress bar per file, driven by the pipeline's ProgressEvents (same thread)."""

    def __init__(self, paths: Sequence[Path | str], names: dict[str, str] | None = None):
        names = names or {}
        self.names = {_key(p): names.get(_key(p), os.path.basename(str(p))) for p in paths}
        self.bars = {key: st.progress(0, text=f"{escape_markdown(name)} · waiting")
                     for key, name in self.names.items()}

    def __call__(self, event: ProgressEvent) -> None:
        if event.kind == "note":  # e.g. "semantic search is off ...": said where the work is shown
            st.caption(escape_markdown(event.message, code=True))
            return
        key = _key(event.path) if event.path else ""
        bar = self.bars.get(key)
        if bar is None:
            return
        name = escape_markdown(self.names[key])
        if event.kind == "file":
            bar.progress(5, text=f"{name} · reading the file…")
        elif event.kind == "chunks" and event.total:
            done = min(event.done, event.total)
            bar.progress(10 + int(88 * done / event.total), text=f"{name} · embedding {done}/{event.total} chunks")
        elif event.kind == "file_done" and event.report is not None:
            bar.progress(100, text=f"{name} · {short_outcome(event.report.status, event.report.chunks)}")


def short_outcome(status: str, chunks: int = 0) -> str:
    return {
        "indexed": f"indexed ({counted(chunks, 'chunk')})",
        "unchanged": "already indexed",
        "failed": "failed",
        "skipped": "not a supported format",
        "removed": "removed",
    }.get(status, status)


# ------------------------------------------------------------------ the section


def limit_mb(settings: Settings) -> int:
    return max(1, math.ceil(settings.max_file_mb))


def render_uploads(settings: Settings) -> bool:
    """The "Add documents" section. Returns True when a batch was indexed in this run."""
    st.subheader("Add documents", anchor=False)
    files = st.file_uploader(
        "Drag PDF, Word, Excel, CSV, PowerPoint, HTML, text or Markdown files here",
        type=list(UPLOAD_TYPES),
        accept_multiple_files=True,
        max_upload_size=limit_mb(settings),
        key="uploader",
        help=f"Saved in {settings.uploads_dir} and indexed there.",
    )
    st.caption(
        f"Up to {limit_mb(settings)} MB per file. Files are read and indexed on this computer; nothing is "
        "sent anywhere. Scanned PDFs without a text layer cannot be read."
    )
    processed: set[str] = st.session_state.setdefault(_PROCESSED_KEY, set())
    # Streamlit hands the same files to every rerun; each upload is processed once.
    new = [f for f in files or [] if f.file_id not in processed]
    # Always one slot for the status box, used or not: elements below keep their place between
    # reruns, so Streamlit does not show a faded copy of the results while the next run works.
    slot = st.empty()
    ran = False
    if new:
        with slot.container():
            batch = _run_batch([(f.name, f.getvalue()) for f in new], settings)
        processed.update(f.file_id for f in new)
        st.session_state[_RESULTS_KEY] = (batch.results + st.session_state.get(_RESULTS_KEY, []))[:_MAX_RESULTS]
        ran = True
    render_results(st.session_state.get(_RESULTS_KEY, []))
    return ran


def _run_batch(files: list[tuple[str, bytes]], settings: Settings) -> UploadBatch:
    n = len(files)
    with st.status(f"Indexing {n} file{'s' if n != 1 else ''}…", expanded=True) as box:
        saved = save_all(files, settings)
        # One bar per file to index, created before the batch starts so the whole batch shows.
        paths = [item.path for _, item in saved if item.status != "rejected" and item.path]
        names = {_key(item.path): name for name, item in saved if item.path}
        bars = ProgressBars(list(dict.fromkeys(paths)), names)
        batch = index_saved(saved, settings, progress=bars)
        if batch.fatal:
            st.error(f"Indexing could not run: {escape_markdown(batch.fatal, code=True)}")
        failed = sum(r.status in ("failed", "rejected", "skipped") for r in batch.results)
        done = n - failed
        label = f"Indexed {done} of {n} file{'s' if n != 1 else ''}"
        if failed:
            label += f" · {failed} could not be added"
        box.update(label=label, state="error" if failed and not done else "complete", expanded=False)
    return batch


def render_results(results: Sequence[UploadResult]) -> None:
    """One line per file: indexed / already indexed quietly, problems as plain st.error boxes."""
    for r in results:
        name = f"**{escape_markdown(r.name)}**"
        if r.status == "indexed":
            detail = ", ".join(x for x in (pages_or_rows(r.pages, r.rows, r.name), counted(r.chunks, "chunk")) if x)
            st.markdown(f":green[:material/check_circle:] {name} · indexed · {detail}")
            for warning in r.warnings[:3]:
                st.caption(f"{escape_markdown(r.name)}: {escape_markdown(warning, code=True)}")
        elif r.status == "unchanged":
            why = f" ({escape_markdown(r.reason)})" if r.reason else ""
            st.markdown(f":blue[:material/library_add_check:] {name} · already in the library{why}")
        elif r.status == "rejected":
            why = escape_markdown(r.reason or "unknown reason")
            st.error(f"{name} was not accepted: {why}", icon=":material/block:")
        elif r.status == "skipped":
            why = escape_markdown(r.reason or "unsupported format")
            st.warning(f"{name} was skipped: {why}", icon=":material/help:")
        else:
            why = escape_markdown(r.reason or "unknown reason")
            st.error(f"{name} could not be indexed: {why}", icon=":material/error:")
