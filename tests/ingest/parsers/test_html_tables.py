"""The tables of an HTML page (what web systems export as ".xls"): spans, several tables,
nested tables, pages without a table."""
from __future__ import annotations

from pathlib import Path

import pytest

from ingest.blocks import ParseError
from ingest.parsers import html_tables


def _page(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "page.xls"
    path.write_text(f"<!DOCTYPE html><html><body>{body}</body></html>", encoding="utf-8")
    return path


def test_colspan_header_and_rowspan_values(tmp_path: Path) -> None:
    path = _page(
        tmp_path,
        "<table><thead><tr><th colspan=3>Lodging caps</th></tr>"
        "<tr><th>Tier</th><th>Manager</th><th>Staff</th></tr></thead>"
        "<tbody><tr><td rowspan=2>1</td><td>300</td><td>200</td></tr><tr><td>310</td><td>210</td></tr></tbody></table>",
    )
    result = html_tables.parse(path)
    assert [b.text for b in result.blocks] == ["Tier: 1; Manager: 300; Staff: 200", "Tier: 1; Manager: 310; Staff: 210"]
    assert result.blocks[0].title == "Lodging caps"
    assert [b.row_range for b in result.blocks] == [(3, 3), (4, 4)]


def test_each_table_gets_its_own_header_and_nested_tables_are_read_once(tmp_path: Path) -> None:
    path = _page(
        tmp_path,
        "<table><tr><th>Name</th><th>Ext</th></tr><tr><td>Service Desk</td><td>8100</td></tr></table>"
        "<p>between</p>"
        "<table><tr><th>City</th><th>Rate</th><th>Note</th></tr>"
        "<tr><td>Oslo</td><td>120</td><td><table><tr><td>inner</td></tr></table></td></tr></table>",
    )
    texts = [b.text for b in html_tables.parse(path).blocks]
    assert texts == ["Name: Service Desk; Ext: 8100", "City: Oslo; Rate: 120; Note: inner"]


def test_page_without_a_table(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="no table in the page"):
        html_tables.parse(_page(tmp_path, "<p>Only prose here.</p>"))


@pytest.mark.parametrize(
    ("head", "expected"),
    [(b"<html><body>", True), (b"\xef\xbb\xbf  <!DOCTYPE html>", True), (b"<table>", True), (b"City,Rate\n", False)],
)
def test_looks_like_html(head: bytes, expected: bool) -> None:
    assert html_tables.looks_like_html(head) is expected


def test_excel_xml_spreadsheet_2003_sheets_merges_skipped_cells_and_dates(tmp_path: Path) -> None:
    path = tmp_path / "export.xls"
    path.write_text(
        '<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">\n'
        '<Worksheet ss:Name="Caps"><Table>\n'
        '<Row><Cell ss:MergeAcross="2"><Data ss:Type="String">Lodging caps 2025</Data></Cell></Row>\n'
        '<Row><Cell><Data ss:Type="String">City</Data></Cell><Cell><Data ss:Type="String">Cap</Data></Cell>'
        '<Cell><Data ss:Type="String">From</Data></Cell></Row>\n'
        '<Row><Cell><Data ss:Type="String">Oslo</Data></Cell><Cell ss:Index="3">'
        '<Data ss:Type="DateTime">2025-03-01T00:00:00.000</Data></Cell></Row>\n'
        '<Row><Cell><Data ss:Type="String">Rome</Data></Cell><Cell><Data ss:Type="Number">180</Data></Cell>'
        '<Cell><Data ss:Type="DateTime">2025-04-01T09:30:00.000</Data></Cell></Row>\n'
        "</Table></Worksheet>\n"
        '<Worksheet ss:Name="Notes"><Table><Row><Cell><Data ss:Type="String">Caps include taxes.</Data></Cell></Row>'
        "</Table></Worksheet></Workbook>",
        encoding="utf-8",
    )
    blocks = html_tables.parse(path).blocks
    assert [(b.sheet, b.row_range, b.text) for b in blocks] == [
        ("Caps", (3, 3), "City: Oslo; From: 2025-03-01"),  # ss:Index skipped the empty Cap cell
        ("Caps", (4, 4), "City: Rome; Cap: 180; From: 2025-04-01 09:30"),
        ("Notes", (1, 1), "Caps include taxes."),
    ]
    assert blocks[0].title == "Lodging caps 2025"


def test_a_page_that_does_not_name_its_encoding_is_read_as_utf8_or_gb18030(tmp_path: Path) -> None:
    body = "<table><tr><th>姓名</th><th>分机</th></tr><tr><td>张三</td><td>8110</td></tr></table>"
    for encoding in ("utf-8", "gbk"):
        path = tmp_path / f"{encoding}.xls"
        path.write_bytes(body.encode(encoding))  # no <meta charset>: libxml2 alone reads Latin-1
        assert [b.text for b in html_tables.parse(path).blocks] == ["姓名: 张三; 分机: 8110"]
    declared = tmp_path / "declared.xls"
    declared.write_bytes(('<html><head><meta charset="gb2312"></head><body>' + body + "</body></html>").encode("gbk"))
    assert [b.text for b in html_tables.parse(declared).blocks] == ["姓名: 张三; 分机: 8110"]


def test_rows_are_bounded_like_a_workbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ingest.parsers import xlsx

    monkeypatch.setattr(xlsx, "MAX_ROWS", 3)
    rows = "".join(f"<tr><td>r{i}</td><td>{i}</td></tr>" for i in range(10))
    result = html_tables.parse(_page(tmp_path, f"<table><tr><th>Key</th><th>Value</th></tr>{rows}</table>"))
    assert [b.text for b in result.blocks] == ["Key: r0; Value: 0", "Key: r1; Value: 1"]  # the header is one of the 3
    assert result.warnings == ["size limit reached: only the first 3 non-empty rows were read"]
