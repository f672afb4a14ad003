"""Word tables as one "header: value; header: value" block per row.

Two readers produce the same grid of cells: python-docx (which resolves horizontal spans
and vertical merges for us) and a plain XML reader used when python-docx raises on a
malformed grid (e.g. ``ValueError: no tc element at grid_offset``) or could not open the
file at all. A row read alone must still make sense in a search hit, hence the header
labels on every row and vertically merged values repeated.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from ingest.blocks import Block, BlockKind
from ingest.parsers.docx_xml import attr, block_children, child, child_val, is_on, to_int

CellText = Callable[[etree._Element], str]


@dataclass
class Cell:
    col: int  # first layout-grid column
    span: int  # grid columns covered (horizontal merge)
    key: etree._Element  # the w:tc holding the content; a vertical merge repeats the one above
    text: str


def plain_cell(col: int, text: str, span: int = 1) -> Cell:
    """A cell read from a format without XML (a .doc binary, a PDF, a slide): the renderer
    reads only its column, span and text; the key only tells .docx cells apart."""
    return Cell(col, span, None, text)  # type: ignore[arg-type]


@dataclass
class Row:
    cells: list[Cell]
    is_header: bool  # w:tblHeader: repeated as header row on every page


def _is_header(tr: etree._Element) -> bool:
    return is_on(child(child(tr, "trPr"), "tblHeader"))


def rows_via_python_docx(tbl: etree._Element, parent: object, cell_text: CellText) -> list[Row]:
    """Read the grid through python-docx; may raise on malformed grids (caller falls back)."""
    from docx.table import Table  # python-docx, not this package: absolute import

    texts: dict[etree._Element, str] = {}  # keyed by w:tc; also keeps lxml proxies alive so
    rows: list[Row] = []  # identity checks on the same element stay valid
    for row in Table(tbl, parent).rows:  # type: ignore[arg-type]
        col = row.grid_cols_before
        cells: list[Cell] = []
        for cell in row.cells:
            tc = cell._tc
            if cells and cells[-1].key is tc:  # python-docx repeats a spanning cell per grid column
                cells[-1].span += 1
            else:
                if tc not in texts:
                    texts[tc] = cell_text(tc)
                cells.append(Cell(col, 1, tc, texts[tc]))
            col += 1
        rows.append(Row(cells, _is_header(row._tr)))
    return rows


def rows_via_xml(tbl: etree._Element, cell_text: CellText) -> list[Row]:
    """Read the grid from the XML alone, tolerating grids python-docx rejects."""
    rows: list[Row] = []
    above: dict[int, Cell] = {}  # grid column -> the cell last seen in it
    for tr in block_children(tbl, ("tr",)):
        col = to_int(child_val(child(tr, "trPr"), "gridBefore"), 0) or 0
        here: dict[int, Cell] = {}
        cells: list[Cell] = []
        for tc in block_children(tr, ("tc",)):
            tcpr = child(tc, "tcPr")
            span = max(1, to_int(child_val(tcpr, "gridSpan"), 1) or 1)
            vmerge = child(tcpr, "vMerge")
            continues = vmerge is not None and (attr(vmerge, "val") or "continue") == "continue"
            if continues and col in above:
                cell = Cell(col, span, above[col].key, above[col].text)
            else:
                cell = Cell(col, span, tc, cell_text(tc))
            cells.append(cell)
            for c in range(col, col + span):
                here[c] = cell
            col += span
        above.update(here)  # a column missing from a short row keeps the cell last seen above
        rows.append(Row(cells, _is_header(tr)))
    return rows


def _label(cell: Cell, header: dict[int, list[str]]) -> str:
    """The header text over the grid columns this cell covers."""
    parts: list[str] = []
    for c in range(cell.col, cell.col + cell.span):
        for label in header.get(c, ()):
            if label not in parts:
                parts.append(label)
    return " / ".join(parts)


def _line(row: Row) -> str:
    return " | ".join(c.text for c in row.cells if c.text)


def _is_banner(row: Row, used: set[int]) -> bool:
    """One filled cell merged across every column that holds text: a caption ("货物明细")
    or a group row ("人工费"), not a record; its text is no value of the columns it spans."""
    filled = [c for c in row.cells if c.text]
    return len(filled) == 1 and len(used) > 1 and used <= set(range(filled[0].col, filled[0].col + filled[0].span))


def render_table(rows: list[Row], section_path: tuple[str, ...]) -> list[Block]:
    """Blocks for one table: a TABLE block per data row with the header labels repeated."""
    rows = [r for r in rows if any(c.text for c in r.cells)]
    if not rows:
        return []
    if len(rows) == 1:  # a one-row table is a line of text, not records
        return [Block(_line(rows[0]), BlockKind.PARAGRAPH, section_path=section_path)]
    if all(len(r.cells) == 1 for r in rows):
        # A one-column table is a box around paragraphs (a common layout trick), not data:
        # prefixing every row with the first row's text as a "header" would be noise.
        return [Block(r.cells[0].text, BlockKind.PARAGRAPH, section_path=section_path) for r in rows]

    # Columns holding text anywhere (producers pad tables with empty grid columns).
    used = {col for r in rows for c in r.cells if c.text for col in range(c.col, c.col + c.span)}
    blocks: list[Block] = []
    captions: list[str] = []
    while len(rows) > 1 and _is_banner(rows[0], used) and len(captions) < 2:
        captions.append(_line(rows.pop(0)))
        blocks.append(Block(captions[-1], BlockKind.PARAGRAPH, section_path=section_path))
    title = " ".join(captions) or None
    if len(rows) == 1:  # a caption over a single row: no records to label
        return blocks + [Block(_line(rows[0]), BlockKind.PARAGRAPH, section_path=section_path, title=title)]

    n_header = 0
    while n_header < len(rows) and rows[n_header].is_header:
        n_header += 1
    if n_header == 0 or n_header >= len(rows):
        n_header = 1
    header: dict[int, list[str]] = {}  # grid column -> labels from each header row
    for row in rows[:n_header]:
        for cell in row.cells:
            for c in range(cell.col, cell.col + cell.span):
                labels = header.setdefault(c, [])
                if cell.text and cell.text not in labels:
                    labels.append(cell.text)
    header_cells: list[str] = []
    for c in sorted(header):
        label = " / ".join(header[c])
        if label and (not header_cells or header_cells[-1] != label):
            header_cells.append(label)

    for row in rows[n_header:]:
        if _is_banner(row, used):  # a group row ("人工费") inside the table: no header labels
            text = _line(row)
        else:
            text = _record(row, header)
        if text:
            blocks.append(
                Block(text, BlockKind.TABLE, section_path=section_path, header=tuple(header_cells), title=title)
            )
    if not any(b.kind is BlockKind.TABLE for b in blocks):  # every row repeated the header
        blocks.append(Block(_line(rows[0]), BlockKind.PARAGRAPH, section_path=section_path))
    return blocks


def _record(row: Row, header: dict[int, list[str]]) -> str:
    """"label: value; label: value", or "" for a header row repeated inside the body."""
    pieces: list[str] = []
    repeats_header = True
    for cell in row.cells:
        if not cell.text:
            continue
        label = _label(cell, header)
        if label == cell.text:
            pieces.append(cell.text)
        else:
            repeats_header = False
            pieces.append(f"{label.rstrip(':：')}: {cell.text}" if label else cell.text)
    return "" if repeats_header else "; ".join(pieces)
