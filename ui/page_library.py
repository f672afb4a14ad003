"""The library: what is in the index, with remove and re-index actions, and an empty state
that tells a first-time user what to do."""
from __future__ import annotations

import logging
import os
from pathlib import Path

import streamlit as st
from filelock import Timeout

from ingest.index import IndexError_
from ingest.pipeline import IngestFatal, ingest, remove_document
from ingest.settings import Settings
from ingest.store import DocumentRecord
from ui.page_engine import IndexFacts
from ui.page_render import counted, escape_markdown, human_size, pages_or_rows, when
from ui.page_uploads import LOCK_TIMEOUT_S, ProgressBars, short_outcome

log = logging.getLogger(__name__)

_FLASH_KEY = "library_flash"  # messages about the last action, shown after the rerun
_CONFIRM_KEY = "library_confirm_remove"
_KIND_NAMES = {
    "pdf": "PDF", "docx": "Word", "doc": "Word", "docm": "Word", "dotx": "Word", "dotm": "Word", "dot": "Word",
    "wps": "WPS Writer", "wpt": "WPS Writer", "et": "WPS Spreadsheets", "ett": "WPS Spreadsheets",
    "xltx": "Excel", "xltm": "Excel", "xlsx": "Excel", "xlsm": "Excel", "xls": "Excel", "csv": "CSV", "tsv": "CSV",
    "txt": "Text", "md": "Markdown", "markdown": "Markdown", "html": "HTML", "htm": "HTML", "pptx": "PowerPoint",
}


def render_library(settings: Settings, facts: IndexFacts) -> None:
    st.subheader("Library", anchor=False)
    for level, message in st.session_state.pop(_FLASH_KEY, []):
        getattr(st, level)(message)
    if facts.problem:
        st.error(escape_markdown(facts.problem, code=True))
        return
    if not facts.documents:
        render_empty_state()
        return
    failed = len(facts.documents) - len(facts.indexed)
    summary = f"{counted(len(facts.indexed), 'document')} · {counted(facts.chunks, 'chunk')}"
    if failed:
        summary += f" · {failed} could not be read"
    st.caption(f"{summary} · index {human_size(facts.size_bytes)} on disk")
    st.dataframe(
        [_row(d) for d in facts.documents],
        hide_index=True,
        width="stretch",
        column_config={
            # Pixel widths: the defaults cut "Pages / rows" and the time of "Indexed at".
            "Name": st.column_config.TextColumn("Name", width=240),
            "Type": st.column_config.TextColumn("Type", width=70),
            "Pages / rows": st.column_config.TextColumn("Pages / rows", width=100),
            "Chunks": st.column_config.NumberColumn("Chunks", width=70),
            "Indexed at": st.column_config.TextColumn("Indexed at", width=130),
            "Status": st.column_config.TextColumn("Status", width=80),
            "Problem": st.column_config.TextColumn("Problem", width="large"),
        },
    )
    _actions(settings, facts.documents)


def render_empty_state() -> None:
    st.info(
        "**Your library is empty.**  \n"
        "1. Drag your policy documents — PDF, Word (.docx, .doc, WPS .wps), Excel (.xlsx, .xls, WPS .et), CSV, PowerPoint (.pptx), HTML, text or Markdown — into "
        "**Add documents** above. They are read and indexed on this computer; nothing is uploaded anywhere.  \n"
        "2. Then ask a question in **Ask**. Every answer names the file and page (or section, or sheet "
        "and rows) it comes from, and says so when your documents do not answer.",
        icon=":material/menu_book:",
    )


def _row(d: DocumentRecord) -> dict[str, object]:
    problem = d.error or ""
    if not problem and d.warnings:
        problem = "; ".join(d.warnings[:2]) + (" …" if len(d.warnings) > 2 else "")
    return {
        "Name": d.name,
        "Type": _KIND_NAMES.get(d.kind, d.kind.upper()),
        "Pages / rows": pages_or_rows(d.pages, d.rows, d.name),
        "Chunks": d.chunk_count,
        "Indexed at": when(d.indexed_at),
        "Status": d.status,
        "Problem": problem,
    }


def _labels(documents: list[DocumentRecord]) -> dict[str, str]:
    """Option labels for the selector: the file name, with its folder when two names clash."""
    counts: dict[str, int] = {}
    for d in documents:
        counts[d.name] = counts.get(d.name, 0) + 1
    return {d.path: d.name if counts[d.name] == 1 else f"{d.name} ({Path(d.path).parent.name})" for d in documents}


