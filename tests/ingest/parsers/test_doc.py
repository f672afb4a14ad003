"""Legacy Word (.doc): files written by LibreOffice (doc_files/make_doc_files.py), plus edits of
them for the cases no writer produces on request (encryption flag, Word 95, damage)."""
from __future__ import annotations

import random
import shutil
import struct
from pathlib import Path

import olefile
import pytest

from ingest.blocks import BlockKind, ParseError
from ingest.parsers import parse_file
from ingest.parsers.doc_binary import _paragraphs, _PapxRuns, _Piece
from tests.ingest.parsers.docx_samples import texts

FILES = Path(__file__).parent / "doc_files"


@pytest.fixture()
def policy(tmp_path: Path) -> Path:
    return Path(shutil.copy(FILES / "policy.doc", tmp_path / "policy.doc"))


def _blocks_by_text(result):
    return {b.text: b for b in result.blocks}


def test_headings_build_the_section_path_and_the_summary_gives_the_title(policy: Path) -> None:
    result = parse_file(policy)
    assert result.title == "员工差旅管理办法" and result.warnings == []
    blocks = _blocks_by_text(result)
    assert blocks["第一章 总则"].kind is BlockKind.HEADING
    assert blocks["员工出差住宿费按城市级别和职级报销，标准如下："].section_path == ("第一章 总则", "第二节 住宿标准")
    assert blocks["Meals are reimbursed at USD 85 per day in Tier 1 cities."].section_path == ("Chapter 2 Meals",)
    # a page break ends the paragraph before it; the heading after it starts a new chapter
    assert blocks["本办法自2024年1月1日起施行。"].section_path == ("第三章 附则",)


def test_fields_show_their_result_and_line_breaks_are_kept(policy: Path) -> None:
    result = parse_file(policy)
    assert "第一条 出差申请须通过差旅系统提交，经部门负责人审批。" in texts(result)
    assert not any("HYPERLINK" in t or "oa.example.com" in t for t in texts(result))
    assert "Taxis at night are allowed\nafter 22:00 only." in texts(result)
    assert texts(result, BlockKind.LIST) == ["1. Keep every receipt", "• Submit within 30 days"]


def test_table_rows_carry_their_headers_and_a_vertically_merged_cell_is_repeated(policy: Path) -> None:
    rows = [b for b in parse_file(policy).blocks if b.kind is BlockKind.TABLE]
    assert [b.text for b in rows] == [
        "城市级别: 一类城市; 职级: 经理及以上; 住宿上限（元/晚）: 800",
        "城市级别: 一类城市; 职级: 员工; 住宿上限（元/晚）: 600",
        "城市级别: 二类城市; 职级: 全体员工; 住宿上限（元/晚）: 450",
    ]
    assert all(b.section_path == ("第一章 总则", "第二节 住宿标准") for b in rows)


def test_list_numbers_word_computes_are_written_out(tmp_path: Path) -> None:
    """Chapters numbered through the heading style, articles and clauses through the paragraphs'
    own list: Word stores none of these numbers in the text."""
    result = parse_file(Path(shutil.copy(FILES / "numbered.doc", tmp_path / "rules.doc")))
    assert texts(result, BlockKind.HEADING) == ["第一章 总则", "第二章 考勤"]
    items = texts(result, BlockKind.LIST)
    assert items[:3] == ["第一条 条文内容1。", "第二条 条文内容2。", "第一条 条文内容1。"]
    assert items[-2:] == ["第十条 条文内容10。", "十.1 迟到按本条处理。"]
    assert _blocks_by_text(result)["第十条 条文内容10。"].section_path == ("第二章 考勤",)


def test_hand_numbered_chapters_become_headings_when_no_style_does(tmp_path: Path) -> None:
    result = parse_file(Path(shutil.copy(FILES / "hand_numbered.doc", tmp_path / "rules.doc")))
    assert texts(result, BlockKind.HEADING) == ["第一章 总则", "第二章 考勤", "一、工作时间", "二、迟到"]
    assert _blocks_by_text(result)["迟到三次按旷工半天处理。"].section_path == ("第二章 考勤", "二、迟到")


def test_footnotes_and_running_headers_follow_the_body_and_page_numbers_do_not(tmp_path: Path) -> None:
    result = parse_file(Path(shutil.copy(FILES / "extras.doc", tmp_path / "extras.doc")))
    blocks = _blocks_by_text(result)
    assert blocks["See the fire safety plan."].section_path == ("Footnotes",)
    assert blocks["ACME Staff Handbook"].section_path == ("Headers and footers",)
    assert "Page 3 of 10" not in blocks


def test_a_long_document_keeps_every_paragraph_in_its_section(tmp_path: Path) -> None:
    """630 paragraphs span many paragraph-property pages; each must find its own."""
    result = parse_file(Path(shutil.copy(FILES / "long.doc", tmp_path / "long.doc")))
    rules = [b for b in result.blocks if b.text.startswith("Rule ")]
    assert len(rules) == 600
    for block in rules:
        section = block.text.split(".")[0].replace("Rule", "Section")
        assert block.section_path == (section,), block.text


class _NoProperties(_PapxRuns):
    def __init__(self) -> None:
        self.starts, self.runs = [], []


def test_8_bit_and_utf16_pieces_are_read_in_character_order() -> None:
    """Word stores a piece of plain Latin text one byte a character (cp1252) and the rest as
    UTF-16; after a fast save the pieces lie in the stream out of character order."""
    stream = b"\x00" * 16 + "住宿\r".encode("utf-16-le") + b"Caf\xe9 \x93ok\x94\r"
    pieces = [_Piece(0, 10, 16 + 6, compressed=True), _Piece(10, 13, 16, compressed=False)]
    got = [p.text for p in _paragraphs(pieces, stream, _NoProperties(), 0, 13)]
    assert got == ["Café “ok”", "住宿"]


