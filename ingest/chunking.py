"""Blocks -> chunks: token-bounded, sentence-packed, never crossing a page, sheet or section
(a paragraph that a page break cut mid-sentence is one block with both pages, see pdf.py; a
lead-in at the foot of a page goes with what it introduces overleaf, see segments.py).

Why by hand: LangChain/LlamaIndex splitters count characters or English tokens and know
nothing of our provenance (a chunk must keep one page span / section path / row span), so
the packing rules live here, small and tested. Token counts come from the embedding model's
own tokenizer (passed in as ``count_tokens``) so chunks fit the embedder's window.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Callable, Iterable

from ingest.blocks import Block, BlockKind, ParseResult
from ingest.segments import segments_of
from ingest.textutil import is_cjk, split_sentences

TokenCounter = Callable[[str], int]
SECTION_SEP = " > "
# Bumped when the same blocks would be chunked differently, so an index notes that --rebuild
# applies the new chunking. 1: until 2026-11-29; 3: the blocks of one source paragraph (block
# ``group``) are kept together like a single paragraph. (2, paragraphs kept whole up to 1.5x the
# chunk size, was measured and dropped: EVAL.md "Chunking".) 4: a lead-in ending in a colon is
# kept with the list items after it. 5: headings with no body of their own join the next
# segment instead of making a chunk of a heading alone. 6: of those, a heading that the next
# heading repeats is dropped. 7: "repeats" also covers a heading the next one opens with as
# whole words (textutil.repeats_heading, shared with the PDF section path). 8: a lead-in ending
# in a colon never ends a chunk: it is carried into the chunk that holds what it introduces, on
# the same page or (with the headings above it) over a page break; the few last lines of a
# section that spill onto the next page join the page before them. 9: sentences no longer end at
# abbreviations ("Fed. R. Bankr. P.", "sec. 4") or before a word in lower case (textutil).
CHUNKER_VERSION = 9
_Unit = tuple[str, Block, bool]  # (sentence, its block, first sentence of its block?)


@dataclass(frozen=True)
class Chunk:
    """A unit of retrieval. ``text`` is what is indexed (context prefix + body); ``body`` is
    the document's own words, shown in prompts and citations. Provenance stays in fields."""

    id: str
    ordinal: int
    text: str
    body: str
    kind: str
    page_start: int | None = None
    page_end: int | None = None
    section: str | None = None
    sheet: str | None = None
    row_start: int | None = None
    row_end: int | None = None
    token_count: int = 0


# What a chunk's indexed text carries before its body (``Chunk.text``; the body alone is shown):
# "section" the document's name, sheet, section path and table title; "names" the same without
# the section path (names of the document, sheet and table only); "none" nothing. Measured at
# the current code: EVAL.md "Ablation: context prefix".
CHUNK_CONTEXTS = ("section", "names", "none")


@dataclass(frozen=True)
class ChunkerConfig:
    max_tokens: int = 320
    overlap_tokens: int = 40
    context: str = "section"


def estimate_tokens(text: str) -> int:
    """Token estimate for when no tokenizer is available (lexical-only mode).

    Roughly what XLM-R style tokenizers give: about one token per CJK character and ~1.3
    per English word; good enough to bound chunk sizes, never used for model budgets.
    """
    cjk = sum(1 for c in text if is_cjk(c))
    words = len(re.findall(r"[A-Za-z0-9]+", text))
    other = len(re.findall(r"[^\sA-Za-z0-9]", text)) - cjk
    return cjk + int(words * 1.3) + max(0, other) // 2 + 1


def context_title(title: str, file_name: str | None) -> str:
    """The document's name as the chunk prefix shows it: its title, and its file name when
    that says something the title does not.

    Why both: extracted titles are often a company name repeated on every file ("Contoso
    Electronics"), while users name files for what they are ("Northwind_Standard_Benefits
    _Details.pdf") and ask about them by that name. Numeric or hash-like names add nothing.
    """
    title = " ".join(title.split())
    if not file_name:
        return title
    stem = re.sub(r"[_\-.]+", " ", file_name.rsplit(".", 1)[0]).strip()
    stem = " ".join(stem.split())
    letters = sum(1 for c in stem if c.isalpha())
    if letters < 3 or re.fullmatch(r"[0-9a-fA-F ]{8,}", stem):
        return title
    low_title, low_stem = title.lower(), stem.lower()
    if title and low_stem in low_title:
        return title
    if not title or low_title in low_stem:
        return stem
    return f"{stem} · {title}"


def chunk_document(
    parsed: ParseResult,
    doc_key: str,
    count_tokens: TokenCounter = estimate_tokens,
    config: ChunkerConfig = ChunkerConfig(),
    file_name: str | None = None,
) -> list[Chunk]:
    """Pack a document's blocks into chunks; ``doc_key`` (path + content hash) seeds ids."""
    builder = _Builder(context_title(parsed.title, file_name), doc_key, count_tokens, config)
    for segment in segments_of(parsed.blocks, count_tokens):
        builder.add_segment(segment)
    return builder.chunks


