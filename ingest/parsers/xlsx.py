"""Excel (.xlsx/.xlsm) parser: every visible sheet, one ROW block per data row.

Cells come from openpyxl in read-only mode with cached formula results (``data_only``):
read-only streams the sheet XML, so memory stays flat on large workbooks. What read-only
openpyxl cannot give us comes from our own lxml reading of the package
(:mod:`ingest.parsers.xlsx_package`, :mod:`ingest.parsers.xlsx_sheetxml`): merged ranges,
formulas saved without a result, and a whole fallback reader for workbooks openpyxl fails
to load (pivot caches raising TypeError, Strict OOXML where it sees no sheets). Table
structure (titles, headers, sub-tables) is inferred in :mod:`ingest.parsers.xlsx_layout`.
"""
from __future__ import annotations

import warnings
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path

import openpyxl

from ingest.blocks import Block, ParseError, ParseResult
from ingest.parsers.xlsx_layout import Grid, layout_sheet
from ingest.parsers.xlsx_package import Package, cell_formats, core_title, open_package, shared_strings
from ingest.parsers.xlsx_sheetxml import FallbackSheetReader, SheetExtras, scan_sheet_extras
from ingest.parsers.xlsx_values import to_cell_value

MAX_ROWS = 200_000  # non-empty rows read per workbook; beyond this the file is a database dump
# ~27 µs of CPU per non-empty cell end to end (measured: 200k cells in 5.4 s, 3.7 s of it
# openpyxl itself), so this bounds one workbook to about a minute of one core.
MAX_CELLS = 2_000_000



@dataclass
class RowBudget:
    """The non-empty rows and cells one workbook (or text table) may still read, spent row by
    row; ``truncated`` once a row did not fit. MAX_ROWS and MAX_CELLS are read when it is made."""

    rows_left: int = field(default_factory=lambda: MAX_ROWS)
    cells_left: int = field(default_factory=lambda: MAX_CELLS)
    truncated: bool = False

    def take(self, cells: int) -> bool:
        """Count one non-empty row of ``cells`` cells; False once the bounds are spent."""
        if self.rows_left <= 0 or self.cells_left < cells:
            self.truncated = True
            return False
        self.rows_left -= 1
        self.cells_left -= cells
        return True

    def warning(self) -> str:
        return f"size limit reached: only the first {MAX_ROWS - self.rows_left} non-empty rows were read"


NOT_XLSX = "not a valid .xlsx file (corrupt, or a different format renamed to .xlsx)"
_CFB_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2 compound file: encrypted OOXML or legacy .xls


def parse(path: Path) -> ParseResult:
    """Parse one workbook, or raise ParseError with the specific reason."""
    path = Path(path)
    if _is_legacy_workbook(path):
        from ingest.parsers import xls  # imports this module: imported here, when needed

        return xls.parse_renamed_biff(path, "a legacy .xls workbook named .xlsx")
    _check_container(path)
    with warnings.catch_warnings():
        # openpyxl warns about styles, data validation, unknown extensions: noise for the user.
        warnings.simplefilter("ignore")
        try:
            with zipfile.ZipFile(path) as zf:
                return _WorkbookParser(path, zf).parse()
        except ParseError:
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise ParseError(NOT_XLSX) from exc
        except MemoryError as exc:
            raise ParseError("could not read workbook: out of memory") from exc
        except Exception as exc:  # noqa: BLE001 - any library failure becomes a reported reason
            raise ParseError(f"could not read workbook: {_short(exc)}") from exc


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = text[:150]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _check_container(path: Path) -> None:
    """Reject what is not a zip before openpyxl does, with the reason a user can act on."""
    with path.open("rb") as fh:
        head = fh.read(8)
    if head == _CFB_SIGNATURE:
        raise ParseError(_cfb_reason(path))
    if not zipfile.is_zipfile(path):
        raise ParseError(NOT_XLSX)


def _cfb_reason(path: Path) -> str:
    """An OLE2 file named .xlsx is an encrypted workbook or a legacy .xls renamed.

    Stream names in the CFB directory are UTF-16LE; looking for them avoids depending on
    an OLE library for one yes/no question.
    """
    encrypted = "EncryptedPackage".encode("utf-16-le")
    legacy = "Workbook".encode("utf-16-le")
    found_legacy = False
    tail = b""
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            buf = tail + chunk
            if encrypted in buf:
                return "encrypted: password required"
            found_legacy = found_legacy or legacy in buf
            tail = buf[-64:]
    if found_legacy:
        return _LEGACY
    return "encrypted: password required"  # Office writes OLE2 .xlsx only when encrypting


_LEGACY = "legacy Excel .xls workbook"


def _is_legacy_workbook(path: Path) -> bool:
    with path.open("rb") as fh:
        if fh.read(8) != _CFB_SIGNATURE:
            return False
    return _cfb_reason(path) == _LEGACY


