"""Tests for ingest.parsers.pdf_lines: fake bold, letter-spaced OCR, ligatures and running lines."""
from __future__ import annotations

from ingest.parsers.pdf_lines import clean_page_text, running_line_positions, undo_fake_bold


def test_fake_bold_lines_and_characters_undone() -> None:
    doubled_lines = ["本科", "本科", "高中", "高中", "微软", "微软", "项目描述：", "项目描述：", "负责开展试验研究。"]
    assert undo_fake_bold(doubled_lines) == (["本科", "高中", "微软", "项目描述：", "负责开展试验研究。"], [0, 2, 4, 6, 8], True)
    assert undo_fake_bold(["中中国国人人民民", "银银行行", "工工资资"]) == (["中国人民", "银行", "工资"], [0, 1, 2], True)
    # A table column with equal values is left alone.
    table = ["07/17/2015", "07/17/2015", "07/17/2015", "Acme", "Acme", "Foo", "Bar", "Baz", "Qux"]
    assert undo_fake_bold(table) == (table, list(range(len(table))), False)


def test_letter_spaced_ocr_and_ligatures() -> None:
    assert clean_page_text("T h e  S i e g e  o f  V i c k s b u r g\nof\ufb01ce") == ["The Siege of Vicksburg", "office"]
    assert clean_page_text("A B C") == ["A B C"]


def test_ocr_header_variants_and_page_labels_removed() -> None:
    pages = [
        ["THE SIEGE OF VICKSBURG. 49", "body one"],
        ["50 THE SIEGE OF VICKSBUEG.", "body two"],
        ["THE SIEGE OP VICKSBURG. 51", "body three"],
        ["52 THE SIEGE OF VICKSBURG.", "body four"],
    ]
    assert running_line_positions(pages) == [{0}, {0}, {0}, {0}]
    dates = [["06/22/2015", "Acme"], ["06/30/2015", "Foo"], ["07/01/2015", "Bar"]]
    assert running_line_positions(dates) == [set(), set(), set()]


def test_leader_dots_become_one_ellipsis() -> None:
    assert clean_page_text("2.1 ASN.1 syntax. . . . . . . . . . 2\nConcept Index . . . . . . 32") == [
        "2.1 ASN.1 syntax … 2", "Concept Index … 32"]
    assert clean_page_text("第一章 总则……………1\nTravel ......... 14\nWait... 1.2.3.4 stays.") == [
        "第一章 总则 … 1", "Travel … 14", "Wait... 1.2.3.4 stays."]
