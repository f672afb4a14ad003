"""Legacy Word (.doc) parser: paragraphs, headings and tables in document order.

The binary format is read by :mod:`ingest.parsers.doc_binary` (olefile opens the container);
from its paragraphs this module builds what the .docx parser builds: a section path from the
heading styles (or, in documents without any, from hand-typed numbering such as "第三章"),
tables as "header: value" rows, footnotes and text boxes after the body.

What is named .doc is often something else: a .docx renamed, or, from many web systems'
"export to Word", an HTML page. Those are read by what their first bytes say they are.
"""
from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import olefile

from ingest.blocks import Block, BlockKind, ParseError, ParseResult
from ingest.parsers import docx, html, html_tables
from ingest.parsers.doc_binary import CellDef, DocFormatError, DocParagraph, DocText, read_doc
from ingest.parsers.docx_body import MAX_HEADING_CHARS, header_footer_blocks, join_label
from ingest.parsers.docx_outline import inferred_level
from ingest.parsers.docx_tables import Cell, Row, plain_cell, render_table

_CFB_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_STREAM_BYTES = 64 * 1024 * 1024  # a text stream beyond this is no policy document (images lie elsewhere)
# Other OLE files that arrive named .doc (or .wps), by the stream that gives them away.
_OTHER_OLE = (
    ("EncryptionInfo", "encrypted: password required"),
    ("Workbook", "an Excel workbook named {suffix}: rename it .xls"),
    ("Book", "an Excel workbook named {suffix}: rename it .xls"),
    ("PowerPoint Document", "a PowerPoint presentation named {suffix}: save it as .pptx"),
    ("CONTENTS", "a Microsoft Works document: open it in Word or LibreOffice and save it as .docx"),
)


def _suffix(path: Path) -> str:
    """The name the file came under (.doc, .wps, .dot), for messages about what it really is."""
    return path.suffix.lower() or ".doc"


def _not_doc(path: Path) -> str:
    suffix = _suffix(path)
    return f"not a valid {suffix} file (corrupt, or a different format renamed to {suffix})"


def parse(path: Path) -> ParseResult:
    """Parse one legacy Word document (or what its bytes say it really is)."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(512)
    except OSError as exc:
        raise ParseError(f"cannot read file: {exc.strerror or exc}") from exc
    suffix = _suffix(path)
    if head.startswith(_CFB_SIGNATURE):
        return parse_binary(path)
    if zipfile.is_zipfile(path):
        return _renamed(docx.parse(path), f"a .docx document named {suffix}")
    if head.lstrip().startswith(b"{\\rtf"):
        raise ParseError(f"an RTF document named {suffix}: open it in Word or WPS and save it as .docx")
    if html_tables.looks_like_html(head):
        return _renamed(html.parse(path), f"an HTML page named {suffix} (a web system's export)")
    if head.startswith(b"%PDF-"):
        raise ParseError(f"a PDF file named {suffix}: rename it .pdf")
    raise ParseError(_not_doc(path))


def parse_binary(path: Path, renamed_as: str | None = None) -> ParseResult:
    """A Word 97-2003 binary document; ``renamed_as`` notes the name it came under (.docx)."""
    text, title = _read(path)
    result = _Builder(text).result(title, path.stem)
    if renamed_as:
        result.warnings.insert(0, f"read as {renamed_as}")
    return result


def _renamed(result: ParseResult, what: str) -> ParseResult:
    result.warnings.insert(0, f"read as {what}")
    return result


def _read(path: Path) -> tuple[DocText, str]:
    """The document's text and its own title, from one opening of the container."""
    try:
        with olefile.OleFileIO(str(path)) as ole:
            if not ole.exists("WordDocument"):
                reason = next((why for stream, why in _OTHER_OLE if ole.exists(stream)), None)
                raise ParseError(reason.format(suffix=_suffix(path)) if reason else f"{_not_doc(path)}: no WordDocument stream")
            names = ["WordDocument"] + [n for n in ("0Table", "1Table") if ole.exists(n)]
            if any(ole.get_size(n) > MAX_STREAM_BYTES for n in names):
                raise ParseError(f"too large: a stream exceeds {MAX_STREAM_BYTES // 2**20} MB")
            streams = {n: ole.openstream(n).read() for n in names}
            title = _title(ole)
        return read_doc(streams.pop("WordDocument"), streams), title
    except ParseError:
        raise
    except DocFormatError as exc:
        raise ParseError(str(exc)) from exc
    except (OSError, ValueError, IndexError, KeyError, EOFError, struct.error) as exc:  # olefile / struct on damage
        raise ParseError(f"{_not_doc(path)}: {type(exc).__name__}: {str(exc)[:120]}") from exc