class _Builder:
    def __init__(self, title: str, doc_key: str, count: TokenCounter, config: ChunkerConfig):
        self.title = title
        self.doc_key = doc_key
        self.count = count
        self.config = config
        self.chunks: list[Chunk] = []

    # -- segments -------------------------------------------------------------------------
    def add_segment(self, blocks: list[Block]) -> None:
        first = blocks[0]
        prefix = self._prefix(first)
        budget = max(32, self.config.max_tokens - self.count(prefix))
        rows = [b for b in blocks if b.kind in (BlockKind.ROW, BlockKind.TABLE)]
        if len(rows) == len(blocks):
            self._pack_rows(blocks, prefix, budget)
        else:
            # Tables inside prose: rows are packed whole; prose sentences in between.
            run: list[Block] = []
            for block in blocks:
                is_row = block.kind in (BlockKind.ROW, BlockKind.TABLE)
                if run and (run[0].kind in (BlockKind.ROW, BlockKind.TABLE)) != is_row:
                    self._flush_run(run, prefix, budget)
                    run = []
                run.append(block)
            if run:
                self._flush_run(run, prefix, budget)

    def _flush_run(self, run: list[Block], prefix: str, budget: int) -> None:
        if run[0].kind in (BlockKind.ROW, BlockKind.TABLE):
            self._pack_rows(run, prefix, budget)
        else:
            self._pack_prose(run, prefix, budget)

    def _prefix(self, block: Block) -> str:
        """Document title, then the sheet and its title, or the section path (without a
        leading heading that merely repeats the title), or a table's caption; less as
        ``config.context`` says."""
        if self.config.context == "none":
            return ""
        title = self.title.strip()
        parts = [title] if title else []
        if block.sheet:
            parts.append(block.sheet)
        section = [s for s in block.section_path if s.strip()]
        if section and section[0].strip() == title:
            section = section[1:]
        if section and self.config.context == "section":
            parts.append(SECTION_SEP.join(section))
        if block.title and block.title.strip() and block.title.strip() not in parts:
            parts.append(block.title.strip())
        return " | ".join(parts)

    # -- rows: never split one ------------------------------------------------------------
    def _pack_rows(self, rows: list[Block], prefix: str, budget: int) -> None:
        group: list[Block] = []
        used = 0
        for row in rows:
            n = self.count(row.text) + 1
            if group and used + n > budget:
                self._emit([r.text for r in group], group, prefix)
                group, used = [], 0
            group.append(row)
            used += n
        if group:
            self._emit([r.text for r in group], group, prefix)

    # -- prose: sentence packing with a small overlap -------------------------------------
    def _pack_prose(self, blocks: list[Block], prefix: str, budget: int) -> None:
        """Pack sentences up to the budget, preferring paragraph boundaries.

        A paragraph, the blocks of one source paragraph (a plain-text passage whose lines
        start with clause markers) or a lead-in with its list (see ``_paragraphs``) is never
        split when it fits in a chunk of its own (measured on the dev set: whole passages
        retrieve better, EVAL.md "Chunking").
        Longer paragraphs are packed sentence by sentence with a small overlap; a heading is
        never left at the end of a chunk.
        """
        current: list[_Unit] = []
        used = 0
        for paragraph in self._paragraphs(blocks, budget):
            size = sum(self.count(u[0]) for u in paragraph)
            if size <= budget:
                if current and used + size > budget:
                    current = self._flush(current, prefix, keep_overlap=False)
                    used = sum(self.count(u[0]) for u in current)
                current.extend(paragraph)
                used += size
                continue
            for unit in paragraph:
                n = self.count(unit[0])
                if current and used + n > budget:
                    current = self._flush(current, prefix, keep_overlap=True, room=budget - n)
                    used = sum(self.count(u[0]) for u in current)
                current.append(unit)
                used += n
        if current:
            self._emit_prose(current, prefix)

    def _paragraphs(self, blocks: list[Block], budget: int) -> list[list[_Unit]]:
        """Sentence units grouped by source paragraph: a block, the blocks of one group, or a
        lead-in ending in a colon with the list items that follow it ("Covered services:",
        "- X", "- Y"), which read as one statement. A lead-in and list too long for one chunk
        fall back to a paragraph per block."""
        paragraphs: list[list[list[_Unit]]] = []  # per source paragraph: its blocks' units
        has_list: list[bool] = []  # per paragraph: a lead-in joined by list items
        previous: Block | None = None
        in_list = False  # the last paragraph is a lead-in with its list so far
        for block in blocks:
            sentences = split_sentences(block.text) or [block.text.strip()]
            units = [
                (piece, block, i == 0 and j == 0)
                for i, sentence in enumerate(sentences)
                for j, piece in enumerate(self._split_long(sentence, budget))
            ]
            same_group = previous is not None and block.group is not None and block.group == previous.group
            starts_list = previous is not None and block.kind == BlockKind.LIST and (
                in_list or (previous.kind != BlockKind.HEADING and previous.text.rstrip().endswith((":", "：")))
            )
            if paragraphs and (same_group or starts_list):
                paragraphs[-1].append(units)
                has_list[-1] = has_list[-1] or starts_list
            else:
                paragraphs.append([units])
                has_list.append(False)
            in_list = starts_list or (in_list and same_group)
            previous = block
        out: list[list[_Unit]] = []
        for parts, lead_in in zip(paragraphs, has_list):
            whole = [unit for part in parts for unit in part]
            if lead_in and sum(self.count(u[0]) for u in whole) > budget:
                out.extend(parts)
            else:
                out.append(whole)
        return out

    def _flush(self, current: list[_Unit], prefix: str, *, keep_overlap: bool, room: int = 0) -> list[_Unit]:
        """Emit ``current`` and return what the next chunk starts with: trailing headings and
        a trailing lead-in (they belong to what follows), else, mid-paragraph, the overlap
        sentences."""
        carried = self._carried_tail(current)
        body = current[: len(current) - len(carried)]
        if not body:
            self._emit_prose(current, prefix)  # only headings: nothing better to do
            return []
        self._emit_prose(body, prefix)
        if carried:
            return carried
        return self._overlap(body, room) if keep_overlap else []

    @staticmethod
    def _carried_tail(units: list[_Unit]) -> list[_Unit]:
        """The headings that end ``units``, and a lead-in sentence ("Out-of-Network Copays:")
        with the headings above it."""
        tail: list[_Unit] = []
        for i, unit in enumerate(reversed(units)):
            lead_in = i == 0 and unit[1].kind is not BlockKind.HEADING and unit[0].rstrip().endswith((":", "："))
            if unit[1].kind != BlockKind.HEADING and not lead_in:
                break
            tail.insert(0, unit)
        return tail

    def _overlap(self, units: list[_Unit], room: int) -> list[_Unit]:
        """The trailing sentences (up to the overlap budget) carried into the next chunk."""
        limit = min(self.config.overlap_tokens, max(0, room))
        kept: list[_Unit] = []
        used = 0
        for unit in reversed(units):
            n = self.count(unit[0])
            if used + n > limit:
                break
            kept.insert(0, unit)
            used += n
        if kept and kept[0][1].kind == BlockKind.HEADING:
            return []
        return kept

    def _split_long(self, sentence: str, budget: int) -> list[str]:
        """Cut a sentence longer than the budget at word/character boundaries."""
        if self.count(sentence) <= budget:
            return [sentence]
        pieces: list[str] = []
        tokens = re.findall(r"\s*[A-Za-z0-9]+[^\sA-Za-z0-9]?|\s*\S", sentence)
        current = ""
        for tok in tokens:
            if current and self.count(current + tok) > budget:
                pieces.append(current.strip())
                current = tok
            else:
                current += tok
        if current.strip():
            pieces.append(current.strip())
        return pieces

    def _emit_prose(self, units: list[_Unit], prefix: str) -> None:
        lines: list[str] = []
        for text, block, new_para in units:
            if not lines:
                lines.append(text)
            elif new_para or block.kind in (BlockKind.HEADING, BlockKind.LIST):
                lines.append(text)
            else:
                sep = "" if is_cjk(lines[-1][-1:]) or is_cjk(text[:1]) else " "
                lines[-1] += sep + text
        self._emit(lines, [u[1] for u in units], prefix)

    # -- output ---------------------------------------------------------------------------
    def _emit(self, lines: list[str], blocks: list[Block], prefix: str) -> None:
        body = "\n".join(line for line in lines if line.strip())
        if not body.strip():
            return
        first = blocks[0]
        pages = [page for b in blocks for page in (b.page, b.page_end) if page is not None]
        rows = [r for b in blocks if b.row_range for r in b.row_range]
        kinds = {b.kind for b in blocks}
        kind = first.kind.value if len(kinds) == 1 else "mixed"
        text = f"{prefix}\n{body}" if prefix else body
        section = SECTION_SEP.join(first.section_path) or None
        ordinal = len(self.chunks)
        digest = hashlib.sha256(
            "\x1f".join(
                [self.doc_key, str(ordinal), str(pages[:1]), section or "", first.sheet or "", str(rows[:1]), body]
            ).encode("utf-8")
        ).hexdigest()[:24]
        self.chunks.append(
            Chunk(
                id=digest,
                ordinal=ordinal,
                text=text,
                body=body,
                kind=kind,
                page_start=min(pages) if pages else None,
                page_end=max(pages) if pages else None,
                section=section,
                sheet=first.sheet,
                row_start=min(rows) if rows else None,
                row_end=max(rows) if rows else None,
                token_count=self.count(text),
            )
        )


def iter_bodies(chunks: Iterable[Chunk]) -> list[str]:
    return [c.body for c in chunks]
