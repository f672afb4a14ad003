"""Word parser: headings and section paths, titles, tables, list numbering, text boxes, footnotes and
headers. Fixtures are generated with python-docx in tmp_path (docx_samples); features python-docx
cannot write (numbering definitions, text boxes, footnotes) are added by editing the generated
package's XML with zipfile. Fallbacks and failures, and the shared corpus, have their own files."""
from __future__ import annotations

from pathlib import Path

import docx
import pytest
from docx.oxml import OxmlElement

from ingest.blocks import BlockKind
from ingest.parsers.docx import parse
from ingest.parsers.docx_numbering import format_number
from tests.ingest.parsers.docx_samples import build_extras, build_headings, rewrite, set_val, texts


def number(paragraph, num_id: int, ilvl: int = 0) -> None:
    numpr = OxmlElement("w:numPr")
    set_val(numpr, "w:ilvl", str(ilvl))
    set_val(numpr, "w:numId", str(num_id))
    paragraph._p.get_or_add_pPr().append(numpr)


# -- headings and section paths --------------------------------------------------------


def test_headings_build_section_paths(tmp_path: Path) -> None:
    path = tmp_path / "handbook.docx"
    build_headings(path)
    result = parse(path)
    by_text = {b.text: b for b in result.blocks}
    assert "" not in by_text and not any("........" in t for t in by_text)
    assert by_text["员工手册"].kind is BlockKind.HEADING
    assert by_text["第三章 总则"].section_path == ("员工手册", "第三章 总则")
    assert by_text["本章适用于全体员工。"].section_path == ("员工手册", "第三章 总则")
    assert by_text["招聘流程如下。"].section_path == ("员工手册", "第三章 总则", "第二节 招聘")
    assert by_text["Article 7"].kind is BlockKind.HEADING
    assert by_text["Text under the clause."].section_path == ("员工手册", "第三章 总则", "第二节 招聘", "Article 7")
    # a level-1 heading (through the based-on chain) truncates the deeper levels
    assert by_text["迟到三次记警告一次。"].section_path == ("员工手册", "第四章 考勤")
    assert by_text["Body after the direct heading."].section_path == ("员工手册", "第四章 考勤", "Direct outline heading")
    assert by_text["本章适用于全体员工。"].kind is BlockKind.PARAGRAPH
    assert result.title == "员工手册"  # no core title: the Title paragraph
    assert result.pages is None and result.warnings == []


def test_title_from_core_properties_then_stem(tmp_path: Path) -> None:
    d = docx.Document()
    d.core_properties.title = "Leave Policy 2024"
    d.add_paragraph("Some text.")
    d.save(tmp_path / "a.docx")
    assert parse(tmp_path / "a.docx").title == "Leave Policy 2024"
    d = docx.Document()
    d.add_paragraph("Just text.")
    d.save(tmp_path / "plain-notes.docx")
    assert parse(tmp_path / "plain-notes.docx").title == "plain-notes"


def test_hand_numbered_chinese_headings_without_styles(tmp_path: Path) -> None:
    d = docx.Document()
    for line in ["第一章 总则", "为规范管理，制定本制度。", "一、适用范围", "本制度适用于全体员工。",
                 "1、请假须提前申请。", "第二章 考勤", "每日打卡两次。"]:
        d.add_paragraph(line)
    d.save(tmp_path / "zh.docx")
    blocks = {b.text: b for b in parse(tmp_path / "zh.docx").blocks}
    assert blocks["一、适用范围"].kind is BlockKind.HEADING
    assert blocks["本制度适用于全体员工。"].section_path == ("第一章 总则", "一、适用范围")
    assert blocks["1、请假须提前申请。"].kind is BlockKind.PARAGRAPH  # a sentence, not a heading
    assert blocks["每日打卡两次。"].section_path == ("第二章 考勤",)


# -- tables ----------------------------------------------------------------------------


def test_table_rows_with_header_and_merged_cells(tmp_path: Path) -> None:
    d = docx.Document()
    d.add_heading("Rates", level=1)
    t = d.add_table(rows=4, cols=3)
    for r, row in enumerate([["City", "Hotel", "Meals"], ["Beijing", "800", "200"],
                             ["Shanghai", "900", "180"], ["Other cities 600", "", ""]]):
        for c, value in enumerate(row):
            t.cell(r, c).text = value
    t.cell(2, 2).merge(t.cell(3, 2))  # vertical merge: the value belongs to both rows
    t.cell(3, 0).merge(t.cell(3, 1))  # horizontal merge: one cell over two columns
    one_row = d.add_table(rows=1, cols=2)
    one_row.cell(0, 0).text, one_row.cell(0, 1).text = "Approved by", "HR"
    d.save(tmp_path / "t.docx")
    result = parse(tmp_path / "t.docx")
    rows = [b for b in result.blocks if b.kind is BlockKind.TABLE]
    assert [b.text for b in rows] == [
        "City: Beijing; Hotel: 800; Meals: 200",
        "City: Shanghai; Hotel: 900; Meals: 180",
        "City / Hotel: Other cities 600; Meals: 180",  # merged once; vertical merge repeated
    ]
    assert all(b.header == ("City", "Hotel", "Meals") and b.section_path == ("Rates",) for b in rows)
    assert "Approved by | HR" in texts(result, BlockKind.PARAGRAPH)


