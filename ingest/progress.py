"""Terminal rendering for ingest: a rich progress bar (files and chunks) and the summary."""
from __future__ import annotations

import os
import sys
from dataclasses import asdict

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ingest.reports import IngestReport, ProgressEvent

_STYLE = {"indexed": "green", "unchanged": "dim", "failed": "red", "skipped": "yellow", "removed": "cyan"}


class ConsoleProgress:
    """A callable progress sink; a no-op when disabled (pipes, --json)."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.console = Console(stderr=True)
        self.bar = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=self.console, transient=True,
        )
        self.files_task = None
        self.chunks_task = None

    def __enter__(self) -> "ConsoleProgress":
        if self.enabled:
            self.bar.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.enabled:
            self.bar.stop()

    def __call__(self, event: ProgressEvent) -> None:
        if event.kind == "note":
            self.console.print(f"[yellow]note:[/] {event.message}")
            return
        if not self.enabled:
            return
        if event.kind == "start":
            self.files_task = self.bar.add_task("files", total=event.total)
            self.chunks_task = self.bar.add_task("chunks", total=0, visible=False)
        elif event.kind == "file":
            self.bar.update(self.files_task, description=f"files · {_short(event.path)}")
            self.bar.update(self.chunks_task, completed=0, total=0, visible=False)
        elif event.kind == "chunks":
            self.bar.update(self.chunks_task, completed=event.done, total=event.total, visible=True)
        elif event.kind == "file_done":
            self.bar.advance(self.files_task)


def _short(path: str, width: int = 40) -> str:
    name = os.path.basename(path)
    return name if len(name) <= width else name[: width - 1] + "…"


def report_json(report: IngestReport) -> dict:
    return {
        "files": [
            {k: v for k, v in asdict(f).items() if k in ("path", "status", "reason", "pages", "rows", "chunks", "warnings", "seconds")}
            for f in report.files
        ],
        "totals": report.totals,
        "seconds": round(report.seconds, 2),
        "semantic": report.semantic,
        "timings": {k: round(v, 2) for k, v in report.timings.items()},
        "notes": report.notes,
    }


def print_report(report: IngestReport) -> None:
    console = Console()
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for col in ("status", "file", "pages/rows", "chunks", "detail"):
        table.add_column(col, overflow="fold")
    root = os.path.commonpath([f.path for f in report.files]) if report.files else ""
    if root and os.path.isfile(root):
        root = os.path.dirname(root)
    for f in report.files:
        shown = os.path.relpath(f.path, root) if root else f.path
        size = f.pages if f.pages is not None else f.rows
        detail = f.reason or ("; ".join(f.warnings[:3]) + (" …" if len(f.warnings) > 3 else ""))
        table.add_row(f"[{_STYLE[f.status]}]{f.status}[/]", shown,
                      "" if size is None else str(size), str(f.chunks) if f.chunks else "", detail or "")
    if root:
        console.print(f"[dim]in {root}[/]")
    console.print(table)
    t = report.totals
    console.print(
        f"{t['indexed']} indexed, {t['unchanged']} unchanged, {t['failed']} failed, {t['skipped']} skipped"
        + (f", {t['removed']} removed" if t["removed"] else "")
        + f" · {t['pages']} pages, {t['chunks']} chunks in {report.seconds:.1f} s"
        + (f" · {t['chunks_per_s']:.1f} chunks/s overall, {t['embed_chunks_per_s']:.1f} chunks/s embedding" if t["chunks"] else "")
    )
    if not report.files:
        # A folder of nothing but hidden files (or only the index) would otherwise just say "0 indexed".
        console.print("[yellow]nothing to index: no files found (hidden files, Office lock files and the "
                      "index folder are skipped).[/]")
    if not report.semantic:
        console.print("[yellow]semantic search is off: keyword search only (see the note above).[/]")


def print_documents(docs, manifest) -> None:
    console = Console()
    table = Table(box=None, header_style="bold")
    for col in ("status", "document", "type", "pages/rows", "chunks", "indexed at", "error"):
        table.add_column(col, overflow="fold")
    for d in docs:
        size = d.pages if d.pages is not None else d.rows
        table.add_row(f"[{_STYLE.get(d.status, 'white')}]{d.status}[/]", d.path, d.kind, "" if size is None else str(size),
                      str(d.chunk_count), d.indexed_at, d.error or "")
    console.print(table)
    model = manifest.embed_model_name or "none (keyword search only)"
    console.print(f"{len(docs)} documents · embedding model: {model}")
    sys.stdout.flush()
