"""Read a worksheet's XML directly with lxml: merged ranges, and cells when openpyxl cannot.

Merged ranges: openpyxl's read-only worksheets drop ``<mergeCells>``, and loading the whole
workbook non-read-only just to get them costs several times the memory and fails outright
on some files (pivot caches raise TypeError). ``<mergeCells>`` follows ``<sheetData>``, so a
second streamed pass is needed; a byte scan of the decompressed part first (about 2% of
openpyxl's read time, measured on a 100k-row sheet) skips that pass for the common sheet
that has neither merged cells nor formulas.

Cells (the fallback): values typed the way openpyxl types them (numbers, strings, booleans,
error codes, dates via openpyxl's own date-format and epoch helpers), so one formatting
path serves both readers.
"""
from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from functools import lru_cache

from openpyxl.styles.numbers import is_date_format, is_timedelta_format
from openpyxl.utils.cell import coordinate_to_tuple, range_boundaries
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel, from_ISO8601

from ingest.parsers.xlsx_package import Package, rich_text, clear_element, local, safe_iterparse

MergeRange = tuple[int, int, int, int]  # min_row, min_col, max_row, max_col (1-based, inclusive)
RawCell = tuple[int, object, str]  # column, typed value, number format code

_MERGE_MARK = b"mergeCell"
# <f>, <f t="shared" .../>, and prefixed forms (<x:f>): a formula is present somewhere.
_FORMULA_MARKS = (b"<f>", b"<f ", b"<f/", b":f>", b":f ", b":f/")


# A workbook has a handful of formats and many cells: classify each format once.
_is_date_format = lru_cache(maxsize=1024)(is_date_format)
_is_timedelta_format = lru_cache(maxsize=1024)(is_timedelta_format)


@dataclass(frozen=True)
class SheetExtras:
    merges: tuple[MergeRange, ...] = ()
    formulas_without_value: int = 0  # formula cells saved without a cached result


def _markers(zf: zipfile.ZipFile, part: str) -> tuple[bool, bool]:
    """(has merged ranges, has formulas), by streaming over the decompressed bytes."""
    has_merge = has_formula = False
    tail = b""
    with zf.open(part) as src:
        while not (has_merge and has_formula):
            chunk = src.read(1 << 20)
            if not chunk:
                break
            buf = tail + chunk
            has_merge = has_merge or _MERGE_MARK in buf
            has_formula = has_formula or any(mark in buf for mark in _FORMULA_MARKS)
            tail = buf[-16:]  # a marker split across two chunks is still found
    return has_merge, has_formula


def _is_formula_without_value(cell) -> bool:
    """<c><f>1+2</f></c>, or <v></v> as openpyxl writes it: the result was never computed."""
    if not len(cell):
        return False
    has_formula = has_value = False
    for child in cell:
        name = local(child.tag)
        if name == "f":
            has_formula = True
        elif name == "is" or (name == "v" and child.text):
            has_value = True
    return has_formula and not has_value


def scan_sheet_extras(zf: zipfile.ZipFile, part: str) -> SheetExtras:
    """Merged ranges and the count of formula cells with no cached value, for one sheet."""
    has_merge, has_formula = _markers(zf, part)
    if not (has_merge or has_formula):
        return SheetExtras()
    merges: list[MergeRange] = []
    missing = 0
    with zf.open(part) as src:
        for _, elem in safe_iterparse(src, tag=("{*}row", "{*}mergeCell")):
            if local(elem.tag) == "mergeCell":
                try:
                    min_col, min_row, max_col, max_row = range_boundaries(elem.get("ref") or "")
                except (TypeError, ValueError):
                    continue
                if None not in (min_col, min_row, max_col, max_row):
                    merges.append((min_row, min_col, max_row, max_col))
            elif has_formula:
                missing += sum(1 for cell in elem if _is_formula_without_value(cell))
            clear_element(elem)
    return SheetExtras(tuple(merges), missing)


class FallbackSheetReader:
    """Cells of one worksheet straight from its XML, for workbooks openpyxl cannot load."""

    def __init__(self, pkg: Package, strings: list[str], formats: list[str]) -> None:
        self._pkg = pkg
        self._strings = strings
        self._formats = formats
        self._epoch = MAC_EPOCH if pkg.date1904 else WINDOWS_EPOCH
        self.formulas_without_value = 0

    def iter_rows(self, part: str) -> Iterator[tuple[int, list[RawCell]]]:
        row_no = 0
        with self._pkg.zf.open(part) as src:
            for _, row in safe_iterparse(src, tag="{*}row"):
                try:
                    row_no = int(row.get("r") or row_no + 1)
                except ValueError:
                    row_no += 1
                cells: list[RawCell] = []
                col_no = 0
                for cell in row:
                    if local(cell.tag) != "c":
                        continue
                    ref = cell.get("r")
                    try:
                        col_no = coordinate_to_tuple(ref)[1] if ref else col_no + 1
                    except (TypeError, ValueError):
                        col_no += 1
                    if _is_formula_without_value(cell):
                        self.formulas_without_value += 1
                        continue
                    typed = self._typed(cell)
                    if typed is not None:
                        cells.append((col_no, typed[0], typed[1]))
                clear_element(row)
                yield row_no, cells

    def _typed(self, cell) -> tuple[object, str] | None:
        kind = cell.get("t") or "n"
        try:
            style = int(cell.get("s") or 0)
        except ValueError:
            style = 0
        fmt = self._formats[style] if 0 <= style < len(self._formats) else "General"
        if kind == "inlineStr":
            inline = next((c for c in cell if local(c.tag) == "is"), None)
            return (rich_text(inline), fmt) if inline is not None else None
        raw = next((c.text for c in cell if local(c.tag) == "v"), None)
        if raw is None:
            return None
        try:
            if kind == "s":
                return self._strings[int(raw)], fmt
            if kind == "b":
                return raw.strip() in ("1", "true"), fmt
            if kind in ("e", "str"):
                return raw, fmt
            if kind == "d":
                return from_ISO8601(raw), fmt
            number = float(raw)
            if number.is_integer() and "." not in raw and "E" not in raw.upper():
                number = int(raw)
            if _is_date_format(fmt):
                return from_excel(number, self._epoch, timedelta=_is_timedelta_format(fmt)), fmt
            return number, fmt
        except (ValueError, IndexError, OverflowError):
            return raw, "General"  # keep what the file says rather than lose the cell