def _actions(settings: Settings, documents: list[DocumentRecord]) -> None:
    labels = _labels(documents)
    chosen = st.multiselect(
        "Select documents to re-index or remove",
        options=list(labels),
        format_func=lambda p: labels.get(p, os.path.basename(p)),
        key="library_selection",
        placeholder="Choose documents",
    )
    left, middle, _ = st.columns([1, 1, 4])
    reindex = left.button("Re-index", icon=":material/refresh:", disabled=not chosen, width="stretch",
                          key="library_reindex",
                          help="Read the selected files again (after you changed them, or to retry a failed one)")
    remove = middle.button("Remove", icon=":material/delete:", disabled=not chosen, width="stretch",
                           key="library_remove",
                           help="Take the selected documents out of the library")
    if remove:
        st.session_state[_CONFIRM_KEY] = list(chosen)
    pending = [p for p in st.session_state.get(_CONFIRM_KEY, []) if p in labels]
    if pending:
        _confirm_remove(settings, pending, labels)
    if reindex and chosen:
        _reindex(settings, chosen, labels)


def _confirm_remove(settings: Settings, paths: list[str], labels: dict[str, str]) -> None:
    names = ", ".join(labels[p] for p in paths)
    with st.container(border=True):
        st.warning(f"Remove {escape_markdown(names)} from the library? Answers will no longer use "
                   f"{'them' if len(paths) > 1 else 'it'}.", icon=":material/delete:")
        yes, no, _ = st.columns([1, 1, 4])
        if yes.button("Yes, remove", type="primary", width="stretch", key="library_confirm_yes"):
            st.session_state.pop(_CONFIRM_KEY, None)
            st.session_state[_FLASH_KEY] = remove_documents(settings, paths, labels)
            st.session_state.pop("library_selection", None)
            st.rerun()
        if no.button("Cancel", width="stretch", key="library_confirm_no"):
            st.session_state.pop(_CONFIRM_KEY, None)
            st.rerun()


def remove_documents(settings: Settings, paths: list[str], labels: dict[str, str]) -> list[tuple[str, str]]:
    """Remove each document from the index; an uploaded copy the page made is deleted too
    (files elsewhere, e.g. a shared folder ingested by the CLI, are never touched)."""
    messages: list[tuple[str, str]] = []
    uploads = os.path.abspath(settings.uploads_dir)
    for path in paths:
        name = escape_markdown(labels.get(path, os.path.basename(path)))
        try:
            chunks = remove_document(path, settings)
        except (IngestFatal, IndexError_, Timeout, OSError) as exc:
            messages.append(("error", f"Could not remove **{name}**: {escape_markdown(str(exc), code=True)}"))
            continue
        extra = ""
        if os.path.dirname(os.path.abspath(path)) == uploads and os.path.exists(path):
            try:
                os.unlink(path)
                extra = " and its uploaded copy deleted"
            except OSError as exc:
                extra = f" (its uploaded copy could not be deleted: {exc.strerror or exc})"
        messages.append(("success", f"Removed **{name}** from the library ({counted(chunks, 'chunk')}){extra}."))
    return messages


def _reindex(settings: Settings, paths: list[str], labels: dict[str, str]) -> None:
    n = len(paths)
    with st.status(f"Re-indexing {n} document{'s' if n != 1 else ''}…", expanded=True) as box:
        bars = ProgressBars(paths, {os.path.abspath(p): labels[p] for p in paths})
        try:
            report = ingest([Path(p) for p in paths], settings, force=True, progress=bars,
                            lock_timeout_s=LOCK_TIMEOUT_S)
        except (IngestFatal, Timeout) as exc:
            reason = str(exc) if isinstance(exc, IngestFatal) else "another indexing job is running; try again later"
            box.update(label="Re-indexing could not run", state="error")
            message = f"Re-indexing could not run: {escape_markdown(reason, code=True)}"
            st.session_state[_FLASH_KEY] = [("error", message)]
            st.rerun()
        messages = []
        for f in report.files:
            name = escape_markdown(labels.get(f.path, os.path.basename(f.path)))
            if f.status in ("indexed", "unchanged"):
                messages.append(("success", f"Re-indexed **{name}**: {short_outcome(f.status, f.chunks)}."))
            else:
                why = escape_markdown(f.reason or f.status, code=True)
                messages.append(("error", f"**{name}** could not be re-indexed: {why}"))
        box.update(label="Re-indexing finished", state="complete", expanded=False)
    st.session_state[_FLASH_KEY] = messages
    st.rerun()
