"""Turn one sheet's cells into ROW blocks: title rows, header rows, sub-tables, merged cells.

No library infers table structure from a sheet's cells (openpyxl only knows declared Excel
tables, which most organisation sheets do not use), so this is a small, best-effort state
machine over the non-empty rows:

* a *header* is a row of two or more short, mostly-text cells that starts a table: the
  first such row of the sheet, or one that follows a blank row (or a title) and has a row
  directly under it; two such rows in a row above data make a two-level header
  ("Group / Sub");
* a *title* is a run of single-cell text rows right above a header; tables without one
  inherit the sheet's first title (a caption at the top usually covers the whole sheet);
* single-cell text rows that do not end up as a title (footnotes, section labels) become
  blocks of their own, text only;
* rows before any header are labelled by column letter ("A: 1; B: 2");
* merged ranges are filled: a value spanning rows repeats in each row, a header spanning
  columns labels each of them, a value spanning columns in one row is written once.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum

from openpyxl.utils.cell import get_column_letter

from ingest.blocks import Block, BlockKind
from ingest.parsers.xlsx_sheetxml import MergeRange
from ingest.parsers.xlsx_values import CellValue

Grid = dict[int, dict[int, CellValue]]  # row -> column -> non-empty cell

MAX_HEADER_CELL = 100  # longer text is content, not a column name
MAX_TITLE = 120  # longer single-cell rows are notes, not titles
MAX_TITLE_ROWS = 3
MAX_ONE_COLUMN_HEADER = 40
MAX_PLAIN_MERGE = 10_000  # cells; larger merged ranges are page layout, not repeated values
MAX_MERGE_FILL = 2_000_000  # cells filled per sheet at most, whatever the merges say


class _Kind(Enum):
    SINGLE = "single"  # one distinct value (possibly merged across the row)
    HEADER = "header"  # several short, mostly-text values
    DATA = "data"


@dataclass
class _Table:
    labels: dict[int, str]
    header: tuple[str, ...]
    header_rows: tuple[int, int]
    label_rows: list[dict[int, str]]  # the raw header rows, to recognise a repeated header
    title: str | None
    data_rows: int = 0


@dataclass
class SheetLayout:
    """Lay out one sheet; ``blocks`` and ``data_rows`` are filled by :meth:`build`."""

    sheet: str | None  # None for a text table (CSV, an HTML export): rows, no sheet
    grid: Grid
    merges: Sequence[MergeRange] = ()
    blocks: list[Block] = field(default_factory=list)
    data_rows: int = 0
    headerless_rows: int = 0
    _origin: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    _wide: set[tuple[int, int]] = field(default_factory=set)

    def build(self) -> SheetLayout:
        self._fill_merges()
        rows = sorted((r, cells) for r, cells in self.grid.items() if cells)
        distinct = [self._distinct(r, cells) for r, cells in rows]
        kinds = [self._kind(d) for d in distinct]
        table: _Table | None = None
        sheet_title: str | None = None
        pending: list[tuple[int, str]] = []  # single-cell text rows: a title, or notes
        i, n = 0, len(rows)
        while i < n:
            r, cells = rows[i]
            gap = i == 0 or rows[i - 1][0] < r - 1
            next_adjacent = i + 1 < n and rows[i + 1][0] == r + 1
            boundary = table is None or gap or bool(pending)
            kind = kinds[i]
            repeated = table is not None and kind is _Kind.HEADER and self._labels(r) in table.label_rows
            if repeated and not pending:
                i += 1  # the header repeated (printed per page, or a new block of the same table)
                continue
            if kind is _Kind.HEADER and boundary and (table is None or pending or next_adjacent or repeated):
                self._close(table)
                # Two text rows with nothing under them are a header and its one row of data (a
                # contact list of one person), not a two-level header over no data.
                two_level = next_adjacent and kinds[i + 1] is _Kind.HEADER and (
                    i + 2 < n and kinds[i + 2] is not _Kind.HEADER
                )
                header_rows = [r, rows[i + 1][0]] if two_level else [r]
                title = self._take_title(pending) or sheet_title
                sheet_title = sheet_title or title
                table = self._new_table(header_rows, title)
                i += len(header_rows)
                continue
            col, first = distinct[i][0]
            if kind is _Kind.SINGLE and first.is_text and (boundary or self._is_wide(r, col)):
                if self._one_column_header(rows, distinct, i, next_adjacent):
                    self._close(table)
                    title = self._take_title(pending) or sheet_title
                    sheet_title = sheet_title or title
                    table = self._new_table([r], title)
                else:
                    pending.append((r, first.text))
                i += 1
                continue
            self._flush_notes(pending, table)
            self._emit_row(r, distinct[i], table)
            i += 1
        self._flush_notes(pending, table)
        self._close(table)
        return self

    # -- merged cells ---------------------------------------------------------------------

    def _fill_merges(self) -> None:
        if not self.grid or not self.merges:
            return
        budget = MAX_MERGE_FILL
        for r1, c1, r2, c2 in self.merges:
            top = self.grid.get(r1, {}).get(c1)
            if top is None:
                continue  # an empty merged area adds nothing
            area = (r2 - r1 + 1) * (c2 - c1 + 1)
            if area <= 1 or area > MAX_PLAIN_MERGE or area > budget:
                continue  # whole-column/whole-sheet merges are layout, not data: value stays once
            budget -= area
            if c2 > c1:
                self._wide.add((r1, c1))
            for r in range(r1, r2 + 1):
                row = self.grid.setdefault(r, {})
                for c in range(c1, c2 + 1):
                    row[c] = top
                    self._origin[(r, c)] = (r1, c1)

    def _is_wide(self, r: int, c: int) -> bool:
        return self._origin.get((r, c), (r, c)) in self._wide

    def _distinct(self, r: int, cells: dict[int, CellValue]) -> list[tuple[int, CellValue]]:
        """Cells of a row in column order, a value merged across columns kept once."""
        seen: set[tuple[int, int]] = set()
        out: list[tuple[int, CellValue]] = []
        for c in sorted(cells):
            key = self._origin.get((r, c), (r, c))
            if key not in seen:
                seen.add(key)
                out.append((c, cells[c]))
        return out

    # -- classification -------------------------------------------------------------------

    @staticmethod
    def _kind(cells: list[tuple[int, CellValue]]) -> _Kind:
        if len(cells) == 1:
            return _Kind.SINGLE
        textish = sum(1 for _, v in cells if _header_like(v))
        return _Kind.HEADER if textish >= 0.8 * len(cells) else _Kind.DATA

    def _one_column_header(self, rows, distinct, i: int, next_adjacent: bool) -> bool:
        """A short text cell above more single cells in the same column: a one-column table."""
        r, _ = rows[i]
        col, value = distinct[i][0]
        if not next_adjacent or len(value.text) > MAX_ONE_COLUMN_HEADER or self._is_wide(r, col):
            return False
        below = distinct[i + 1]
        return len(below) == 1 and below[0][0] == col and not self._is_wide(rows[i + 1][0], col)

    # -- tables and blocks ----------------------------------------------------------------

    def _labels(self, r: int) -> dict[int, str]:
        return {c: v.text for c, v in self.grid.get(r, {}).items()}

    def _new_table(self, header_rows: list[int], title: str | None) -> _Table:
        label_rows = [self._labels(r) for r in header_rows]
        if len(label_rows) == 1:
            labels = dict(label_rows[0])
        else:
            top, bottom = label_rows
            labels = {}
            for c in sorted(set(top) | set(bottom)):
                upper, lower = top.get(c), bottom.get(c)
                labels[c] = f"{upper} / {lower}" if upper and lower and upper != lower else (lower or upper or "")
        header: list[str] = []
        for c in sorted(labels):
            if not header or header[-1] != labels[c]:  # a label merged across columns, once
                header.append(labels[c])
        return _Table(labels, tuple(header), (header_rows[0], header_rows[-1]), label_rows, title)

    def _take_title(self, pending: list[tuple[int, str]]) -> str | None:
        """The short single-cell rows right above a header become its title; the rest are notes."""
        start = len(pending)
        while start > 0 and len(pending[start - 1][1]) <= MAX_TITLE and len(pending) - start < MAX_TITLE_ROWS:
            start -= 1
        titles = [text for _, text in pending[start:]]
        self._flush_notes(pending[:start], None)
        pending.clear()
        return " / ".join(titles) if titles else None

    def _flush_notes(self, pending: list[tuple[int, str]], table: _Table | None) -> None:
        for r, text in pending:
            title = table.title if table else None
            self.blocks.append(Block(text=text, kind=BlockKind.ROW, sheet=self.sheet, row_range=(r, r), title=title))
            self.data_rows += 1
        pending.clear()

    def _emit_row(self, r: int, cells: list[tuple[int, CellValue]], table: _Table | None) -> None:
        labels = table.labels if table else {}
        if table is None:
            self.headerless_rows += 1
        pairs = [f"{labels.get(c) or get_column_letter(c)}: {v.text}" for c, v in cells]
        header = table.header if table else tuple(get_column_letter(c) for c, _ in cells)
        self.blocks.append(
            Block(
                text="; ".join(pairs),
                kind=BlockKind.ROW,
                sheet=self.sheet,
                row_range=(r, r),
                header=header,
                title=table.title if table else None,
            )
        )
        self.data_rows += 1
        if table is not None:
            table.data_rows += 1

    def _close(self, table: _Table | None) -> None:
        """A header with no data under it still says something: keep it as one block."""
        if table is None or table.data_rows:
            return
        self.blocks.append(
            Block(
                text="; ".join(table.header),
                kind=BlockKind.ROW,
                sheet=self.sheet,
                row_range=table.header_rows,
                header=table.header,
                title=table.title,
            )
        )


def _header_like(value: CellValue) -> bool:
    """Short text, or a year (financial tables head their columns with 2022, 2023)."""
    if value.is_text:
        return len(value.text) <= MAX_HEADER_CELL
    return value.text.isdigit() and 1900 <= int(value.text) <= 2100


def layout_sheet(sheet: str | None, grid: Grid, merges: Sequence[MergeRange] = ()) -> SheetLayout:
    """Blocks for one sheet (see the module docstring for the rules)."""
    return SheetLayout(sheet, grid, merges).build()
