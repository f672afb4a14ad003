"""Legacy Excel (.xls, BIFF8) parser: every visible sheet, one ROW block per data row.

Cells come from xlrd (the maintained reader of the binary format) with ``formatting_info``,
which gives the merged ranges and each cell's number format; from there the layout and the
display text are the .xlsx parser's (:mod:`ingest.parsers.xlsx_layout`,
:mod:`ingest.parsers.xlsx_values`), so a rate table reads the same whichever format it was
saved in.

What is named .xls is often something else: an .xlsx renamed, or, from many web systems'
"export to Excel", an HTML page or tab-separated text. Those are read by what they are
(by their first bytes), not refused for their name.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

import xlrd

from ingest.blocks import Block, ParseError, ParseResult
from ingest.parsers import delimited, html_tables, xlsx
from ingest.parsers.xlsx_layout import Grid, layout_sheet
from ingest.parsers.xlsx_values import CellValue, to_cell_value

_CFB_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2 compound file, the .xls container
NOT_XLS = "not a valid .xls file (corrupt, or a different format renamed to .xls)"


def parse(path: Path) -> ParseResult:
    """Parse one legacy workbook (or what its bytes say it really is)."""
    path = Path(path)
    with path.open("rb") as fh:
        head = fh.read(512)
    if head.startswith(_CFB_SIGNATURE):
        return _parse_biff(path)
    if zipfile.is_zipfile(path):
        return _renamed(xlsx.parse(path), "an .xlsx workbook named .xls")
    if html_tables.looks_like_html(head):
        return _renamed(html_tables.parse(path), "an HTML page named .xls (a web system's export)")
    if b"\x00" not in head and head.strip():
        return _renamed(delimited.parse(path), "a text table named .xls (a web system's export)")
    raise ParseError(NOT_XLS)


def parse_renamed_biff(path: Path, what: str) -> ParseResult:
    """A legacy workbook under another name (an .xls renamed .xlsx), read as what it is."""
    return _renamed(_parse_biff(Path(path)), what)


def _renamed(result: ParseResult, what: str) -> ParseResult:
    result.warnings.insert(0, f"read as {what}")
    return result


def _parse_biff(path: Path) -> ParseResult:
    try:
        book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True, logfile=_Silent())
    except xlrd.XLRDError as exc:
        message = str(exc)
        if "encrypted" in message.lower():
            raise ParseError("encrypted: password required") from exc
        raise ParseError(f"{NOT_XLS}: {message[:150]}") from exc
    except MemoryError as exc:
        raise ParseError("could not read workbook: out of memory") from exc
    except Exception as exc:  # noqa: BLE001 - xlrd raises plain errors on damaged records
        raise ParseError(f"{NOT_XLS}: {type(exc).__name__}") from exc
    try:
        return _BookReader(path, book).parse()
    finally:
        book.release_resources()


class _Silent:
    """xlrd prints warnings ("WARNING *** file size not 512 + multiple of sector size") to a
    log file, stdout by default; they are noise to a user, so they go nowhere."""

    def write(self, _text: str) -> None:
        pass


class _BookReader:
    def __init__(self, path: Path, book: xlrd.book.Book) -> None:
        self.path = path
        self.book = book
        self.warnings: list[str] = []
        self.blocks: list[Block] = []
        self.rows = 0
        self.budget = xlsx.RowBudget()  # the same bounds as an .xlsx workbook

    def parse(self) -> ParseResult:
        names = self.book.sheet_names()
        if not names:
            raise ParseError("no worksheets in the workbook")
        for index, name in enumerate(names):
            if self.budget.truncated:
                break
            try:
                sheet = self.book.sheet_by_index(index)
            except Exception as exc:  # noqa: BLE001 - one damaged sheet does not lose the others
                self.warnings.append(f"sheet '{name}': could not be read ({type(exc).__name__}), skipped")
                continue
            if sheet.visibility != 0:
                self.warnings.append(f"sheet '{name}' is hidden, skipped")
            else:
                self._parse_sheet(sheet)
            self.book.unload_sheet(index)
        if self.budget.truncated:
            self.warnings.append(self.budget.warning())
        # BIFF keeps no title xlrd reads (user_name is the last saver), so the file's name is it.
        return ParseResult(blocks=self.blocks, title=self.path.stem, rows=self.rows, warnings=self.warnings)

    def _parse_sheet(self, sheet) -> None:
        grid: Grid = {}
        for r in range(sheet.nrows):
            cells: dict[int, CellValue] = {}
            for c, cell in enumerate(sheet.row(r)):
                shown = self._cell_value(cell)
                if shown is not None:
                    cells[c + 1] = shown
            if not cells:
                continue
            if not self.budget.take(len(cells)):
                break
            grid[r + 1] = cells  # Grid rows and columns are 1-based, as Excel shows them
        if not grid:
            self.warnings.append(f"sheet '{sheet.name}' is empty")
            return
        # xlrd gives merged ranges half-open and 0-based: (rlo, rhi, clo, chi).
        merges = [(rlo + 1, clo + 1, rhi, chi) for rlo, rhi, clo, chi in sheet.merged_cells]
        layout = layout_sheet(sheet.name, grid, merges)
        self.blocks.extend(layout.blocks)
        self.rows += layout.data_rows
        if layout.headerless_rows:
            self.warnings.append(f"sheet '{sheet.name}': no header row found, cells labelled by column letter")

    def _cell_value(self, cell) -> CellValue | None:
        kind, value = cell.ctype, cell.value
        if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
            return None
        if kind == xlrd.XL_CELL_TEXT:
            return to_cell_value(value)
        if kind == xlrd.XL_CELL_BOOLEAN:
            return to_cell_value(bool(value))
        if kind == xlrd.XL_CELL_ERROR:
            return CellValue(xlrd.error_text_from_code.get(value, "#N/A"), is_text=False)
        number_format = self._number_format(cell.xf_index)
        if kind == xlrd.XL_CELL_DATE:
            try:
                # honours the workbook's 1900 or 1904 date system (book.datemode)
                return to_cell_value(xlrd.xldate.xldate_as_datetime(value, self.book.datemode), number_format)
            except (xlrd.xldate.XLDateError, ValueError, OverflowError):
                pass  # a serial no calendar holds: show the number, as Excel shows ####
        return to_cell_value(value, number_format)

    def _number_format(self, xf_index: int | None) -> str | None:
        try:
            xf = self.book.xf_list[xf_index]
            return self.book.format_map[xf.format_key].format_str
        except (IndexError, KeyError, TypeError):
            return None
