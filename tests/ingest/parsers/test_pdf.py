"""Tests for ingest.parsers.pdf (and its helpers pdf_layout, pdf_reader): pages and running lines,
paragraphs, page breaks, Chinese, forms and titles. Headings, damaged files, pdf_quality, pdf_lines
and the parse corpus have their own files.

Fixture PDFs are written at test time with reportlab (pdf_samples.make_pdf); Chinese text
uses reportlab's built-in CID font STSong-Light, which needs no system font and which pypdf
extracts correctly.
"""
from __future__ import annotations

from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from ingest.blocks import BlockKind
from ingest.parsers import parse_file
from ingest.parsers.pdf import page_ranges, parse
from tests.ingest.parsers.pdf_samples import PROSE, make_pdf

CJK_FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def texts_on(result, page: int) -> str:
    return "\n".join(b.text for b in result.blocks if b.page == page)


# --- page numbers, headers/footers, paragraphs -------------------------------------------------


TOPICS = ["annual leave", "sick leave", "remote work", "travel expenses"]


def topic_page(n: int) -> list[str]:
    topic = TOPICS[n - 1]
    return [
        f"This page of the handbook explains the rules on {topic}, which is topic number {n}.",
        f"Questions about {topic} go to the human resources team, who answer within two",
        "working days and keep a record of every answer given to an employee.",
    ]


def test_blocks_carry_their_page_and_running_lines_are_dropped(tmp_path: Path) -> None:
    pages = [topic_page(n) for n in range(1, 5)]
    path = make_pdf(
        tmp_path / "handbook.pdf",
        pages,
        header="ACME Corporation - Employee Handbook (internal)",
        footer="Page {n} of {total}",
    )
    result = parse(path)
    assert result.pages == 4
    assert {b.page for b in result.blocks} == {1, 2, 3, 4}
    for n in range(1, 5):
        assert f"topic number {n}." in texts_on(result, n)
        for other in {1, 2, 3, 4} - {n}:
            assert f"topic number {n}." not in texts_on(result, other)
    every_text = "\n".join(b.text for b in result.blocks)
    assert "Employee Handbook" not in every_text
    assert "Page 2 of 4" not in every_text and "of 4" not in every_text


def test_paragraphs_rejoined_and_hyphenation_undone(tmp_path: Path) -> None:
    result = parse(make_pdf(tmp_path / "leave.pdf", [PROSE]))
    paragraphs = [b.text for b in result.blocks]
    assert len(paragraphs) == 2, paragraphs
    assert paragraphs[0].startswith("Every employee") and paragraphs[0].endswith("before the leave starts.")
    assert "per calendar year" in paragraphs[0]  # wrapped line joined with one space
    assert "employment contract." in paragraphs[1]
    assert "employ-" not in paragraphs[1]


def test_line_end_hyphens_kept_where_the_document_writes_the_compound(tmp_path: Path) -> None:
    # A Word export does not hyphenate: its line-end hyphens are real ("in-" / "network"); the
    # same document's "employ-" / "ment" is a wrap, since it writes "employment" elsewhere.
    lines = [
        "Staff who see an in-network doctor pay less than at an out-of-",
        "network clinic. Your employment contract and the in-",
        "network list say how much. Read the employ-",
        "ment terms before the first visit: most of the cost is yours.",
    ]
    text = " ".join(b.text for b in parse(make_pdf(tmp_path / "plan.pdf", [lines])).blocks)
    assert "an out-of-network clinic" in text and "the in-network list" in text
    assert "the employment terms" in text


def test_short_line_with_full_stop_ends_a_paragraph(tmp_path: Path) -> None:
    lines = [
        "The policy applies to all permanent and temporary employees of the company and",
        "its subsidiaries.",
        "Managers are responsible for making sure that their teams know and follow these",
        "rules at all times.",
    ]
    result = parse(make_pdf(tmp_path / "p.pdf", [lines]))
    assert [b.text for b in result.blocks] == [
        "The policy applies to all permanent and temporary employees of the company and its subsidiaries.",
        "Managers are responsible for making sure that their teams know and follow these rules at all times.",
    ]


# --- Chinese ------------------------------------------------------------------------------------


