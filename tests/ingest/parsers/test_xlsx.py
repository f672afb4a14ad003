"""Excel parser: workbooks generated with openpyxl at test time, plus the shared parse corpus."""
from __future__ import annotations

import datetime as dt
import time
import zipfile
from pathlib import Path
from unittest import mock

import openpyxl
import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from ingest.blocks import BlockKind, ParseError
from ingest.parsers import parse_file, xlsx
from ingest.parsers.xlsx import parse
from tests.ingest.parsers.xls_samples import save_xls

CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "eval" / "parse-corpus" / "xlsx"


def _save(wb: openpyxl.Workbook, path: Path) -> Path:
    wb.save(path)
    return path


def _texts(result, sheet: str | None = None) -> list[str]:
    return [b.text for b in result.blocks if sheet is None or b.sheet == sheet]


@pytest.fixture
def staff_workbook(tmp_path: Path) -> Path:
    """Two sheets: a merged title row above a header, then a plain table."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "员工"
    ws["A1"] = "2024 年度员工名单"
    ws.merge_cells("A1:C1")
    ws.append(["姓名", "部门", "入职日期"])
    ws.append(["张三", "人事部", dt.date(2024, 3, 1)])
    ws.append(["李四", "财务部", dt.datetime(2023, 7, 15, 9, 30)])
    ws.append([None, None, None])  # an empty row is skipped, not emitted
    ws.append(["王五", None, dt.datetime(2022, 1, 2)])
    rates = wb.create_sheet("Rates")
    rates.append(["Grade", "Rate", "Ratio", "Active"])
    rates.append(["A", 0.1 + 0.2, 0.125, True])
    rates.append(["B", 3.0, 1, False])
    rates["C2"].number_format = "0.0%"
    rates["C3"].number_format = "0%"
    wb.properties.title = "Staff list"
    return _save(wb, tmp_path / "staff.xlsx")


def test_title_row_header_and_rows(staff_workbook: Path) -> None:
    result = parse(staff_workbook)
    assert result.title == "Staff list"
    staff = [b for b in result.blocks if b.sheet == "员工"]
    assert [b.text for b in staff] == [
        "姓名: 张三; 部门: 人事部; 入职日期: 2024-03-01",
        "姓名: 李四; 部门: 财务部; 入职日期: 2023-07-15 09:30",
        "姓名: 王五; 入职日期: 2022-01-02",  # empty cell skipped, midnight shows no time
    ]
    assert [b.row_range for b in staff] == [(3, 3), (4, 4), (6, 6)]
    for block in staff:
        assert block.kind is BlockKind.ROW
        assert block.header == ("姓名", "部门", "入职日期")
        assert block.title == "2024 年度员工名单"
    assert result.rows == 5


def test_numbers_percentages_booleans(staff_workbook: Path) -> None:
    result = parse(staff_workbook)
    assert _texts(result, "Rates") == [
        "Grade: A; Rate: 0.3; Ratio: 12.5%; Active: TRUE",
        "Grade: B; Rate: 3; Ratio: 100%; Active: FALSE",
    ]
    rates = [b for b in result.blocks if b.sheet == "Rates"]
    assert all(b.title is None for b in rates)


def test_registry_dispatches_xlsx(staff_workbook: Path) -> None:
    assert parse_file(staff_workbook).rows == 5


def test_title_falls_back_to_file_stem(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["Name", "Value"])
    wb.active.append(["x", 1])
    assert parse(_save(wb, tmp_path / "quarterly-rates.xlsx")).title == "quarterly-rates"


def test_merged_cells_filled(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Region", "Score", None, "Note"])
    ws.append([None, "Math", "Art", None])
    ws.merge_cells("B1:C1")  # a header spanning two columns over a second header row
    ws.merge_cells("A1:A2")
    ws.merge_cells("D1:D2")
    ws.append(["North", 90, 80, "same for both rows"])
    ws.append([None, 70, 60, None])
    ws.merge_cells("A3:A4")  # a value spanning rows repeats in each row
    ws.merge_cells("D3:D4")
    result = parse(_save(wb, tmp_path / "merged.xlsx"))
    assert _texts(result) == [
        "Region: North; Score / Math: 90; Score / Art: 80; Note: same for both rows",
        "Region: North; Score / Math: 70; Score / Art: 60; Note: same for both rows",
    ]
    assert [b.row_range for b in result.blocks] == [(3, 3), (4, 4)]
    assert result.blocks[0].header == ("Region", "Score / Math", "Score / Art", "Note")


def test_whole_sheet_merge_is_not_filled(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    for row in (["Name", "Value"], ["a", 1], ["b", 2]):
        wb.active.append(row)
    wb.active["D1"] = "notes"
    plain = _save(wb, tmp_path / "plain.xlsx")
    path = tmp_path / "giant-merge.xlsx"  # openpyxl itself cannot write this range in reasonable time
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(path, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == "xl/worksheets/sheet1.xml":
                merge = b'<mergeCells count="1"><mergeCell ref="D1:XFD1048576"/></mergeCells>'
                data = data.replace(b"</sheetData>", b"</sheetData>" + merge)
            zout.writestr(name, data)
    start = time.perf_counter()
    result = parse(path)
    assert time.perf_counter() - start < 5
    assert _texts(result) == ["Name: a; Value: 1", "Name: b; Value: 2"]


def test_hidden_sheets_reported_chart_sheet_ignored(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["Item", "Qty"])
    wb.active.append(["pen", 3])
    hidden = wb.create_sheet("Secret")
    hidden.append(["salary", 1])
    hidden.sheet_state = "hidden"
    very = wb.create_sheet("Deep")
    very.append(["x", 2])
    very.sheet_state = "veryHidden"
    wb.create_chartsheet("Chart")
    result = parse(_save(wb, tmp_path / "hidden.xlsx"))
    assert "sheet 'Secret' is hidden, skipped" in result.warnings
    assert "sheet 'Deep' is hidden, skipped" in result.warnings
    assert {b.sheet for b in result.blocks} == {"Sheet"}
    assert _texts(result) == ["Item: pen; Qty: 3"]


def test_1904_date_system(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.epoch = CALENDAR_MAC_1904
    wb.active.append(["Event", "Date"])
    wb.active.append(["launch", dt.date(2024, 3, 1)])
    path = _save(wb, tmp_path / "mac.xlsx")
    with zipfile.ZipFile(path) as zf:  # the file really stores a 1904-based serial
        assert b'date1904="1"' in zf.read("xl/workbook.xml")
        assert b"<v>43890</v>" in zf.read("xl/worksheets/sheet1.xml")
    assert _texts(parse(path)) == ["Event: launch; Date: 2024-03-01"]


def test_errors_kept_and_missing_formula_results_reported(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Item", "Ratio", "Total"])
    ws.append(["a", "#DIV/0!", "=1+2"])  # openpyxl saves formulas without a cached result
    ws.append(["b", 0.5, "=2+3"])
    result = parse(_save(wb, tmp_path / "errors.xlsx"))
    assert _texts(result) == ["Item: a; Ratio: #DIV/0!", "Item: b; Ratio: 0.5"]
    assert any(w.startswith("2 formula cell(s) have no saved result") for w in result.warnings)


def test_sub_tables_separated_by_blank_rows(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (
        ["Travel allowance"],
        ["City", "Per day"],
        ["Beijing", 500],
        ["Shanghai", 550],
        [],
        ["Hotel limits"],
        ["Grade", "Per night", "Currency"],
        ["P5", 600, "CNY"],
    ):
        ws.append(row)
    result = parse(_save(wb, tmp_path / "subtables.xlsx"))
    assert [(b.title, b.text, b.row_range) for b in result.blocks] == [
        ("Travel allowance", "City: Beijing; Per day: 500", (3, 3)),
        ("Travel allowance", "City: Shanghai; Per day: 550", (4, 4)),
        ("Hotel limits", "Grade: P5; Per night: 600; Currency: CNY", (8, 8)),
    ]
    assert result.blocks[-1].header == ("Grade", "Per night", "Currency")


def test_repeated_header_is_not_a_data_row(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (["Name", "Days"], ["Ann", 3], [], ["Name", "Days"], ["Bob", 5]):
        ws.append(row)
    result = parse(_save(wb, tmp_path / "repeat.xlsx"))
    assert _texts(result) == ["Name: Ann; Days: 3", "Name: Bob; Days: 5"]


def test_sheet_without_header_uses_column_letters(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.append([1, 2])
    wb.active.append([3, 4])
    result = parse(_save(wb, tmp_path / "numbers.xlsx"))
    assert _texts(result) == ["A: 1; B: 2", "A: 3; B: 4"]
    assert result.blocks[0].header == ("A", "B")
    assert any("no header row found" in w for w in result.warnings)


def test_row_limit_truncates_with_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["n", "square"])
    for i in range(20):
        wb.active.append([i, i * i])
    monkeypatch.setattr(xlsx, "MAX_ROWS", 5)
    result = parse(_save(wb, tmp_path / "long.xlsx"))
    assert result.rows == 4  # the header row counts against the bound too
    assert any("size limit reached" in w for w in result.warnings)


def test_fallback_reader_matches_openpyxl(staff_workbook: Path) -> None:
    expected = parse(staff_workbook)
    with mock.patch.object(xlsx._WorkbookParser, "_load_openpyxl", lambda self: (None, "forced")):
        fallback = parse(staff_workbook)
    assert [(b.sheet, b.row_range, b.text, b.title) for b in fallback.blocks] == [
        (b.sheet, b.row_range, b.text, b.title) for b in expected.blocks
    ]
    assert any("fallback XML reader" in w for w in fallback.warnings)


def test_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "renamed.xlsx"
    path.write_text("Name,Value\nx,1\n", encoding="utf-8")
    with pytest.raises(ParseError, match=r"^not a valid \.xlsx file \(corrupt, or a different format"):
        parse(path)


def test_zip_without_workbook(tmp_path: Path) -> None:
    path = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(ParseError, match=r"not a valid \.xlsx file"):
        parse(path)


def test_truncated_zip(staff_workbook: Path, tmp_path: Path) -> None:
    path = tmp_path / "cut.xlsx"
    path.write_bytes(staff_workbook.read_bytes()[:2000])
    with pytest.raises(ParseError, match=r"^not a valid \.xlsx file"):
        parse(path)


def _cfb(stream_name: str) -> bytes:
    """Enough of an OLE2 compound file for the signature and a directory entry name."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    return header + stream_name.encode("utf-16-le") + b"\x00" * 512