def _title(ole: olefile.OleFileIO) -> str:
    """The document's own title from its summary information, when it names one."""
    try:
        meta = ole.get_metadata()
        raw, codepage = meta.title or b"", (meta.codepage or 0) & 0xFFFF
    except Exception:  # noqa: BLE001 - a title is a nicety; a damaged property set costs only it
        return ""
    title = _decode_property(raw, codepage) if isinstance(raw, bytes) else str(raw)
    title = " ".join(title.replace("\x00", "").split()).removeprefix("Microsoft Word - ").strip()
    return "" if title.lower() in docx.PLACEHOLDER_TITLES else title


def _decode_property(raw: bytes, codepage: int) -> str:
    """A summary property's bytes in the code page the file declares (936 in Chinese Word,
    65001 from LibreOffice), else UTF-8."""
    encoding = {65001: "utf-8", 1200: "utf-16-le", 0: "utf-8"}.get(codepage, f"cp{codepage}")
    try:
        return raw.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return raw.decode("utf-8", "replace")


class _Builder:
    """Blocks in document order from the binary reader's paragraphs."""

    def __init__(self, text: DocText) -> None:
        self.text = text
        self.blocks: list[Block] = []
        self._stack: list[tuple[int, str]] = []
        self._first_heading: str | None = None
        self._title: str | None = None
        self._infer = not any(self._level(p) for p in text.main)

    @property
    def section_path(self) -> tuple[str, ...]:
        return tuple(heading for _, heading in self._stack)

    def result(self, own_title: str, stem: str) -> ParseResult:
        self._story(self.text.main)
        self._plain(self.text.footnotes, ("Footnotes",))
        self._plain(self.text.endnotes, ("Endnotes",))
        self._plain(self.text.boxes, ())
        self.blocks.extend(header_footer_blocks(" ".join(" ".join(p.text for p in part).split())
                                                for part in self.text.headers))
        warnings = [] if self.blocks else ["no text found (the document may hold only images or drawings)"]
        title = own_title or self._title or self._first_heading or stem
        return ParseResult(blocks=self.blocks, title=title, warnings=warnings)

    def _level(self, paragraph: DocParagraph) -> int | None:
        if paragraph.in_table:
            return None
        if paragraph.outline is not None:
            return paragraph.outline + 1
        return self.text.styles.heading_levels.get(paragraph.istd)

    def _story(self, paragraphs: list[DocParagraph]) -> None:
        table: list[DocParagraph] = []
        for paragraph in paragraphs:
            if paragraph.in_table:
                table.append(paragraph)
                continue
            if table:
                self._table(table)
                table = []
            self._paragraph(paragraph)
        if table:
            self._table(table)

    def _label(self, paragraph: DocParagraph) -> str:
        """The paragraph's list label; counted even for an empty item, as Word shows it."""
        ilfo, ilvl = paragraph.list_ref
        style_ilfo, style_ilvl = self.text.styles.numbering.get(paragraph.istd, (None, None))
        ilfo = ilfo if ilfo is not None else style_ilfo
        if not ilfo or paragraph.mark == "\x07" and paragraph.row_end:
            return ""
        return self.text.numbering.label(ilfo, ilvl if ilvl is not None else style_ilvl or 0)

    def _paragraph(self, paragraph: DocParagraph) -> None:
        label = self._label(paragraph)
        # tabs (leaders between a number and its title) and runs of spaces read as one space
        text = "\n".join(" ".join(line.split()) for line in paragraph.text.split("\n") if line.strip())
        text = join_label(label, text) if text else ""
        if not text:
            return
        if paragraph.istd in self.text.styles.titles and self._title is None:
            self._title = " ".join(text.split())
        level = self._level(paragraph)
        if level is None and self._infer:
            level = inferred_level(text)
        if level is not None and len(text) <= MAX_HEADING_CHARS:
            while self._stack and self._stack[-1][0] >= level:
                self._stack.pop()
            heading = " ".join(text.split())
            self._stack.append((level, heading))
            if self._first_heading is None and level <= 1:
                self._first_heading = heading
            self.blocks.append(Block(heading, BlockKind.HEADING, section_path=self.section_path))
            return
        kind = BlockKind.LIST if label else BlockKind.PARAGRAPH
        self.blocks.append(Block(text, kind, section_path=self.section_path))

    def _table(self, paragraphs: list[DocParagraph]) -> None:
        """Cells end with a cell mark, rows with a row-end mark; a cell's several paragraphs
        join into one line, and a nested table's cells into their outer cell."""
        rows: list[tuple[list[str], tuple[CellDef, ...]]] = []
        texts: list[str] = []
        pieces: list[str] = []
        for paragraph in paragraphs:
            if paragraph.row_end and paragraph.depth <= 1:
                if texts:
                    rows.append((texts, paragraph.cells))
                texts, pieces = [], []
                continue
            label = self._label(paragraph)
            if paragraph.text.strip():
                pieces.append(join_label(label, " ".join(paragraph.text.split())))
            if paragraph.mark == "\x07" and paragraph.depth <= 1:
                texts.append(" ".join(pieces))
                pieces = []
        if texts or pieces:  # a table cut off by damage: keep what it held
            rows.append((texts + [" ".join(pieces)] if pieces else texts, ()))
        self.blocks.extend(render_table(_grid(rows), self.section_path))

    def _plain(self, paragraphs: list[DocParagraph], section: tuple[str, ...]) -> None:
        seen: set[str] = set()
        for paragraph in paragraphs:
            text = " ".join(paragraph.text.split())
            if text and text not in seen:
                seen.add(text)
                self.blocks.append(Block(text, BlockKind.PARAGRAPH, section_path=section))


