"""CSV and TSV parser: a text table becomes one ROW block per record, laid out like a sheet.

The standard library's ``csv`` reads the records (quotes, embedded line breaks) and guesses
the delimiter; the encoding rules are the text parser's (BOM, UTF-8, else GB18030, which is
what Chinese Excel writes for "CSV"); the layout (title rows, the header, ``header: value``
rows) is the spreadsheet parsers' own, so a rate table exported as CSV reads as it does in
.xlsx. A CSV file has no sheets: its blocks carry row numbers (the record's position, as a
spreadsheet program shows it) and no sheet name.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from ingest.blocks import ParseError, ParseResult
from ingest.parsers import text
from ingest.parsers.xlsx import RowBudget
from ingest.parsers.xlsx_layout import Grid, layout_sheet
from ingest.parsers.xlsx_values import text_cell_value

MAX_BYTES = text.MAX_BYTES
_SNIFF_BYTES = 64 * 1024
_DELIMITERS = ",;\t|"
MAX_FIELD_CHARS = MAX_BYTES  # one cell may be the whole (bounded) file; csv's default 131,072 refuses long notes


def parse(path: Path) -> ParseResult:
    path = Path(path)
    content, warnings = text.read_text_file(path)
    budget = RowBudget()
    grid = read_grid(content, budget, tab_default=path.suffix.lower() in (".tsv", ".tab", ".xls"))
    if budget.truncated:
        warnings.append(budget.warning())
    if not grid:
        raise ParseError("no text to index (the table is empty)")
    layout = layout_sheet(None, grid)
    if layout.headerless_rows:
        warnings.append("no header row found, cells labelled by column letter")
    return ParseResult(blocks=layout.blocks, title=path.stem, rows=layout.data_rows, warnings=warnings)


def read_grid(content: str, budget: RowBudget, tab_default: bool = False) -> Grid:
    """Records as a 1-based grid of non-empty cells, as many as the budget allows."""
    dialect = _dialect(content[:_SNIFF_BYTES], tab_default)
    previous_limit = csv.field_size_limit(MAX_FIELD_CHARS)
    grid: Grid = {}
    try:
        for number, record in enumerate(csv.reader(io.StringIO(content, newline=""), dialect), start=1):
            cells = {c: v for c, v in ((i + 1, text_cell_value(field)) for i, field in enumerate(record)) if v}
            if not cells:
                continue
            if not budget.take(len(cells)):
                break
            grid[number] = cells
    except csv.Error as exc:
        raise ParseError(f"could not read the table: {exc}") from exc
    finally:
        csv.field_size_limit(previous_limit)
    return grid


def _dialect(sample: str, tab_default: bool) -> type[csv.Dialect] | csv.Dialect:
    """The delimiter the file uses. csv.Sniffer guesses from the sample's character counts;
    when it cannot decide (a one-column file, a sample cut inside a quoted field), the
    extension decides: tab for .tsv, else comma."""
    try:
        return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS)
    except csv.Error:
        return csv.excel_tab if tab_default and "\t" in sample else csv.excel
