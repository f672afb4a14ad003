"""CSV / TSV parser: encodings, delimiters, quoting, titles above the header, bounds."""
from __future__ import annotations

from pathlib import Path

import pytest

from ingest.blocks import BlockKind, ParseError
from ingest.parsers import parse_file, xlsx


def _texts(path: Path) -> list[str]:
    return [b.text for b in parse_file(path).blocks]


def test_records_become_header_value_rows_with_their_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "rates.csv"
    path.write_text(
        'Travel rates 2025\n\nCity,Grade,"Rate, per night"\nLondon,Manager,"1,200"\n'
        '"New York",Staff,"250\n(taxes included)"\n',
        encoding="utf-8",
    )
    result = parse_file(path)
    assert [b.text for b in result.blocks] == [
        "City: London; Grade: Manager; Rate, per night: 1,200",
        "City: New York; Grade: Staff; Rate, per night: 250 (taxes included)",  # a quoted line break
    ]
    first = result.blocks[0]
    assert first.kind is BlockKind.ROW and first.row_range == (4, 4) and first.sheet is None
    assert first.title == "Travel rates 2025" and first.header == ("City", "Grade", "Rate, per night")
    assert result.title == "rates" and result.rows == 2 and result.warnings == []


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("excel_zh.csv", "城市,标准\r\n上海,800\r\n".encode("gb18030")),  # what Chinese Excel saves as CSV
        ("bom.csv", "\ufeff城市;标准\n上海;800\n".encode("utf-8")),  # Excel's "CSV UTF-8", a European list separator
        ("tabs.tsv", "城市\t标准\n上海\t800\n".encode("utf-8")),
        ("pipes.csv", "城市|标准\n上海|800\n".encode("utf-8")),
    ],
)
def test_encodings_and_delimiters(tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    assert _texts(path) == ["城市: 上海; 标准: 800"]


def test_one_column_file(tmp_path: Path) -> None:
    path = tmp_path / "names.csv"
    path.write_text("Approver\nHead of Finance\nHead of HR\n", encoding="utf-8")
    assert _texts(path) == ["Approver: Head of Finance", "Approver: Head of HR"]


def test_numbers_are_data_not_a_header(tmp_path: Path) -> None:
    path = tmp_path / "numbers.csv"
    path.write_text("2024-01-31,1200,12.5%\n2024-02-29,1300,13%\n", encoding="utf-8")
    result = parse_file(path)
    assert [b.text for b in result.blocks] == ["A: 2024-01-31; B: 1200; C: 12.5%", "A: 2024-02-29; B: 1300; C: 13%"]
    assert result.warnings == ["no header row found, cells labelled by column letter"]


def test_empty_and_binary_files_are_refused_with_a_reason(tmp_path: Path) -> None:
    blank = tmp_path / "blank.csv"
    blank.write_text(",,\n,,\n", encoding="utf-8")
    with pytest.raises(ParseError, match="the table is empty"):
        parse_file(blank)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"PK\x03\x04\x00\x00binary")
    with pytest.raises(ParseError, match="binary data"):
        parse_file(binary)


def test_row_bound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "MAX_ROWS", 3)  # the bound every sheet reader shares
    path = tmp_path / "big.csv"
    path.write_text("k,v\n" + "".join(f"r{i},{i}\n" for i in range(10)), encoding="utf-8")
    result = parse_file(path)
    assert len(result.blocks) == 2  # the header row counts as one of the 3 rows read
    assert result.warnings == ["size limit reached: only the first 3 non-empty rows were read"]
