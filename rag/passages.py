"""The seam between retrieval and everything after it: a retrieved chunk with its scores."""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field

from ingest.textutil import split_sentences


@dataclass(frozen=True)
class Scores:
    dense: float | None = None  # cosine similarity (None when semantic search is off)
    lexical: float | None = None  # BM25
    fused: float = 0.0  # the ranking score
    rerank: float | None = None


TABLE_KINDS = ("row", "table")  # chunk kinds whose lines are table rows
ALSO_IN_SHOWN = 5  # copies named on one line of the CLI and the page; the JSON lists every one


def text_units(text: str, is_table: bool) -> list[str]:
    """What a passage is quoted and extracted by: its sentences, or a table's rows (its lines).

    A row is one record: split at its ";" like a sentence, a citation quoted "城市级别: 一类城市;
    适用城市: 北京、上海、广州、深圳; … 职级: 经理及以上;" without the rate the answer gave, and
    the extractor took a field alone ("存储与传输要求: 存放于公司网盘")."""
    if is_table:
        return [line.strip() for line in text.split("\n") if line.strip()]
    return split_sentences(text)


@dataclass(frozen=True)
class Passage:
    rowid: int
    chunk_id: str
    doc_path: str  # absolute path as indexed
    doc_title: str | None
    text: str  # as indexed, with its context prefix
    body: str  # the document's own words
    kind: str
    ordinal: int
    page_start: int | None = None
    page_end: int | None = None
    section: str | None = None
    sheet: str | None = None
    row_start: int | None = None
    row_end: int | None = None
    scores: Scores = field(default_factory=Scores)
    merged_ordinals: tuple[int, ...] = ()  # set when neighbouring chunks were merged into this one
    # Near-duplicates folded into this passage (the same text in other files or places: a
    # policy copied into two handbooks). Shown as "also in", so the reader learns every source.
    copies: tuple["Passage", ...] = ()

    @property
    def is_table(self) -> bool:
        """Whether the passage's lines are table rows ("header: value; header: value")."""
        return self.kind in TABLE_KINDS

    @property
    def ordinals(self) -> tuple[int, ...]:
        return self.merged_ordinals or (self.ordinal,)

    @property
    def doc_name(self) -> str:
        return os.path.basename(self.doc_path)

    def location(self, lang: str = "en") -> str:
        """"p. 7" / "pp. 7–8" / "第三章 > 第二节" / "Sheet2, rows 5–7": where in the file this is."""
        parts: list[str] = []
        if self.page_start is not None:
            one, many = ("slide", "slides") if self.doc_path.lower().endswith(".pptx") else ("p.", "pp.")
            if self.page_end and self.page_end != self.page_start:
                parts.append(f"{many} {self.page_start}–{self.page_end}")
            else:
                parts.append(f"{one} {self.page_start}")
        if self.section:
            parts.append(self.section)
        if self.sheet or self.row_start is not None:  # a CSV's rows have no sheet
            rows = ""
            if self.row_start is not None:
                rows = f"row {self.row_start}" if self.row_end in (None, self.row_start) else f"rows {self.row_start}–{self.row_end}"
            parts.append(", ".join(p for p in (self.sheet, rows) if p))
        return " · ".join(parts)

    def label(self) -> str:
        loc = self.location()
        return f"{self.doc_name} · {loc}" if loc else self.doc_name

    def also_in(self, shown: int = ALSO_IN_SHOWN) -> str:
        """"b.pdf · p. 3; c.docx" for the copies, the first ``shown`` of them and "and N more"
        (a notice copied onto 30 pages); "" without copies. ``to_json`` lists them all."""
        labels = [c.label() for c in self.copies]
        rest = len(labels) - shown
        return "; ".join(labels[:shown]) + (f" and {rest} more" if rest > 0 else "")

    def provenance(self) -> dict:
        return {
            "doc": self.doc_path,
            "page_start": self.page_start,
            "page_end": self.page_end,
            "section": self.section,
            "sheet": self.sheet,
            "row_start": self.row_start,
            "row_end": self.row_end,
        }

    def to_json(self, rank: int | None = None) -> dict:
        """The shape `docqa search --json` prints (and the API returns)."""
        out = {
            "rank": rank,
            **self.provenance(),
            "also_in": [c.provenance() for c in self.copies],
            "text": self.body,
            "scores": {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self.scores).items()},
        }
        if rank is None:
            out.pop("rank")
        return out


def close_to_best(passages: list[Passage], gap: float, keep: int = 1) -> list[Passage]:
    """The passages whose ranking score is within ``gap`` of the best one's, in their order; the
    first ``keep`` are always kept. (Part-question passages carry their own search's score, also
    normalised to the best of its candidates, so they are compared on the same scale.)"""
    if not passages:
        return []
    best = max(p.scores.fused for p in passages)
    return [p for i, p in enumerate(passages) if i < keep or p.scores.fused >= best - gap]
