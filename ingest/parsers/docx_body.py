"""Walk a Word document's parts in order and turn them into blocks with section paths."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from lxml import etree

from ingest.blocks import Block, BlockKind
from ingest.parsers.docx_numbering import Numbering
from ingest.parsers.docx_outline import inferred_level
from ingest.parsers.docx_package import DocParts
from ingest.parsers.docx_styles import StyleSheet
from ingest.parsers.docx_tables import Row, render_table, rows_via_python_docx, rows_via_xml
from ingest.parsers.docx_xml import (
    attr,
    block_children,
    child,
    child_val,
    local,
    paragraph_text,
    text_boxes,
    to_int,
)
from ingest.textutil import is_cjk

# A "heading" longer than this is body text wearing a heading style (it happens); putting
# it into the section path of everything below would swamp every chunk's context prefix.
MAX_HEADING_CHARS = 200

NOTE_TYPES_SKIPPED = ("separator", "continuationSeparator", "continuationNotice")
HEADERS_FOOTERS = ("Headers and footers",)

# "Page 3 of 10", "- 3 -", "第 3 页 共 10 页", "iv": running headers with nothing to search.
_DIGITS = re.compile(r"\d+")
_PAGE_NUMBER_ONLY = re.compile(
    r"(?i)(?:\b(?:page|pages|of|p)\b|第|页|頁|共|\d|\b(?=[ivx])x{0,3}(?:ix|iv|v?i{0,3})\b|[\s\-–—/|.,:()\[\]])*"
)


def join_label(label: str, text: str) -> str:
    """"1." + "Scope" -> "1. Scope"; "第一章" + "总则" -> "第一章 总则"; "一、" + "总则" -> "一、总则".

    Word separates a label from its text with a tab by default; after CJK punctuation
    ("、", "）") a space would only be noise.
    """
    if not label:
        return text
    last = label[-1]
    if is_cjk(last) and unicodedata.category(last).startswith("P"):
        return label + text
    return f"{label} {text}"


class DocxWalker:
    """Produces blocks in document order; keeps the heading stack and list counters."""

    def __init__(self, parts: DocParts) -> None:
        self.parts = parts
        self.styles = StyleSheet(parts.styles)
        self.numbering = Numbering(parts.numbering, self.styles)
        self.blocks: list[Block] = []
        self.warnings: list[str] = []
        self.first_heading: str | None = None  # first Title / Heading 1, for the document title
        self._stack: list[tuple[int, str]] = []
        self._tables = 0
        self._infer_headings = False  # set by walk(): only for documents without heading styles

    @property
    def section_path(self) -> tuple[str, ...]:
        return tuple(text for _, text in self._stack)

    # -- body ---------------------------------------------------------------------------

    def walk(self) -> None:
        self._infer_headings = not self._has_styled_headings()
        for el in block_children(self.parts.body):
            self._element(el, in_box=False)
        for section, part in self.parts.notes:
            self._notes(section, part)
        self._headers_footers()

    def _has_styled_headings(self) -> bool:
        """Any paragraph with a heading style or outline level (Title alone does not count)."""
        tag = self.parts.body.tag
        for p in self.parts.body.iter(tag[: tag.index("}") + 1] + "p" if tag.startswith("{") else "p"):
            ppr = child(p, "pPr")
            outline = to_int(child_val(ppr, "outlineLvl"))
            if outline is not None:
                if 0 <= outline < 9:
                    return True
                continue
            level = self.styles.heading_level(child_val(ppr, "pStyle"))
            if level is not None and level > 0:
                return True
        return False

    def _element(self, el: etree._Element, in_box: bool) -> None:
        if local(el) == "p":
            self._paragraph(el, in_box)
        else:
            self._table(el)
        # Text boxes are invisible to paragraph text (see docx_xml); emit them right after
        # the paragraph or table anchoring them so they keep the section path they sit in.
        for box in text_boxes(el):
            for inner in block_children(box):
                self._element(inner, in_box=True)

    def _numbering_of(self, ppr: etree._Element | None, style_id: str | None) -> tuple[str | None, int | None]:
        numpr = child(ppr, "numPr")
        num_id = child_val(numpr, "numId")
        ilvl = to_int(child_val(numpr, "ilvl"))
        if num_id is None or ilvl is None:
            style_num, style_ilvl = self.styles.numbering(style_id)
            num_id = num_id if num_id is not None else style_num
            ilvl = ilvl if ilvl is not None else style_ilvl
        return num_id, ilvl

    def paragraph_with_label(self, p: etree._Element) -> tuple[str, str, int | None]:
        """(label, text, heading level) of a paragraph; advances the list counters."""
        ppr = child(p, "pPr")
        style_id = child_val(ppr, "pStyle")
        if self.styles.is_toc(style_id):
            return "", "", None
        # Count the number even for an empty item: Word shows (and consumes) it.
        label = self.numbering.label(*self._numbering_of(ppr, style_id))
        text = paragraph_text(p)
        outline = to_int(child_val(ppr, "outlineLvl"))
        if outline is not None:
            level = outline + 1 if 0 <= outline < 9 else None
        else:
            level = self.styles.heading_level(style_id)
        return label, text, level

    def _paragraph(self, p: etree._Element, in_box: bool) -> None:
        label, text, level = self.paragraph_with_label(p)
        if not text:
            return
        full = join_label(label, text)
        path = self.section_path
        if level is None and self._infer_headings and not in_box:
            level = inferred_level(full)
        if level is not None and not in_box and len(full) <= MAX_HEADING_CHARS:
            while self._stack and self._stack[-1][0] >= level:
                self._stack.pop()
            heading = full.replace("\n", " ")
            self._stack.append((level, heading))
            if self.first_heading is None and level <= 1:
                self.first_heading = heading
            self.blocks.append(Block(heading, BlockKind.HEADING, section_path=self.section_path))
            return
        self.blocks.append(Block(full, BlockKind.LIST if label else BlockKind.PARAGRAPH, section_path=path))

    # -- tables -------------------------------------------------------------------------

    def _cell_text(self, tc: etree._Element) -> str:
        """A cell's paragraphs (with list labels) and nested tables, flattened to one line."""
        pieces: list[str] = []
        for el in block_children(tc):
            if local(el) == "p":
                label, text, _ = self.paragraph_with_label(el)
                if text:
                    pieces.append(join_label(label, text))
            else:  # nested table: best effort, its rows as "a | b" lines
                for row in rows_via_xml(el, self._cell_text):
                    line = " | ".join(c.text for c in row.cells if c.text)
                    if line:
                        pieces.append(line)
        return " ".join(pieces).replace("\n", " ")

    def _table(self, tbl: etree._Element) -> None:
        self._tables += 1
        rows: list[Row] | None = None
        if self.parts.table_parent is not None:
            counters = self.numbering.snapshot()
            try:
                rows = rows_via_python_docx(tbl, self.parts.table_parent, self._cell_text)
            except Exception as exc:  # python-docx raises ValueError/IndexError on broken grids
                self.numbering.restore(counters)  # the XML pass below counts list items again
                self.warnings.append(
                    f"table {self._tables}: python-docx could not read it "
                    f"({type(exc).__name__}: {str(exc)[:120]}); rows read from the XML instead"
                )
        if rows is None:
            rows = rows_via_xml(tbl, self._cell_text)
        self.blocks.extend(render_table(rows, self.section_path))

    # -- notes, headers and footers -----------------------------------------------------

    def _plain_lines(self, container: etree._Element) -> list[str]:
        """Text of a note or header part: paragraphs, table rows as "a | b", text boxes.

        Tables go through the grid reader so that the stale text Word keeps (but does not
        show) in vertically merged cells is not picked up.
        """
        lines: list[str] = []
        for el in block_children(container):
            if local(el) == "p":
                text = paragraph_text(el)
                if text:
                    lines.append(text)
            else:
                for row in rows_via_xml(el, lambda tc: " ".join(self._plain_lines(tc))):
                    line = " | ".join(c.text for c in row.cells if c.text)
                    if line:
                        lines.append(line)
            for box in text_boxes(el):
                lines.extend(self._plain_lines(box))
        return lines

    def _notes(self, section: str, part: etree._Element) -> None:
        seen: set[str] = set()  # converters (Google Docs) repeat a note per reference
        for note in part:
            if local(note) not in ("footnote", "endnote") or attr(note, "type") in NOTE_TYPES_SKIPPED:
                continue
            text = " ".join(self._plain_lines(note))
            if text and text not in seen:
                seen.add(text)
                self.blocks.append(Block(text, BlockKind.PARAGRAPH, section_path=(section,)))

    def _headers_footers(self) -> None:
        texts = (" ".join(self._plain_lines(part)).replace("\n", " ") for part in self.parts.headers_footers)
        self.blocks.extend(header_footer_blocks(texts))


def header_footer_blocks(texts: Iterable[str]) -> list[Block]:
    """Blocks for the running headers and footers worth searching: each once, page numbers not."""
    blocks: list[Block] = []
    seen: set[str] = set()
    for text in texts:
        key = _DIGITS.sub("#", text)  # "Page 1-" / "Page 2-": one running footer, not many
        if not text or key in seen or (len(text) < 80 and _PAGE_NUMBER_ONLY.fullmatch(text)):
            continue
        seen.add(key)
        blocks.append(Block(text, BlockKind.PARAGRAPH, section_path=HEADERS_FOOTERS))
    return blocks