def test_a_paragraph_cut_by_a_page_break_is_one_block_spanning_both_pages(tmp_path: Path) -> None:
    page1 = [
        "Members who travel abroad keep their coverage for emergency care, and the plan pays",
        "the same share of the allowed amount as it would at home for any hospital that is in-",
    ]
    page2 = [
        "network, as long as the member calls the service line within two days of the admission.",
        "The plan also covers the cost of emergency transport home when a doctor finds it",
    ]
    page3 = ["Medically necessary, which the service line confirms in writing before the journey."]
    page4 = ["members abroad for longer than ninety days tell the plan before they leave the country."]
    result = parse(make_pdf(tmp_path / "abroad.pdf", [page1, page2, page3, page4]))
    cut = next(b for b in result.blocks if b.text.startswith("Members who travel"))
    assert (cut.page, cut.page_end) == (1, 2)
    assert "hospital that is in-network, as long as the member calls" in cut.text  # hyphen kept, one sentence
    # a capital overleaf is not taken for a continuation (it may be a heading or a new line) ...
    opening = next(b for b in result.blocks if b.text.startswith("Medically necessary"))
    assert (opening.page, opening.page_end) == (3, None)
    assert not any("Medically" in b.text for b in result.blocks if b.page != 3)
    # ... and a page that ends a sentence ends its paragraph
    last = next(b for b in result.blocks if b.text.startswith("members abroad"))
    assert (last.page, last.page_end) == (4, None)


def test_a_chinese_sentence_cut_by_a_page_break_is_rejoined(tmp_path: Path) -> None:
    page1 = ["第五条 员工因病不能上班的，应当在当日上班前向直属主管请假，并在返岗后三个工作日内提交医院出具的"]
    page2 = ["病假证明；未按时提交的，按事假处理。", "第六条 本制度自发布之日起施行。"]
    result = parse(make_pdf(tmp_path / "zh-cut.pdf", [page1, page2], font=CJK_FONT))
    article5 = next(b for b in result.blocks if b.text.startswith("第五条"))
    assert (article5.page, article5.page_end) == (1, 2)
    assert "医院出具的病假证明；" in article5.text
    article6 = next(b for b in result.blocks if b.text.startswith("第六条"))
    assert (article6.page, article6.page_end) == (2, None)


def test_cjk_lines_joined_without_spaces_and_articles_split(tmp_path: Path) -> None:
    page1 = [
        "第一章 总则",
        "第一条 为规范公司员工的休假管理，保障员工的合法权益，企业应当按照国家规定缴纳应纳",
        "税所得额，并依法为员工办理社会保险，不得拖延或者少缴。",
        "第二条 本制度适用于公司全体正式员工以及试用期员工，劳务派遣人员参照本制度执行。",
    ]
    page2 = [
        "第二章 休假",
        "第三条 员工入职满一年后，每年享有带薪年休假五天；满十年的，享有十天。",
    ]
    result = parse(make_pdf(tmp_path / "zh.pdf", [page1, page2], font=CJK_FONT))
    first = result.blocks[0]
    assert (first.kind, first.text, first.page) == (BlockKind.HEADING, "第一章 总则", 1)
    article1 = next(b for b in result.blocks if b.text.startswith("第一条"))
    assert "应纳税所得额" in article1.text and " " not in article1.text
    assert article1.section_path == ("第一章 总则",)
    article2 = next(b for b in result.blocks if b.text.startswith("第二条"))
    assert article2 is not article1 and article2.page == 1
    article3 = next(b for b in result.blocks if b.text.startswith("第三条"))
    assert article3.page == 2 and article3.section_path == ("第二章 休假",)
    assert result.title == "第一章 总则"


# --- forms, title, line helpers -------------------------------------------------------------------


def test_form_field_values_become_blocks(tmp_path: Path) -> None:
    path = tmp_path / "form.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.drawString(72, 760, "Leave request form")
    pdf.acroForm.textfield(name="employee", tooltip="Employee name", value="Jane Doe", x=72, y=700, width=200)
    pdf.acroForm.textfield(name="days", value="", x=72, y=650, width=200)
    pdf.acroForm.checkbox(name="paid", checked=True, x=72, y=600)
    pdf.showPage()
    pdf.save()
    texts = [(b.page, b.text) for b in parse(path).blocks]
    assert (1, "Employee name: Jane Doe") in texts
    assert (1, "paid: Yes") in texts
    assert not any(t.startswith("days") for _, t in texts)


def test_title_from_metadata_or_first_heading(tmp_path: Path) -> None:
    body = [["Annual Leave Policy", *PROSE]]
    good = parse(make_pdf(tmp_path / "a.pdf", body, title="Leave Policy 2024"))
    assert good.title == "Leave Policy 2024"
    junk = parse(make_pdf(tmp_path / "b.pdf", body, title="Microsoft Word - policy_v3.docx"))
    assert junk.title == "Annual Leave Policy"
    stem = parse(make_pdf(tmp_path / "c-policy.pdf", [PROSE], title="untitled"))
    assert stem.title == "c-policy"


def test_parse_file_dispatches_pdf(tmp_path: Path) -> None:
    result = parse_file(make_pdf(tmp_path / "d.pdf", [["Dispatch works."]]))
    assert result.blocks[0].text == "Dispatch works." and result.blocks[0].page == 1


def test_page_ranges() -> None:
    assert page_ranges([3]) == "page 3"
    assert page_ranges([2, 3, 4, 6]) == "pages 2-4, 6"
