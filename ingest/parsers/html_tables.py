"""The tables of an HTML page (or an Excel XML spreadsheet), laid out like a sheet: what many
web systems save as ".xls".

An "export to Excel" button often writes an HTML ``<table>`` with an .xls name, which Excel
opens without complaint. lxml parses the page (as forgiving as a browser about broken
markup); the cells, with their ``rowspan``/``colspan`` as merged ranges, go through the
spreadsheet layout (:mod:`ingest.parsers.xlsx_layout`), so they read as an .xlsx rate table
would. Excel's own XML spreadsheet format (2003), another common export under an .xls name,
parses the same way (<Row>/<Cell>, with ss:MergeAcross / ss:MergeDown / ss:Index), one sheet per
<Worksheet>. Text outside the tables is not read: such a page is its tables.
"""
from __future__ import annotations

import re
from pathlib import Path

import lxml.html
from lxml import etree

from ingest.blocks import Block, ParseError, ParseResult
from ingest.parsers import text
from ingest.parsers.xlsx import RowBudget
from ingest.parsers.xlsx_layout import Grid, layout_sheet
from ingest.parsers.xlsx_sheetxml import MergeRange
from ingest.parsers.xlsx_values import CellValue, text_cell_value

MAX_SPAN = 1000  # a rowspan/colspan beyond this is a broken attribute, not a table
_HTML_START = re.compile(rb"^\s*(?:\xef\xbb\xbf)?\s*<(?:!doctype\s+html|html|head|meta|table|body|\?xml)", re.I)
_DECLARED_ENCODING = re.compile(rb"<meta[^>]*charset|<\?xml[^>]*encoding|^\s*(?:\xef\xbb\xbf|\xff\xfe|\xfe\xff)", re.I)


def looks_like_html(head: bytes) -> bool:
    """The first bytes of a file open an HTML (or Excel's XML-spreadsheet-in-HTML) page."""
    return bool(_HTML_START.match(head))


def parse(path: Path) -> ParseResult:
    path = Path(path)
    root = read_page_file(path)
    reader = _TableReader()
    for sheet, tables in _sheets(root):
        reader.read(sheet, tables)
    if not reader.blocks:
        raise ParseError("no table in the page")
    title = " ".join((root.findtext(".//title") or "").split())
    return ParseResult(blocks=reader.blocks, title=title or path.stem, rows=reader.rows, warnings=reader.warnings)


def read_page_file(path: Path):
    """The element tree of the page in ``path``, which may be at most the text parser's size."""
    with Path(path).open("rb") as fh:
        data = fh.read(text.MAX_BYTES + 1)
    if len(data) > text.MAX_BYTES:
        raise ParseError(f"page larger than {text.MAX_BYTES // (1024 * 1024)} MB")
    return read_page(data)


def read_page(data: bytes):
    """The page's element tree. A page that names its encoding is decoded by lxml as it says;
    one that does not is decoded by the text parser's rules (UTF-8, else GB18030: a Chinese
    system's export), which libxml2 would otherwise read as Latin-1."""
    try:
        if _DECLARED_ENCODING.search(data[:4096]):
            return lxml.html.document_fromstring(data)
        return lxml.html.document_fromstring(text.decode_text(data))
    except (etree.ParserError, ValueError) as exc:
        raise ParseError(f"could not read the page: {exc}") from exc


def rows_of(table) -> list:
    """A table's own rows (under <thead>/<tbody>/<tfoot> or itself), not a nested table's."""
    return [tr for tr in table.iter(*_ROW_TAGS) if _owner(tr) is table]


def _sheets(root) -> list[tuple[str | None, list]]:
    """The outermost tables, grouped by sheet: an HTML page is one sheet without a name (as
    Excel opens it); Excel's XML spreadsheet (2003) names a <Worksheet> around each table."""
    outer = [t for t in root.iter("table") if not any(a.tag == "table" for a in t.iterancestors())]
    sheets: dict[object, tuple[str | None, list]] = {}
    for table in outer:
        sheet = next((a for a in table.iterancestors() if a.tag == "worksheet"), None)
        name = " ".join((sheet.get("ss:name") or "").split()) or None if sheet is not None else None
        sheets.setdefault(sheet, (name, []))[1].append(table)
    return list(sheets.values())


