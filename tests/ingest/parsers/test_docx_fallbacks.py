"""Word parser fallbacks and failures: python-docx errors, Strict OOXML, renamed parts, damaged and non-Word files."""
from __future__ import annotations

import sys
from pathlib import Path

import docx
import pytest

from ingest.blocks import BlockKind, ParseError
from ingest.parsers import parse_file
from ingest.parsers.docx import ENCRYPTED, parse
from ingest.parsers.docx_body import DocxWalker
from ingest.parsers.docx_package import NOT_DOCX, load_with_zip
from tests.ingest.parsers.docx_samples import W_NS, build_extras, build_headings, rewrite, set_val, texts


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


@pytest.mark.parametrize("suffix, content_type", [
    (".docm", "application/vnd.ms-word.document.macroEnabled.main+xml"),
    (".dotx", "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"),
])
def test_macro_enabled_documents_and_templates_are_read_without_a_warning(tmp_path: Path, suffix: str,
                                                                          content_type: str) -> None:
    """python-docx refuses them by content type alone; their document XML is a .docx's."""
    path = tmp_path / f"handbook{suffix}"
    build_headings(path)
    expected = parse(path).blocks
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    rewrite(path, edits={"[Content_Types].xml": lambda s: s.replace(main, content_type)})
    result = parse_file(path)
    assert result.blocks == expected and result.warnings == []