def test_encrypted_workbook(tmp_path: Path) -> None:
    path = tmp_path / "locked.xlsx"
    path.write_bytes(_cfb("EncryptedPackage"))
    with pytest.raises(ParseError, match=r"^encrypted: password required$"):
        parse(path)


def test_legacy_xls_renamed_is_read_as_what_it_is(tmp_path: Path) -> None:
    result = parse(save_xls(tmp_path / "old.xlsx", "Rates", [["Grade", "Rate"], ["Manager", 800]]))
    assert [b.text for b in result.blocks] == ["Grade: Manager; Rate: 800"]
    assert result.warnings[0] == "read as a legacy .xls workbook named .xlsx"
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(_cfb("Workbook"))  # the legacy stream's name, but no workbook in it
    with pytest.raises(ParseError, match=r"not a valid \.xls file"):
        parse(broken)


# -- the shared parse corpus ------------------------------------------------------------------

corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared parse corpus not present")
CORPUS_FILES = sorted(CORPUS.glob("*.xlsx")) if CORPUS.is_dir() else []


@corpus
@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_corpus_file_parses_or_fails_specifically(path: Path) -> None:
    start = time.perf_counter()
    try:
        result = parse(path)
    except ParseError as err:
        assert str(err).strip() and str(err) != "could not read workbook: "
    else:
        assert result.blocks and result.rows
        for block in result.blocks:
            assert block.kind is BlockKind.ROW
            assert block.sheet and block.row_range and block.row_range[0] <= block.row_range[1]
            assert block.text.strip()
    assert time.perf_counter() - start < 10