class _TableReader:
    """Tables into blocks, within the workbook bounds of the spreadsheet parsers."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.rows = 0
        self.warnings: list[str] = []
        self.budget = RowBudget()  # the same bounds as a workbook

    def read(self, sheet: str | None, tables: list) -> None:
        if self.budget.truncated:
            return
        grid, merges = self._grid(tables)
        if self.budget.truncated:
            self.warnings.append(self.budget.warning())
        if not grid:
            return
        layout = layout_sheet(sheet, grid, merges)
        self.blocks.extend(layout.blocks)
        self.rows += layout.data_rows
        if layout.headerless_rows:
            where = f"sheet '{sheet}': " if sheet else ""
            self.warnings.append(f"{where}no header row found, cells labelled by column letter")

    def _grid(self, tables: list) -> tuple[Grid, list[MergeRange]]:
        """The tables' rows one after another, a blank row between two tables (so each gets
        its own header), spans placed the way a browser places them."""
        grid: Grid = {}
        merges: list[MergeRange] = []
        row_no = 0
        for table in tables:
            taken: set[tuple[int, int]] = set()  # positions filled by a span from a row above
            for tr in rows_of(table):
                row_no += 1
                col = 0
                cells: dict[int, CellValue] = {}
                spans: list[MergeRange] = []
                for td in tr:
                    if td.tag not in _CELL_TAGS:
                        continue
                    col = max(col + 1, span(td.get("ss:index"), 0))  # XML spreadsheets skip empty cells
                    while (row_no, col) in taken:
                        col += 1
                    rows = span(td.get("rowspan")) if td.get("rowspan") else span(td.get("ss:mergedown"), 0) + 1
                    cols = span(td.get("colspan")) if td.get("colspan") else span(td.get("ss:mergeacross"), 0) + 1
                    value = text_cell_value(_cell_text(td))
                    if value is not None:
                        cells[col] = value
                        if rows > 1 or cols > 1:
                            spans.append((row_no, col, row_no + rows - 1, col + cols - 1))
                    taken.update((row_no + r, col + c) for r in range(rows) for c in range(cols) if r or c)
                    col += cols - 1
                if cells:
                    if not self.budget.take(len(cells)):
                        return grid, merges
                    grid[row_no] = cells
                    merges.extend(spans)
            row_no += 1
        return grid, merges


_XML_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?)?$")
_ROW_TAGS = ("tr", "row")  # HTML, and Excel's XML spreadsheet as the HTML parser lower-cases it
_CELL_TAGS = ("td", "th", "cell")


def _owner(tr):
    """The table a row belongs to (rows sit under <tbody>/<thead> or the table itself)."""
    for ancestor in tr.iterancestors():
        if ancestor.tag == "table":
            return ancestor
    return None


def span(value: str | None, default: int = 1) -> int:
    """A rowspan / colspan (or an XML spreadsheet's merge count) as a bounded int."""
    try:
        return max(default, min(MAX_SPAN, int(value.strip()))) if value else default
    except ValueError:
        return default


def _cell_text(td) -> str:
    """The cell's text with <br> and block children as line breaks (clean_text joins them);
    an XML spreadsheet's date ("2025-03-01T00:00:00.000") as an ISO date."""
    data = td.find("data")
    if data is not None and (data.get("ss:type") or "").lower() == "datetime":
        stamp = _XML_DATETIME.match((data.text or "").strip())
        if stamp:
            date, clock = stamp.groups()
            return date if clock in (None, "00:00") else f"{date} {clock}"
    parts: list[str] = [td.text or ""]
    for node in td.iterdescendants():
        if isinstance(node.tag, str):  # comments and processing instructions say nothing
            if node.tag in ("br", "p", "div", "li", "tr"):
                parts.append("\n")
            parts.append(node.text or "")
        parts.append(node.tail or "")
    return "".join(parts)
