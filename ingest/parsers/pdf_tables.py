"""Ruled tables on PDF pages, read as tables: one "header: value" block per row.

pypdf's text comes in content-stream order, which for a table is often column by column or
cell by cell ("Tier 1" / "New York, London, ..." / "300 85 15"), so a rate table's row lost the
labels that say which figure is the lodging cap and which the meals allowance. pdfplumber (the
field's table finder: it joins the ruling lines into a grid and assigns characters to cells)
finds tables drawn with lines; their rows are rendered like Word tables' (see docx_tables), and
the PDF parser drops the page's text lines inside each table's box so nothing is read twice.

Only pages whose text shows aligned columns are given to pdfplumber (its layout pass costs about
0.1 s a page), and only ruled tables are taken: tables guessed from text alignment alone split
two-column prose and forms into false cells.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from ingest.parsers.docx_tables import Row, plain_cell
from ingest.parsers.pdf_lines import clean_line

log = logging.getLogger(__name__)

MIN_ROWS, MIN_COLUMNS = 2, 2
FILLED_SHARE = 0.5  # of a table's cells that hold text
MIN_MEAN_CELL_CHARS = 2.0  # letters and digits a filled cell holds, on average
CROWDED_SHARE = 0.2  # of filled cells that may hold three numbers or more
_NUMBER = re.compile(r"\d")  # a word holding a figure: "10,314", "06/22/2015"
MAX_PAGES = 400  # a longer file's tables past this are left as text: the parse time is bounded
# "0 3 / 2 5 / 2 0 16": characters set wide apart come out one by one
_SPACED_OUT = re.compile(r"(?<![\w/])(?:[\d/.:-] ){2,}[\d/.:-]+(?![\w/])")


@dataclass(frozen=True)
class PdfTable:
    top: float  # the table's box, in points from the page's top edge
    bottom: float
    rows: list[list[str]]  # cell texts, row by row; "" for an empty cell


def find_tables(path: Path, numbers: list[int]) -> dict[int, list[PdfTable]]:
    """The ruled tables on the given 1-based pages, top to bottom; {} when pdfplumber is
    missing or cannot read the file (the pages then keep their text as it was)."""
    found: dict[int, list[PdfTable]] = {}
    if not numbers:
        return found
    try:
        import pdfplumber

        with pdfplumber.open(str(path)) as pdf:
            for number in numbers[:MAX_PAGES]:
                try:
                    page = pdf.pages[number - 1]
                    tables = [_read(t) for t in page.find_tables()]
                except Exception as exc:  # noqa: BLE001 - one page's failure keeps its text
                    log.debug("table finding failed on page %s: %s", number, exc)
                    continue
                tables = [t for t in tables if t is not None]
                if tables:
                    found[number] = sorted(tables, key=lambda t: t.top)
    except ImportError:
        return {}
    except Exception as exc:  # noqa: BLE001 - a file pdfminer cannot open keeps pypdf's text
        log.debug("table finding failed on %s: %s", path, exc)
        return {}
    return found


def _read(table) -> PdfTable | None:
    rows = [[_cell_text(cell) for cell in row] for row in table.extract()]
    rows = [row for row in rows if any(row)]
    if not _looks_like_a_table(rows):
        return None
    _, top, _, bottom = table.bbox
    return PdfTable(top, bottom, rows)


def _looks_like_a_table(rows: list[list[str]]) -> bool:
    """A grid of records, not the lines of a figure or a box around a paragraph: two rows and
    a header of two cells or more, most cells filled, cells of more than a character, no
    glyphs pdfminer could not map, and cells holding one value each (a rotated page's table
    comes back with a whole column's figures in one cell)."""
    if len(rows) < MIN_ROWS or sum(1 for text in rows[0] if text) < MIN_COLUMNS:
        return False
    cells = [text for row in rows for text in row]
    filled = [text for text in cells if text]
    if len(filled) < FILLED_SHARE * len(cells) or any("(cid:" in text for text in filled):
        return False
    if sum(sum(ch.isalnum() for ch in text) for text in filled) < MIN_MEAN_CELL_CHARS * len(filled):
        return False  # the labels of a figure ("a=", "0 1"), not records
    crowded = sum(1 for text in filled if sum(1 for word in text.split() if _NUMBER.search(word)) >= 3)
    return crowded <= CROWDED_SHARE * len(filled)


def _cell_text(cell: str | None) -> str:
    text = " ".join(clean_line(line) for line in (cell or "").split("\n") if line.strip())
    return _SPACED_OUT.sub(lambda m: m.group(0).replace(" ", ""), text).strip()


def with_header(table: PdfTable, header_above: list[str] | None) -> list[list[str]]:
    """The table's rows; a table continued from the page before (the first on its page, as
    many columns as that page's last table, opening with a data row) gets that table's header
    (``header_above``) back, so that its rows are labelled too."""
    rows = table.rows
    if header_above is not None and len(header_above) == len(rows[0]) and _is_data(rows[0], header_above):
        return [header_above] + rows
    return rows


def _is_data(row: list[str], header: list[str]) -> bool:
    """A first row with more figures than the header above: records ("06/22/2015", "150"), not
    a header of its own ("Notice Date", "No. Of")."""
    def figures(cells: list[str]) -> int:
        return sum(any(ch.isdigit() for ch in cell) for cell in cells)
    return row != header and figures(row) > figures(header)


def grid(rows: list[list[str]]) -> list[Row]:
    """Rows as the Word table renderer reads them."""
    return [Row([plain_cell(i, text) for i, text in enumerate(row)], is_header=False) for row in rows]


def place_tables(lines: list[str], ys: list[float | None], large: dict[int, float], page_top: float,
                 tables: list[PdfTable]) -> tuple[list[str], dict[int, float]]:
    """The page's lines with those inside each table's box taken out and a placeholder line
    (``placeholder(i)``, a paragraph of its own) where the table begins; heading-size marks
    follow their lines. A line's baseline ``ys`` is in points from the page's bottom."""
    def table_of(i: int) -> int | None:
        y = ys[i]
        if y is None:
            return None
        top = page_top - y
        return next((k for k, t in enumerate(tables) if t.top - 1 <= top <= t.bottom + 1), None)
    out: list[str] = []
    out_large: dict[int, float] = {}
    placed: set[int] = set()
    for i, line in enumerate(lines):
        k = table_of(i)
        if k is None:
            if i in large:
                out_large[len(out)] = large[i]
            out.append(line)
        elif k not in placed:
            placed.add(k)
            out.extend(["", placeholder(k), ""])
    for k in range(len(tables)):  # a table whose text pypdf did not place: after the page's text
        if k not in placed:
            out.extend(["", placeholder(k), ""])
    return out, out_large


_PLACEHOLDER = "\ue000table{}\ue000"


def placeholder(k: int) -> str:
    return _PLACEHOLDER.format(k)


def placeholder_index(text: str) -> int | None:
    match = re.fullmatch("\ue000table(\\d+)\ue000", text.strip())
    return int(match.group(1)) if match else None