def test_repeating_header_rows_and_caption(tmp_path: Path) -> None:
    d = docx.Document()
    t = d.add_table(rows=4, cols=2)
    t.cell(0, 0).merge(t.cell(0, 1)).text = "差旅标准"
    for r, (a, b) in enumerate([("级别", "标准"), ("经理", "500元"), ("员工", "300元")], start=1):
        t.cell(r, 0).text, t.cell(r, 1).text = a, b
    d.save(tmp_path / "c.docx")
    result = parse(tmp_path / "c.docx")
    rows = [b for b in result.blocks if b.kind is BlockKind.TABLE]
    assert [b.text for b in rows] == ["级别: 经理; 标准: 500元", "级别: 员工; 标准: 300元"]
    assert rows[0].title == "差旅标准" and "差旅标准" in texts(result)
    # rows marked w:tblHeader are all header rows: labels combine
    d = docx.Document()
    t = d.add_table(rows=3, cols=2)
    for r, (a, b) in enumerate([("Q1", "Q1"), ("Jan", "Feb"), ("10", "20")]):
        t.cell(r, 0).text, t.cell(r, 1).text = a, b
    for tr in t._tbl.tr_lst[:2]:
        set_val(tr.get_or_add_trPr(), "w:tblHeader", "1")
    d.save(tmp_path / "h.docx")
    assert texts(parse(tmp_path / "h.docx"), BlockKind.TABLE) == ["Q1 / Jan: 10; Q1 / Feb: 20"]


# -- lists -----------------------------------------------------------------------------

# Added to the template's numbering.xml (whose "List Number" style keeps its own list).
NUMBERING = """
 <w:abstractNum w:abstractNumId="110">
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="第%1章"/></w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="1"/><w:isLgl/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1.%2."/></w:lvl>
  <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/><w:lvlText w:val="%3)"/></w:lvl>
 </w:abstractNum>
 <w:abstractNum w:abstractNumId="111">
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="\uf0b7"/></w:lvl>
 </w:abstractNum>
 <w:abstractNum w:abstractNumId="112">
  <w:lvl w:ilvl="0"><w:start w:val="4"/><w:numFmt w:val="upperRoman"/><w:lvlText w:val="%1."/></w:lvl>
 </w:abstractNum>
 <w:abstractNum w:abstractNumId="113">
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>
 </w:abstractNum>
 <w:num w:numId="101"><w:abstractNumId w:val="110"/></w:num>
 <w:num w:numId="102"><w:abstractNumId w:val="111"/></w:num>
 <w:num w:numId="103"><w:abstractNumId w:val="112"/></w:num>
 <w:num w:numId="104"><w:abstractNumId w:val="112"/>
  <w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>
 <w:num w:numId="105"><w:abstractNumId w:val="113"/></w:num>
"""


def test_list_numbering_labels(tmp_path: Path) -> None:
    d = docx.Document()
    for text, num, lvl, style in [
        ("总则", 101, 0, "Heading 1"), ("目的", 101, 1, None), ("条款甲", 101, 2, None), ("条款乙", 101, 2, None),
        ("范围", 101, 1, None), ("条款丙", 101, 2, None), ("考勤", 101, 0, "Heading 1"), ("定义", 101, 1, None),
        ("coffee", 102, 0, None), ("tea", 102, 0, None), ("fourth", 103, 0, None), ("fifth", 103, 0, None),
        ("restarted", 104, 0, None), ("continues", 103, 0, None), ("适用", 105, 0, None),
    ]:
        number(d.add_paragraph(text, style=style), num, lvl)
    d.add_paragraph("1. Already numbered by hand")
    d.add_paragraph("Style numbering", style="List Number")
    off = d.add_paragraph("Numbering removed", style="List Number")
    number(off, 0)
    d.save(tmp_path / "n.docx")
    end = "</w:numbering>"
    rewrite(tmp_path / "n.docx", edits={"word/numbering.xml": lambda s: s.replace(end, NUMBERING + end)})
    result = parse(tmp_path / "n.docx")
    assert texts(result, BlockKind.LIST) == [
        "1.1. 目的", "a) 条款甲", "b) 条款乙", "1.2. 范围", "a) 条款丙", "2.1. 定义",
        "• coffee", "• tea", "IV. fourth", "V. fifth", "I. restarted", "II. continues", "一、适用",
        "1. Style numbering",
    ]
    headings = [b for b in result.blocks if b.kind is BlockKind.HEADING]
    assert [b.text for b in headings] == ["第一章 总则", "第二章 考勤"]
    assert next(b for b in result.blocks if b.text == "2.1. 定义").section_path == ("第二章 考勤",)
    plain = texts(result, BlockKind.PARAGRAPH)
    assert "1. Already numbered by hand" in plain and "Numbering removed" in plain


@pytest.mark.parametrize(
    ("n", "fmt", "expected"),
    [(3, "decimal", "3"), (11, "chineseCounting", "十一"), (105, "chineseCountingThousand", "一百零五"),
     (3, "ideographTraditional", "丙"), (28, "lowerLetter", "bb"), (14, "upperRoman", "XIV"),
     (2, "decimalEnclosedCircle", "②"), (7, "decimalZero", "07"), (20, "chineseCounting", "二十")],
)
def test_number_formats(n: int, fmt: str, expected: str) -> None:
    assert format_number(n, fmt) == expected


# -- text boxes, footnotes, headers ----------------------------------------------------


def test_text_boxes_footnotes_headers(tmp_path: Path) -> None:
    path = tmp_path / "x.docx"
    build_extras(path)
    result = parse(path)
    assert texts(result).count("Emergency exit is on floor 2") == 1  # Choice and Fallback: once
    box = next(b for b in result.blocks if b.text == "Emergency exit is on floor 2")
    assert box.section_path == ("Safety",)
    assert texts(result).index("Anchor paragraph") < texts(result).index("Emergency exit is on floor 2")
    by_text = {b.text: b for b in result.blocks}
    assert by_text["See the fire safety plan."].section_path == ("Footnotes",)
    assert by_text["ACME Staff Handbook"].section_path == ("Headers and footers",)
    assert not any("Page 3" in t for t in texts(result))  # page-number-only footer skipped
