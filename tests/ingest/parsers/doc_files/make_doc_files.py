"""Writes the legacy Word (.doc) files the .doc parser tests read.

No Python library writes Word 97-2003 binaries, so each document is built as a .docx with
python-docx and saved as .doc by LibreOffice (a real, independent writer of the format).
LibreOffice is not needed to run the tests; only to remake these files:

    apt-get install -y libreoffice-writer-nogui
    .venv/bin/python tests/ingest/parsers/doc_files/make_doc_files.py
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.enum.text import WD_BREAK

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[3]))
from tests.ingest.parsers.docx_samples import build_extras, rewrite  # noqa: E402


def _field(paragraph, instruction: str, shown: str) -> None:
    """A complex field (code hidden, result shown), as Word writes a hyperlink."""
    def run_with(element):
        run = OxmlElement("w:r")
        run.append(element)
        paragraph._p.append(run)
    begin = OxmlElement("w:fldChar"); begin.set(qn("w:fldCharType"), "begin"); run_with(begin)
    code = OxmlElement("w:instrText"); code.set(qn("xml:space"), "preserve"); code.text = instruction; run_with(code)
    sep = OxmlElement("w:fldChar"); sep.set(qn("w:fldCharType"), "separate"); run_with(sep)
    paragraph.add_run(shown)
    end = OxmlElement("w:fldChar"); end.set(qn("w:fldCharType"), "end"); run_with(end)


def build_policy(path: Path) -> None:
    d = docx.Document()
    d.core_properties.title = "员工差旅管理办法"
    d.add_paragraph("差旅管理办法（2024年修订）", style="Title")
    d.add_paragraph("第一章 总则", style="Heading 1")
    p = d.add_paragraph("第一条 出差申请须通过")
    _field(p, ' HYPERLINK "https://oa.example.com/travel" ', "差旅系统")
    p.add_run("提交，经部门负责人审批。")
    d.add_paragraph("第二节 住宿标准", style="Heading 2")
    d.add_paragraph("员工出差住宿费按城市级别和职级报销，标准如下：")
    table = d.add_table(rows=4, cols=3)
    rows = [["城市级别", "职级", "住宿上限（元/晚）"], ["一类城市", "经理及以上", "800"],
            ["", "员工", "600"], ["二类城市", "全体员工", "450"]]
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value:
                table.cell(r, c).text = value
    table.cell(1, 0).merge(table.cell(2, 0))  # "一类城市" spans two rows
    d.add_paragraph("Chapter 2 Meals", style="Heading 1")
    d.add_paragraph("Meals are reimbursed at USD 85 per day in Tier 1 cities.")
    d.add_paragraph("Keep every receipt", style="List Number")
    d.add_paragraph("Submit within 30 days", style="List Bullet")
    p = d.add_paragraph("Taxis at night are allowed")
    p.add_run().add_break()
    p.add_run("after 22:00 only.")
    p.add_run().add_break(WD_BREAK.PAGE)
    d.add_paragraph("第三章 附则", style="Heading 1")
    d.add_paragraph("本办法自2024年1月1日起施行。")
    d.save(path)


def build_hand_numbered(path: Path) -> None:
    """No heading styles: chapters and clauses numbered by hand in Normal paragraphs."""
    d = docx.Document()
    for text in ("第一章 总则", "第一条 本制度适用于公司全体员工。", "第二章 考勤",
                 "一、工作时间", "每日工作八小时，午休一小时。", "二、迟到", "迟到三次按旷工半天处理。"):
        d.add_paragraph(text)
    d.save(path)


_NUMBERING = (
    '<w:abstractNum w:abstractNumId="90"><w:multiLevelType w:val="multilevel"/>'
    '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="第%1章"/></w:lvl>'
    '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="第%2条"/></w:lvl>'
    '<w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%2.%3"/></w:lvl>'
    '</w:abstractNum><w:num w:numId="90"><w:abstractNumId w:val="90"/></w:num>'
)


def _number(paragraph, ilvl: int | None) -> None:
    """Number a paragraph (or, with ilvl None, a style's paragraphs) by list 90."""
    ppr = paragraph.get_or_add_pPr()
    numpr = OxmlElement("w:numPr")
    if ilvl is not None:
        level = OxmlElement("w:ilvl"); level.set(qn("w:val"), str(ilvl)); numpr.append(level)
    num = OxmlElement("w:numId"); num.set(qn("w:val"), "90"); numpr.append(num)
    ppr.append(numpr)


def build_numbered(path: Path) -> None:
    """Articles numbered by Word, not typed: chapters through the heading style's numbering,
    articles ("第十条", counting again in each chapter) and clauses on the paragraphs."""
    d = docx.Document()
    _number(d.styles["Heading 1"].element, 0)
    for chapter, articles in (("总则", 2), ("考勤", 10)):
        d.add_paragraph(chapter, style="Heading 1")
        for n in range(articles):
            p = d.add_paragraph(f"条文内容{n + 1}。")
            _number(p._p, 1)
    clause = d.add_paragraph("迟到按本条处理。")
    _number(clause._p, 2)
    d.save(path)
    with zipfile.ZipFile(path) as z:
        assert "word/numbering.xml" in z.namelist()
    rewrite(path, edits={"word/numbering.xml": lambda x: x.replace("</w:numbering>", _NUMBERING + "</w:numbering>")})


def build_long(path: Path) -> None:
    """Enough paragraphs to fill many paragraph-property pages."""
    d = docx.Document()
    for n in range(1, 31):
        d.add_paragraph(f"Section {n}", style="Heading 1")
        for k in range(1, 21):
            d.add_paragraph(f"Rule {n}.{k}: the allowance for item {n}.{k} is {n * 100 + k} dollars.")
    d.save(path)


def main() -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise SystemExit("LibreOffice (soffice) is needed to write .doc files")
    builders = {"policy": build_policy, "hand_numbered": build_hand_numbered, "extras": build_extras, "long": build_long,
                "numbered": build_numbered}
    with tempfile.TemporaryDirectory() as tmp:
        for name, build in builders.items():
            source = Path(tmp) / f"{name}.docx"
            build(source)
            subprocess.run([soffice, "--headless", "--convert-to", "doc", "--outdir", str(HERE), str(source)],
                           check=True, capture_output=True, timeout=120)
            print(HERE / f"{name}.doc")


if __name__ == "__main__":
    main()