def test_a_field_code_is_dropped_even_when_fields_nest() -> None:
    text = "See \x13 REF x \x13 PAGE \x143\x15\x14Table 3\x15 now\r"
    stream = text.encode("utf-16-le")
    got = _paragraphs([_Piece(0, len(text), 0, compressed=False)], stream, _NoProperties(), 0, len(text))
    assert [p.text for p in got] == ["See Table 3 now"]


def _edit_fib(path: Path, offset: int, value: int) -> None:
    with olefile.OleFileIO(str(path), write_mode=True) as ole:
        word = bytearray(ole.openstream("WordDocument").read())
        struct.pack_into("<H", word, offset, value)
        ole.write_stream("WordDocument", bytes(word))


def test_encrypted_and_word_95_documents_get_a_reason(policy: Path) -> None:
    flags = struct.unpack_from("<H", olefile.OleFileIO(str(policy)).openstream("WordDocument").read(), 0x0A)[0]
    _edit_fib(policy, 0x0A, flags | 0x0100)
    with pytest.raises(ParseError, match="encrypted: password required"):
        parse_file(policy)
    _edit_fib(policy, 0x0A, flags)
    _edit_fib(policy, 0x02, 104)  # nFib of Word 95
    with pytest.raises(ParseError, match="Word 6 or Word 95 document: .* save it as .docx"):
        parse_file(policy)


def test_files_named_doc_are_read_as_what_they_are(tmp_path: Path) -> None:
    from tests.ingest.parsers.docx_samples import build_extras
    from tests.ingest.parsers.xls_samples import save_xls

    build_extras(tmp_path / "handbook.doc")  # a .docx under a .doc name
    assert parse_file(tmp_path / "handbook.doc").warnings[0] == "read as a .docx document named .doc"
    (tmp_path / "export.doc").write_text("<html><body><h1>Leave</h1><p>Ten days a year.</p></body></html>")
    export = parse_file(tmp_path / "export.doc")
    assert export.warnings[0].startswith("read as an HTML page named .doc")
    assert _blocks_by_text(export)["Ten days a year."].section_path == ("Leave",)
    renamed = Path(shutil.copy(FILES / "policy.doc", tmp_path / "policy.docx"))  # and the reverse
    result = parse_file(renamed)
    assert result.warnings[0] == "read as a legacy .doc named .docx" and "第一章 总则" in texts(result)
    save_xls(tmp_path / "rates.doc", "Rates", [["City", "Meals"], ["London", 85]])
    with pytest.raises(ParseError, match=r"an Excel workbook named \.doc: rename it \.xls"):
        parse_file(tmp_path / "rates.doc")
    (tmp_path / "letter.doc").write_bytes(b"{\\rtf1\\ansi Hello}")
    with pytest.raises(ParseError, match="an RTF document named .doc"):
        parse_file(tmp_path / "letter.doc")


def test_damaged_documents_fail_with_a_reason_and_nothing_else(tmp_path: Path) -> None:
    """Truncated, overwritten and scrambled copies: each is read or refused with a ParseError."""
    rng = random.Random(7)
    sources = [p.read_bytes() for p in sorted(FILES.glob("*.doc"))]
    outcomes = set()
    for n in range(150):
        data = bytearray(rng.choice(sources))
        if n % 3 == 0:
            data = data[: rng.randrange(1, len(data))]
        else:
            for _ in range(rng.randrange(1, 40)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        path = tmp_path / f"damaged{n}.doc"
        path.write_bytes(bytes(data))
        try:
            parse_file(path)
            outcomes.add("read")
        except ParseError as exc:
            assert str(exc), "a refusal must say why"
            outcomes.add("refused")
    assert outcomes == {"read", "refused"}


def test_the_summary_title_is_read_in_the_code_page_the_file_declares() -> None:
    from ingest.parsers.doc import _decode_property

    assert _decode_property("员工手册".encode("gbk"), 936) == "员工手册"  # Chinese Word
    assert _decode_property("员工手册".encode("utf-8"), 65001) == "员工手册"  # LibreOffice


def test_wps_writer_files_and_word_templates_are_read_as_the_word_binary(tmp_path: Path) -> None:
    """WPS Writer (.wps) and Word's templates (.dot) store the Word binary format."""
    for name in ("notice.wps", "notice.dot"):
        result = parse_file(Path(shutil.copy(FILES / "policy.doc", tmp_path / name)))
        assert result.warnings == [] and "第一章 总则" in texts(result, BlockKind.HEADING)


def test_a_microsoft_works_file_named_wps_gets_its_own_reason(tmp_path: Path) -> None:
    from tests.ingest.parsers.xls_samples import save_xls

    save_xls(tmp_path / "book.xls", "Rates", [["City", "Meals"], ["London", 85]])
    # The same container with its one stream renamed as Microsoft Works names its text stream.
    data = (tmp_path / "book.xls").read_bytes().replace("Workbook".encode("utf-16-le"), "CONTENTS".encode("utf-16-le"))
    (tmp_path / "letter.wps").write_bytes(data)
    with pytest.raises(ParseError, match="a Microsoft Works document: .* save it as .docx"):
        parse_file(tmp_path / "letter.wps")


@pytest.mark.parametrize("suffix, advice", [(".rtf", "save it as .docx"), (".odt", "save it as .docx"),
                                            (".dps", "save it as .pptx"), (".ofd", "export it as PDF")])
def test_word_processor_formats_not_read_get_advice(tmp_path: Path, suffix: str, advice: str) -> None:
    path = tmp_path / f"notice{suffix}"
    path.write_bytes(b"content")
    with pytest.raises(ParseError, match=f"unsupported format .*{advice}"):
        parse_file(path)