class _WorkbookParser:
    def __init__(self, path: Path, zf: zipfile.ZipFile) -> None:
        self.path = path
        self.zf = zf
        self.warnings: list[str] = []
        self.blocks: list[Block] = []
        self.rows = 0
        self.budget = RowBudget()
        self.formulas_without_value = 0
        self._fallback: FallbackSheetReader | None = None
        self.pkg: Package | None = None

    def parse(self) -> ParseResult:
        self.pkg = open_package(self.zf)
        wb, why = self._load_openpyxl()
        try:
            title = (wb.properties.title if wb is not None and wb.properties else None) or core_title(self.pkg)
            if wb is not None:
                sheets = [(ws.title, ws.sheet_state, ws) for ws in wb.worksheets]
            else:
                self.warnings.append(f"read with the fallback XML reader (openpyxl: {why})")
                sheets = [(ref.name, ref.state, None) for ref in self.pkg.sheets if ref.is_worksheet]
            if not sheets:
                raise ParseError("no worksheets in the workbook")
            for name, state, ws in sheets:
                if state != "visible":
                    self.warnings.append(f"sheet '{name}' is hidden, skipped")
                    continue
                if self.budget.truncated:
                    continue
                self._parse_sheet(name, ws)
        finally:
            if wb is not None:
                wb.close()  # read-only workbooks keep their zip open until closed
        if self.budget.truncated:
            self.warnings.append(self.budget.warning())
        if self.formulas_without_value:
            self.warnings.append(
                f"{self.formulas_without_value} formula cell(s) have no saved result (file written by a program "
                "that does not calculate formulas); their values are missing"
            )
        return ParseResult(
            blocks=self.blocks,
            title=(title or "").strip() or self.path.stem,
            rows=self.rows,
            warnings=self.warnings,
        )

    def _load_openpyxl(self) -> tuple[openpyxl.Workbook | None, str]:
        try:
            wb = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, zlib.error):
            raise
        except Exception as exc:  # noqa: BLE001 - e.g. TypeError on pivot caches: use the fallback
            return None, _short(exc)
        if not wb.worksheets and any(ref.is_worksheet for ref in self.pkg.sheets):
            wb.close()
            return None, "no worksheets found (Strict OOXML workbook?)"
        return wb, ""

    def _parse_sheet(self, name: str, ws) -> None:
        part = self.pkg.sheet_part(name)
        before = replace(self.budget)
        grid: Grid | None = None
        error = ""
        if ws is not None:
            try:
                grid = self._read_openpyxl(ws)
            except Exception as exc:  # noqa: BLE001 - retry this sheet with the fallback reader
                error = _short(exc)
                self.budget = before
        extras = SheetExtras()
        used_fallback = grid is None
        if part is not None:
            try:
                if used_fallback:
                    grid = self._read_fallback(part)
                extras = scan_sheet_extras(self.zf, part)
            except (ParseError, zipfile.BadZipFile, zlib.error):
                raise
            except Exception as exc:  # noqa: BLE001
                error = error or _short(exc)
        if grid is None:
            self.warnings.append(f"sheet '{name}': could not be read ({error or 'sheet part missing'}), skipped")
            return
        if not used_fallback:  # the fallback reader counts these itself while reading
            self.formulas_without_value += extras.formulas_without_value
        if not grid:
            self.warnings.append(f"sheet '{name}' is empty")
            return
        layout = layout_sheet(name, grid, extras.merges)
        self.blocks.extend(layout.blocks)
        self.rows += layout.data_rows
        if layout.headerless_rows:
            self.warnings.append(f"sheet '{name}': no header row found, cells labelled by column letter")

    def _read_openpyxl(self, ws) -> Grid:
        # The <dimension> tag is often wrong (easyexcel-t04 claims "A1" for 200 rows) and
        # read-only openpyxl stops at it: read to the real end of the data instead.
        ws.reset_dimensions()
        grid: Grid = {}
        for row in ws.iter_rows():
            cells = {}
            row_no = 0
            for cell in row:
                value = getattr(cell, "value", None)  # padding EmptyCells have no coordinates
                if value is None:
                    continue
                shown = to_cell_value(value, cell.number_format)
                if shown is not None:
                    cells[cell.column] = shown
                    row_no = cell.row
            if cells:
                if not self.budget.take(len(cells)):
                    break
                grid[row_no] = cells
        return grid

    def _read_fallback(self, part: str) -> Grid:
        if self._fallback is None:
            self._fallback = FallbackSheetReader(self.pkg, shared_strings(self.pkg), cell_formats(self.pkg))
        reader = self._fallback
        before = reader.formulas_without_value
        grid: Grid = {}
        for row_no, raw in reader.iter_rows(part):
            cells = {}
            for col, value, fmt in raw:
                shown = to_cell_value(value, fmt)
                if shown is not None:
                    cells[col] = shown
            if cells:
                if not self.budget.take(len(cells)):
                    break
                grid[row_no] = cells
        self.formulas_without_value += reader.formulas_without_value - before
        return grid