@corpus
def test_corpus_1904_dates() -> None:
    assert _texts(parse(CORPUS / "calamine-date_1904.xlsx")) == [
        "A: 2021-01-01; B: 15",
        "A: 2021-01-02; B: 16",
        "A: 255:10:10; B: 17",  # a [hh]:mm:ss duration of 10 days 15:10:10
    ]


@corpus
def test_corpus_hidden_sheets() -> None:
    result = parse(CORPUS / "calamine-any_sheets-hidden.xlsx")
    assert "sheet 'Hidden' is hidden, skipped" in result.warnings
    assert "sheet 'VeryHidden' is hidden, skipped" in result.warnings
    assert {b.sheet for b in result.blocks} == {"Visible"}


@corpus
def test_corpus_encrypted() -> None:
    with pytest.raises(ParseError, match=r"^encrypted: password required$"):
        parse(CORPUS / "unstructured-password_protected.xlsx")


@corpus
def test_corpus_phonetic_runs_not_in_text() -> None:
    assert _texts(parse(CORPUS / "calamine-rph-ja-phonetic.xlsx")) == ["課きく 毛こ"]  # the ideographic space kept as one space, no カ/ケ


@corpus
def test_corpus_pivots_and_strict_read_by_fallback_paths() -> None:
    pivots = parse(CORPUS / "calamine-pivots.xlsx")  # openpyxl raises TypeError unless read-only
    assert "Id: 4; Name: d; Category: blue" in " ".join(_texts(pivots, "DataSheet"))
    strict = parse(CORPUS / "calamine-strict_iso_paths.xlsx")  # openpyxl sees no sheets
    assert strict.rows == 75
    assert strict.blocks[0].text.startswith("Item: 150-031260-001_B; Thickness: 1.5;")


@corpus
def test_corpus_merged_data_cells_repeat() -> None:
    result = parse(CORPUS / "easyexcel-t04-zh-merged.xlsx")
    second = next(b for b in result.blocks if b.row_range == (3, 3))
    assert second.text.startswith("序号: 1; ID号: 11; 工位号: 1; eblock编码: A1JB037FPHA03224400489; PACK位置: 2号")


@corpus
@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_corpus_fallback_reader_agrees(path: Path) -> None:
    if path.name == "unstructured-password_protected.xlsx":
        pytest.skip("not a zip")
    expected = parse(path)
    with mock.patch.object(xlsx._WorkbookParser, "_load_openpyxl", lambda self: (None, "forced")):
        fallback = parse(path)
    assert [(b.sheet, b.row_range, b.text) for b in fallback.blocks] == [
        (b.sheet, b.row_range, b.text) for b in expected.blocks
    ]


def test_two_text_rows_are_a_header_and_its_one_row(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["姓名", "部门"])
    wb.active.append(["张三", "财务部"])  # all text, like the header, and nothing under it
    result = parse(_save(wb, tmp_path / "contact.xlsx"))
    assert [b.text for b in result.blocks] == ["姓名: 张三; 部门: 财务部"]
