"""Shared by the legacy Excel tests: save_xls writes a one-sheet .xls (BIFF8) with xlwt, a
test-only dependency, at test time."""
from __future__ import annotations

from pathlib import Path

import xlwt


def save_xls(path: Path, sheet: str, rows: list[list[object]]) -> Path:
    wb = xlwt.Workbook()
    ws = wb.add_sheet(sheet)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            ws.write(r, c, value)
    wb.save(str(path))
    return path
