"""Word documents shared by the DOCX parser tests: python-docx builders and zipfile edits to saved packages."""
from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from ingest.blocks import BlockKind

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


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


def texts(result, kind: BlockKind | None = None) -> list[str]:
    return [b.text for b in result.blocks if kind is None or b.kind is kind]


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
