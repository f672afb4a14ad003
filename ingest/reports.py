"""What an ingest run reports: per file, per batch, and as it goes (progress events).

Kept apart from the pipeline so the page, the CLI's progress bar and the API can read a report
without importing the machinery that makes one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Literal

Status = Literal["indexed", "unchanged", "failed", "skipped", "removed"]


@dataclass
class FileReport:
    path: str
    status: Status
    reason: str | None = None
    pages: int | None = None
    rows: int | None = None
    chunks: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)


@dataclass
class IngestReport:
    files: list[FileReport]
    seconds: float
    semantic: bool  # vectors were built (dense retrieval available)
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # parse / chunk / embed / index seconds

    @property
    def totals(self) -> dict[str, int | float]:
        out: dict[str, int | float] = {s: 0 for s in ("indexed", "unchanged", "failed", "skipped", "removed")}
        for f in self.files:
            out[f.status] += 1
        out["files"] = len(self.files)
        out["pages"] = sum(f.pages or 0 for f in self.files if f.status == "indexed")
        out["chunks"] = sum(f.chunks for f in self.files if f.status == "indexed")
        embed_s = self.timings.get("embed", 0.0)
        out["chunks_per_s"] = round(out["chunks"] / self.seconds, 2) if self.seconds else 0.0
        out["embed_chunks_per_s"] = round(out["chunks"] / embed_s, 2) if embed_s else 0.0
        return out

    @property
    def exit_code(self) -> int:
        return 2 if any(f.status == "failed" for f in self.files) else 0


@dataclass(frozen=True)
class ProgressEvent:
    kind: Literal["start", "file", "chunks", "file_done", "note"]
    path: str = ""
    index: int = 0  # 1-based file number
    total: int = 0  # files in the batch (or chunks of this file for "chunks")
    done: int = 0  # chunks embedded so far for "chunks"
    report: FileReport | None = None
    message: str = ""


Progress = Callable[[ProgressEvent], None]