def _grid(rows: list[tuple[list[str], tuple[CellDef, ...]]]) -> list[Row]:
    """The table as the .docx readers give it: cells placed on the grid of every cell edge of
    the table (so a cell spanning two columns of another row has span 2), a cell merged into
    the one before widening it, a cell merged into the one above repeating its value."""
    edges = sorted({x for _, defs in rows for d in defs for x in (d.left, d.right)})
    column = {x: i for i, x in enumerate(edges)}
    grid: list[Row] = []
    above: dict[int, str] = {}  # grid column -> the text last seen in it
    for texts, defs in rows:
        cells: list[Cell] = []
        for i, text in enumerate(texts):
            d = defs[i] if i < len(defs) else None
            if d is None:  # no definition (damage): one column per cell, after the defined ones
                col, span = (cells[-1].col + cells[-1].span if cells else 0), 1
            else:
                col, span = column[d.left], max(1, column[d.right] - column[d.left])
                if d.merged_left and cells and not text:
                    cells[-1].span = col + span - cells[-1].col
                    continue
                if d.merged_up and not text:
                    text = above.get(col, "")
            cells.append(plain_cell(col, text, span))
        for cell in cells:
            for c in range(cell.col, cell.col + cell.span):
                above[c] = cell.text
        grid.append(Row(cells, is_header=False))
    return grid
