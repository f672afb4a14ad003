"""Word parser: fixtures are generated with python-docx in tmp_path; features python-docx
cannot write (numbering definitions, text boxes, footnotes, broken grids, Strict OOXML) are
added by editing the generated package's XML with zipfile."""
from __future__ import annotations

import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from ingest.blocks import BlockKind, ParseError
from ingest.parsers import parse_file
from ingest.parsers.docx import ENCRYPTED, parse
from ingest.parsers.docx_body import DocxWalker
from ingest.parsers.docx_numbering import format_number
from ingest.parsers.docx_package import NOT_DOCX, load_with_zip

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "eval" / "parse-corpus" / "docx"


def rewrite(path: Path, edits: dict[str, Callable[[str], str]] | None = None,
            add: dict[str, str] | None = None, rename: dict[str, str] | None = None) -> None:
    """Edit parts of a saved .docx in place (text edits, new parts, renamed parts)."""
    with zipfile.ZipFile(path) as zin:
        items = [(i.filename, zin.read(i.filename)) for i in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in items:
            if edits and name in edits:
                data = edits[name](data.decode("utf-8")).encode("utf-8")
            zout.writestr((rename or {}).get(name, name), data)
        for name, text in (add or {}).items():
            zout.writestr(name, text)


def set_val(parent, tag: str, value: str):
    el = OxmlElement(tag)
    el.set(qn("w:val"), value)
    parent.append(el)
    return el


def number(paragraph, num_id: int, ilvl: int = 0) -> None:
    numpr = OxmlElement("w:numPr")
    set_val(numpr, "w:ilvl", str(ilvl))
    set_val(numpr, "w:numId", str(num_id))
    paragraph._p.get_or_add_pPr().append(numpr)


def texts(result, kind: BlockKind | None = None) -> list[str]:
    return [b.text for b in result.blocks if kind is None or b.kind is kind]


# -- headings and section paths --------------------------------------------------------


def build_headings(path: Path) -> None:
    d = docx.Document()
    zh1 = d.styles.add_style("标题 1", WD_STYLE_TYPE.PARAGRAPH)  # localised name, no outline level
    chapter = d.styles.add_style("Chapter Custom", WD_STYLE_TYPE.PARAGRAPH)
    chapter.base_style = zh1  # heading only through its based-on chain
    clause = d.styles.add_style("Clause", WD_STYLE_TYPE.PARAGRAPH)
    set_val(clause.element.get_or_add_pPr(), "w:outlineLvl", "2")  # outline level only: level 3
    d.styles.add_style("toc 1", WD_STYLE_TYPE.PARAGRAPH)
    d.add_paragraph("员工手册", style="Title")
    d.add_paragraph("第三章 总则 ........ 3", style="toc 1")  # table of contents: skipped
    d.add_paragraph("第三章 总则", style="标题 1")
    d.add_paragraph("本章适用于全体员工。")
    d.add_paragraph("第二节 招聘", style="Heading 2")
    d.add_paragraph("招聘流程如下。")
    d.add_paragraph("Article 7", style="Clause")
    d.add_paragraph("Text under the clause.")
    d.add_paragraph("")  # empty paragraphs are skipped
    d.add_paragraph("第四章 考勤", style="Chapter Custom")
    d.add_paragraph("迟到三次记警告一次。")
    direct = d.add_paragraph("Direct outline heading")
    set_val(direct._p.get_or_add_pPr(), "w:outlineLvl", "1")
    d.add_paragraph("Body after the direct heading.")
    d.save(path)


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

TEXT_BOX = (
    '<w:p xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:v="urn:schemas-microsoft-com:vml"><w:r><mc:AlternateContent>'
    "<mc:Choice Requires=\"wps\"><w:drawing><wps:wsp><wps:txbx><w:txbxContent>"
    "<w:p><w:r><w:t>Emergency exit is on floor 2</w:t></w:r></w:p>"
    "</w:txbxContent></wps:txbx></wps:wsp></w:drawing></mc:Choice>"
    "<mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent>"
    "<w:p><w:r><w:t>Emergency exit is on floor 2</w:t></w:r></w:p>"
    "</w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback>"
    "</mc:AlternateContent></w:r><w:r><w:t>Anchor paragraph</w:t></w:r>"
    '<w:r><w:footnoteReference w:id="1"/></w:r></w:p>'
)
FOOTNOTES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:footnotes xmlns:w="{W_NS}">
 <w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>
 <w:footnote w:id="1"><w:p><w:r><w:footnoteRef/></w:r>
  <w:r><w:t xml:space="preserve"> See the fire safety plan.</w:t></w:r></w:p></w:footnote>
</w:footnotes>"""
FOOTNOTES_REL = ('<Relationship Id="rId99" Target="footnotes.xml" '
                 'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"/>')
FOOTNOTES_CT = ('<Override PartName="/word/footnotes.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/>')


def build_extras(path: Path) -> None:
    d = docx.Document()
    d.sections[0].header.paragraphs[0].text = "ACME Staff Handbook"
    d.sections[0].footer.paragraphs[0].text = "Page 3 of 10"
    d.add_heading("Safety", level=1)
    d.add_paragraph("MARKER")
    d.save(path)
    rewrite(path, edits={
        "word/document.xml": lambda s: s.replace("<w:p><w:r><w:t>MARKER</w:t></w:r></w:p>", TEXT_BOX),
        "word/_rels/document.xml.rels": lambda s: s.replace("</Relationships>", FOOTNOTES_REL + "</Relationships>"),
        "[Content_Types].xml": lambda s: s.replace("</Types>", FOOTNOTES_CT + "</Types>"),
    }, add={"word/footnotes.xml": FOOTNOTES})


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


# -- fallbacks and failures ------------------------------------------------------------


def build_broken_grid(path: Path) -> None:
    d = docx.Document()
    t = d.add_table(rows=4, cols=2)
    for r, (a, b) in enumerate([("Item", "Note"), ("Pen", "Shared note"), ("Ink", ""), ("Paper", "")]):
        t.cell(r, 0).text, t.cell(r, 1).text = a, b
    trs = t._tbl.tr_lst
    set_val(trs[1].tc_lst[1].get_or_add_tcPr(), "w:vMerge", "restart")
    trs[2].remove(trs[2].tc_lst[1])  # a short row: nothing at grid offset 1
    set_val(trs[3].tc_lst[1].get_or_add_tcPr(), "w:vMerge", "continue")
    d.save(path)


def test_table_fallback_when_python_docx_raises(tmp_path: Path) -> None:
    path = tmp_path / "grid.docx"
    build_broken_grid(path)
    with pytest.raises(ValueError):  # the premise: python-docx cannot read this grid
        [row.cells for row in docx.Document(str(path)).tables[0].rows]
    result = parse(path)
    assert texts(result, BlockKind.TABLE) == [
        "Item: Pen; Note: Shared note", "Item: Ink", "Item: Paper; Note: Shared note"
    ]
    assert any("python-docx could not read it" in w for w in result.warnings)


STRICT = {
    W_NS: "http://purl.oclc.org/ooxml/wordprocessingml/main",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships":
        "http://purl.oclc.org/ooxml/officeDocument/relationships",
}


def to_strict(text: str) -> str:
    for old, new in STRICT.items():
        text = text.replace(old, new)
    return text


def test_strict_ooxml_read_from_xml_with_same_blocks(tmp_path: Path) -> None:
    path = tmp_path / "strict.docx"
    build_headings(path)
    expected = parse(path).blocks
    rewrite(path, edits={"word/document.xml": to_strict, "word/styles.xml": to_strict, "_rels/.rels": to_strict})
    result = parse(path)
    assert result.blocks == expected  # headings from styles.xml, matched by local name
    assert "python-docx could not open the file" in result.warnings[0]


def test_xml_reader_matches_python_docx_and_follows_relationships(tmp_path: Path) -> None:
    path = tmp_path / "renamed.docx"
    build_extras(path)
    expected = parse(path).blocks
    rewrite(path, rename={"word/document.xml": "word/main.xml",
                          "word/_rels/document.xml.rels": "word/_rels/main.xml.rels"},
            edits={"_rels/.rels": lambda s: s.replace("word/document.xml", "word/main.xml"),
                   "[Content_Types].xml": lambda s: s.replace("/word/document.xml", "/word/main.xml")})
    walker = DocxWalker(load_with_zip(path))
    walker.walk()
    assert walker.blocks == expected
    assert parse(path).blocks == expected


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"plain text, not a zip archive", NOT_DOCX), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, ENCRYPTED)],
)
def test_not_a_docx(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.docx"
    path.write_bytes(content)
    with pytest.raises(ParseError) as err:
        parse(path)
    assert str(err.value) == message


def test_truncated_malformed_and_other_formats(tmp_path: Path) -> None:
    good = tmp_path / "good.docx"
    build_headings(good)
    truncated = tmp_path / "truncated.docx"
    truncated.write_bytes(good.read_bytes()[:4000])
    with pytest.raises(ParseError, match="not a valid .docx file"):
        parse(truncated)
    rewrite(good, edits={"word/document.xml": lambda s: s[: len(s) // 2]})
    with pytest.raises(ParseError, match="word/document.xml is not well-formed XML"):
        parse(good)
    openpyxl = pytest.importorskip("openpyxl")
    openpyxl.Workbook().save(tmp_path / "sheet.docx")
    with pytest.raises(ParseError, match="Excel workbook renamed to .docx"):
        parse(tmp_path / "sheet.docx")


def test_module_name_does_not_shadow_python_docx() -> None:
    assert "site-packages" in (sys.modules["docx"].__file__ or "")
    assert sys.modules["ingest.parsers.docx"].parse is parse


# -- the shared corpus -----------------------------------------------------------------

CORPUS_FILES = sorted(CORPUS.glob("*.docx")) if CORPUS.is_dir() else []
MUST_READ = {
    "unstructured-grid_offset_error.docx": "Merged B1-B3",
    "mammoth-strict-format.docx": "Test",
    "docx2python-renamed_document_xml.docx": "This is a link to my website.",
    "mammoth-text-box.docx": "Datum plane",
    "mammoth-footnotes.docx": "A tachyon walks into a bar.",
}


@pytest.mark.skipif(not CORPUS_FILES, reason="shared parse corpus not present")
@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_corpus_file_parses_or_fails_specifically(path: Path) -> None:
    start = time.perf_counter()
    try:
        result = parse_file(path)
    except ParseError as err:
        assert str(err).strip() and "Traceback" not in str(err)
        return
    finally:
        assert time.perf_counter() - start < 20
    assert result.blocks and all(b.text.strip() for b in result.blocks)
    if path.name in MUST_READ:
        assert any(MUST_READ[path.name] in b.text for b in result.blocks)


@pytest.mark.skipif(not (CORPUS / "us-doj-handbook-872p.docx").exists(), reason="shared parse corpus not present")
def test_large_handbook_is_fast_and_structured() -> None:
    start = time.perf_counter()
    result = parse(CORPUS / "us-doj-handbook-872p.docx")
    assert time.perf_counter() - start < 10
    assert sum(len(b.text) for b in result.blocks) > 700_000
    assert sum(b.kind is BlockKind.HEADING for b in result.blocks) > 250
    assert sum(1 for b in result.blocks if len(b.section_path) >= 2) > 3000
