"""Legacy Excel (.xls) parser: BIFF8 workbooks written with xlwt at test time, and the
other things web systems save under an .xls name."""
from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlwt

from ingest.blocks import BlockKind, ParseError
from ingest.parsers import parse_file
from ingest.parsers.xls import parse


@pytest.fixture
def rates_xls(tmp_path: Path) -> Path:
    """A rate table as an old office workbook: merged title, a city merged down two rows,
    a percentage and a date, a hidden sheet and an empty one."""
    wb = xlwt.Workbook()
    ws = wb.add_sheet("差旅标准")
    ws.write_merge(0, 0, 0, 2, "2025 差旅住宿标准")
    for c, head in enumerate(["城市", "级别", "标准（元/晚）"]):
        ws.write(1, c, head)
    ws.write_merge(2, 3, 0, 0, "上海")
    ws.write(2, 1, "经理")
    ws.write(2, 2, 800)
    ws.write(3, 1, "员工")
    ws.write(3, 2, 500.0)
    ws.write(4, 0, "北京")
    ws.write(4, 1, 0.125, xlwt.easyxf(num_format_str="0.0%"))
    ws.write(4, 2, dt.date(2025, 3, 1), xlwt.easyxf(num_format_str="YYYY-MM-DD"))
    ws.write(5, 0, "广州")
    ws.write(5, 1, True)
    ws.write(5, 2, xlwt.Formula("1/0"))  # xlwt saves no result: the cell reads as an error or empty
    hidden = wb.add_sheet("salaries")
    hidden.write(0, 0, "secret")
    hidden.visibility = 1
    wb.add_sheet("empty")
    path = tmp_path / "rates.xls"
    wb.save(str(path))
    return path


def test_rows_read_like_an_xlsx_sheet(rates_xls: Path) -> None:
    result = parse_file(rates_xls)
    rows = [b for b in result.blocks if b.sheet == "差旅标准"]
    assert [b.text for b in rows[:3]] == [
        "城市: 上海; 级别: 经理; 标准（元/晚）: 800",
        "城市: 上海; 级别: 员工; 标准（元/晚）: 500",  # the merged city repeated, no float noise
        "城市: 北京; 级别: 12.5%; 标准（元/晚）: 2025-03-01",  # percentage format, ISO date
    ]
    assert rows[0].row_range == (3, 3) and rows[1].row_range == (4, 4)  # rows as Excel numbers them
    assert all(b.kind is BlockKind.ROW and b.title == "2025 差旅住宿标准" for b in rows)
    assert rows[0].header == ("城市", "级别", "标准（元/晚）")
    assert "级别: TRUE" in rows[3].text
    assert result.title == "rates" and result.rows == 4


def test_hidden_and_empty_sheets_are_reported_not_read(rates_xls: Path) -> None:
    result = parse(rates_xls)
    assert "sheet 'salaries' is hidden, skipped" in result.warnings
    assert "sheet 'empty' is empty" in result.warnings
    assert not any("secret" in b.text for b in result.blocks)


def test_1904_date_system(tmp_path: Path) -> None:
    wb = xlwt.Workbook()
    wb.dates_1904 = True
    ws = wb.add_sheet("Dates")
    ws.write(0, 0, "Event")
    ws.write(0, 1, "Date")
    ws.write(1, 0, "Launch")
    ws.write(1, 1, dt.date(2024, 3, 1), xlwt.easyxf(num_format_str="D-MMM-YY"))
    path = tmp_path / "mac.xls"
    wb.save(str(path))
    assert [b.text for b in parse(path).blocks] == ["Event: Launch; Date: 2024-03-01"]


def test_an_xlsx_named_xls_is_read_as_what_it_is(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["Grade", "Rate"])
    wb.active.append(["Manager", 800])
    path = tmp_path / "renamed.xls"
    wb.save(path)
    assert zipfile.is_zipfile(path)
    result = parse_file(path)
    assert [b.text for b in result.blocks] == ["Grade: Manager; Rate: 800"]
    assert result.warnings[0] == "read as an .xlsx workbook named .xls"


def test_an_html_export_named_xls_is_read_as_its_table(tmp_path: Path) -> None:
    path = tmp_path / "export.xls"
    path.write_text(
        '<html><head><meta charset="utf-8"><title>通讯录导出</title></head><body>'
        "<table><tr><th>姓名</th><th>部门</th><th>电话</th></tr>"
        "<tr><td rowspan=2>张三</td><td>财务<br>部</td><td>8110</td></tr>"
        "<tr><td>人事</td><td>8111</td></tr></table></body></html>",
        encoding="utf-8",
    )
    result = parse_file(path)
    assert [b.text for b in result.blocks] == ["姓名: 张三; 部门: 财务部; 电话: 8110", "姓名: 张三; 部门: 人事; 电话: 8111"]
    assert [b.row_range for b in result.blocks] == [(2, 2), (3, 3)] and result.blocks[0].sheet is None
    assert result.title == "通讯录导出"
    assert "HTML page" in result.warnings[0]


def test_tab_separated_text_named_xls_is_read_as_a_table(tmp_path: Path) -> None:
    path = tmp_path / "export.xls"
    path.write_bytes("城市\t标准\n上海\t800\n".encode("gb18030"))
    result = parse_file(path)
    assert [b.text for b in result.blocks] == ["城市: 上海; 标准: 800"]
    assert "text table" in result.warnings[0]


def test_damaged_files_get_a_specific_reason(tmp_path: Path, rates_xls: Path) -> None:
    cut = tmp_path / "cut.xls"
    cut.write_bytes(rates_xls.read_bytes()[:1500])  # the OLE2 header survives, the workbook does not
    with pytest.raises(ParseError, match=r"not a valid \.xls file"):
        parse(cut)
    binary = tmp_path / "binary.xls"
    binary.write_bytes(b"\x00\x01\x02garbage" * 50)
    with pytest.raises(ParseError, match=r"^not a valid \.xls file"):
        parse(binary)


def test_a_wps_spreadsheet_is_read_as_the_excel_binary_it_is(tmp_path: Path, rates_xls: Path) -> None:
    """WPS Spreadsheets (.et) writes Excel's binary format under its own name."""
    et = tmp_path / "rates.et"
    et.write_bytes(rates_xls.read_bytes())
    assert parse_file(et).blocks[0].text == "城市: 上海; 级别: 经理; 标准（元/晚）: 800"
