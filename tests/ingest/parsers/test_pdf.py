"""Tests for ingest.parsers.pdf (and its helpers pdf_layout, pdf_reader; pdf_quality, pdf_lines and the
parse corpus have their own files).

Fixture PDFs are written at test time with reportlab (a test-only dependency); Chinese text
uses reportlab's built-in CID font STSong-Light, which needs no system font and which pypdf
extracts correctly.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from ingest.blocks import BlockKind, ParseError
from ingest.parsers import parse_file
from ingest.parsers.pdf import page_ranges, parse
from tests.ingest.parsers.pdf_samples import PROSE, glyph_id_salad

CJK_FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))

LINE_STEP = 16
TOP = A4[1] - 90


def make_pdf(
    path: Path,
    pages: list[list[str | tuple[str, int]]],
    *,
    font: str = "Helvetica",
    header: str | None = None,
    footer: str | None = None,
    title: str | None = None,
) -> Path:
    """One string per line ("" leaves a blank line) or (text, font size); ``footer`` may use
    {n} and {total}."""
    pdf = canvas.Canvas(str(path), pagesize=A4)
    if title is not None:
        pdf.setTitle(title)
    for number, lines in enumerate(pages, 1):
        if header:
            pdf.setFont("Helvetica", 9)
            pdf.drawString(72, A4[1] - 50, header)
        if footer:
            pdf.setFont("Helvetica", 9)
            pdf.drawString(280, 40, footer.format(n=number, total=len(pages)))
        for i, line in enumerate(lines):
            text, size = line if isinstance(line, tuple) else (line, 11)
            if text:
                pdf.setFont(font, size)
                pdf.drawString(72, TOP - i * LINE_STEP, text)
        pdf.showPage()
    pdf.save()
    return path


def encrypt(src: Path, dst: Path, user: str, owner: str, algorithm: str) -> Path:
    writer = PdfWriter(clone_from=src)
    writer.encrypt(user_password=user, owner_password=owner, algorithm=algorithm)
    with open(dst, "wb") as fh:
        writer.write(fh)
    return dst


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


# A numbered chapter, then an unnumbered heading over a paragraph that runs on.
WORKING_TIME = [
    "Chapter 2 Working Time",
    "The normal working week is forty hours, spread over five working days from Monday",
    "to Friday, unless a different schedule has been agreed in writing.",
    "Overtime Rules",
    "Overtime is paid only when it has been approved in advance by the line manager and",
]


def test_headings_and_list_items_detected(tmp_path: Path) -> None:
    lines = [
        *WORKING_TIME,
        "recorded in the time system within the same week:",
        "1. weekday overtime is paid at 150% of the hourly rate;",
        "2. weekend overtime is paid at 200% of the hourly rate;",
        "• night shifts count double for the purposes of this rule.",
    ]
    result = parse(make_pdf(tmp_path / "h.pdf", [lines]))
    kinds = [(b.kind, b.text[:20]) for b in result.blocks]
    assert kinds[0] == (BlockKind.HEADING, "Chapter 2 Working Ti")
    assert (BlockKind.HEADING, "Overtime Rules") in kinds
    items = [b.text for b in result.blocks if b.kind is BlockKind.LIST]
    assert items == [
        "1. weekday overtime is paid at 150% of the hourly rate;",
        "2. weekend overtime is paid at 200% of the hourly rate;",
        "• night shifts count double for the purposes of this rule.",
    ]
    # "Chapter 2" is structural: it heads the section path of what follows.
    assert all(b.section_path == ("Chapter 2 Working Time",) for b in result.blocks)


def test_large_numbered_headings_build_the_section_path(tmp_path: Path) -> None:
    lines = [
        ("1 Leave and Absence", 18),
        "This chapter sets out how employees request leave and how absences are recorded.",
        "",
        ("1.1 Annual Leave", 14),
        "Annual leave is booked in the staff portal and approved by the line manager.",
        "",
        ("1.2 Sick Leave", 14),
        "Employees who fall ill tell their manager before ten o'clock on the first day.",
    ]
    result = parse(make_pdf(tmp_path / "s.pdf", [lines]))
    paths = {b.text[:20]: b.section_path for b in result.blocks}
    assert paths["This chapter sets ou"] == ("1 Leave and Absence",)
    assert paths["Annual leave is book"] == ("1 Leave and Absence", "1.1 Annual Leave")
    assert paths["Employees who fall i"] == ("1 Leave and Absence", "1.2 Sick Leave")
    assert [b.kind for b in result.blocks].count(BlockKind.HEADING) == 3



def test_unnumbered_headings_nest_by_type_size(tmp_path: Path) -> None:
    # A plan booklet without numbering: large-type parts, body-size headings under them, a
    # blank (measured) gap between heading and body, and a heading set over a second one.
    # Paragraphs run over several lines with a short last line, as in real booklets.
    lines = [
        ("COVERED SERVICES", 18),
        "This part lists the services the plan covers, what each of them costs members, and",
        "which of them need a referral from the primary care provider before the visit.",
        "Read it with the schedule.",
        "",
        "Ambulance",
        "",
        "Ground and air ambulance transport is covered when it is medically necessary and has",
        "been ordered by a physician; non-emergency transport needs prior authorization from",
        "the plan.",
        "",
        "Hearing Care",
        "COVERED SERVICES: Hearing Care",
        "",
        "Hearing exams are covered once a year at no cost, and hearing aids are covered once",
        "every three years up to the allowance set in the schedule of benefits for the plan.",
        "Batteries are not covered.",
        "",
        ("EXCLUSIONS", 18),
        "The plan does not cover cosmetic surgery or any treatment that is not medically",
        "necessary, even when a provider has recommended it to the member in writing.",
    ]
    result = parse(make_pdf(tmp_path / "booklet.pdf", [lines]))
    headings = [b.text for b in result.blocks if b.kind is BlockKind.HEADING]
    assert headings == ["COVERED SERVICES", "Ambulance", "Hearing Care", "COVERED SERVICES: Hearing Care", "EXCLUSIONS"]

    def path_of(start: str) -> tuple[str, ...]:
        return next(b.section_path for b in result.blocks if b.text.startswith(start))

    assert path_of("This part lists") == ("COVERED SERVICES",)
    assert path_of("Ground and air") == ("COVERED SERVICES", "Ambulance")
    # the second heading repeats its parent's words, so the path shows it alone
    assert path_of("Hearing exams") == ("COVERED SERVICES: Hearing Care",)
    assert path_of("The plan does not") == ("EXCLUSIONS",)


def test_a_heading_at_the_foot_of_a_page_opens_the_section_overleaf(tmp_path: Path) -> None:
    # Booklets often set a heading (or a stack of them) as a page's last lines, its body on the
    # next page; a sentence cut by the page break is not a heading.
    page1 = [
        "Members may appeal any decision about a claim within one hundred and eighty days of",
        "the date on the notice, and the plan answers every appeal in writing within thirty days",
        "of receiving it.",
        "",
        "Members who want the appeal heard in person must ask for a hearing in the letter.",
        "Notice Of Other Coverage",
        "OTHER INFORMATION ABOUT THIS PLAN",
        "",
        "Notice Of Other Coverage",
    ]
    page2 = [
        "When you enroll in the plan, you may be eligible to continue coverage under other health",
        "plans, such as a spouse's employer plan or a government program, and you must tell us.",
        "If both plans cover a service, the plan that pays first is set by the rules below, and",
        "However, the",
    ]
    page3 = [
        "plan never pays more than the allowed amount for the service, whichever plan pays first,",
        "and members keep the receipts for every payment they make to a provider for two years.",
    ]
    result = parse(make_pdf(tmp_path / "foot.pdf", [page1, page2, page3]))
    headings = [(b.text, b.page) for b in result.blocks if b.kind is BlockKind.HEADING]
    assert headings == [
        ("Notice Of Other Coverage", 1), ("OTHER INFORMATION ABOUT THIS PLAN", 1), ("Notice Of Other Coverage", 1),
    ]
    appeal = next(b for b in result.blocks if b.text.startswith("Members who want"))
    assert appeal.text.endswith("letter.")  # the heading stack is not glued to it
    enroll = next(b for b in result.blocks if b.text.startswith("When you enroll"))
    assert enroll.page == 2 and enroll.section_path[-1] == "Notice Of Other Coverage"
    assert not any(b.kind is BlockKind.HEADING for b in result.blocks if b.page >= 2)


def test_markdown_marked_heading_lines_are_headings(tmp_path: Path) -> None:
    lines = [
        "The plan covers urgent care at any in-network clinic; a visit costs the same copay as a",
        "visit to the primary care provider, and no referral is needed for it.",
        "",
        "Urgent Care",
        "## COVERED SERVICES: Urgent Care",
        "",
        "Urgent care services are for medical issues that cannot wait for a scheduled visit with",
        "the primary care provider but are not emergencies, such as sprains or a high fever.",
    ]
    result = parse(make_pdf(tmp_path / "md.pdf", [lines]))
    assert [b.text for b in result.blocks if b.kind is BlockKind.HEADING] == ["Urgent Care", "## COVERED SERVICES: Urgent Care"]
    # the marks stay in the text but not in the section a citation shows
    assert result.blocks[-1].section_path == ("COVERED SERVICES: Urgent Care",)


def test_numbered_documents_keep_unnumbered_headings_out_of_the_path(tmp_path: Path) -> None:
    lines = [
        *WORKING_TIME,
        "recorded in the time system within the same week.",
    ]
    result = parse(make_pdf(tmp_path / "n.pdf", [lines]))
    assert {b.section_path for b in result.blocks} == {("Chapter 2 Working Time",)}

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


# --- empty pages, encryption, corrupt files -------------------------------------------------------


def test_page_without_text_reported(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "gap.pdf", [["Page one has text."], [], [], ["Page four has text."]])
    result = parse(path)
    assert result.pages == 4
    assert {b.page for b in result.blocks} == {1, 4}
    assert "pages 2-3: no text layer (scanned?)" in result.warnings


def test_no_text_on_any_page_fails(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "blank.pdf", [[], [], []])
    with pytest.raises(ParseError, match=r"^no text layer on any of the 3 pages \(scanned\? OCR it first\)$"):
        parse(path)


@pytest.mark.parametrize("algorithm", ["RC4-128", "AES-256"])
def test_encrypted_with_empty_user_password_opens(tmp_path: Path, algorithm: str) -> None:
    plain = make_pdf(tmp_path / "plain.pdf", [["Confidential salary bands for 2024."]])
    locked = encrypt(plain, tmp_path / "owner-only.pdf", user="", owner="owner-secret", algorithm=algorithm)
    assert PdfReader(locked).is_encrypted
    assert parse(locked).blocks[0].text == "Confidential salary bands for 2024."


def test_encrypted_with_user_password_fails(tmp_path: Path) -> None:
    plain = make_pdf(tmp_path / "plain.pdf", [["Secret text."]])
    locked = encrypt(plain, tmp_path / "locked.pdf", user="open-sesame", owner="owner", algorithm="AES-256")
    with pytest.raises(ParseError, match=r"^encrypted: password required$"):
        parse(locked)


def test_not_a_pdf_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "fake.pdf"
    path.write_bytes(b"this is not a PDF at all\n" * 20)
    with pytest.raises(ParseError, match=r"^corrupt PDF: \S"):
        parse(path)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    with pytest.raises(ParseError, match="empty file"):
        parse(path)


def test_broken_xref_is_repaired(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "x.pdf", [["Recoverable text survives a broken xref table."]])
    data = path.read_bytes()
    start = data.rindex(b"startxref")
    path.write_bytes(data[:start] + b"startxref\n999999\n%%EOF\n")  # points nowhere
    result = parse(path)
    assert result.blocks[0].text == "Recoverable text survives a broken xref table."


def test_page_whose_extraction_raises_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pypdf import PageObject

    path = make_pdf(tmp_path / "two.pdf", [["Good page one."], ["Bad page two."]])
    original = PageObject.extract_text

    def flaky(self, *args, **kwargs):
        text = original(self, *args, **kwargs)
        if "Bad page" in text:
            raise KeyError("/Font")
        return text

    monkeypatch.setattr(PageObject, "extract_text", flaky)
    result = parse(path)
    assert [b.text for b in result.blocks] == ["Good page one."]
    assert any(w.startswith("page 2: text extraction failed") for w in result.warnings)


# --- garbage detection ---------------------------------------------------------------------------


def test_broken_font_encoding_page_skipped(tmp_path: Path) -> None:
    salad = [glyph_id_salad(line) for line in PROSE if line]
    path = make_pdf(tmp_path / "broken.pdf", [PROSE, salad, PROSE])
    result = parse(path)
    assert {b.page for b in result.blocks} == {1, 3}
    assert "page 2: text unreadable (broken font encoding), skipped" in result.warnings


def test_all_pages_garbage_fails(tmp_path: Path) -> None:
    salad = [glyph_id_salad(line) for line in PROSE if line]
    path = make_pdf(tmp_path / "broken.pdf", [salad, salad])
    with pytest.raises(ParseError, match=r"^text unreadable \(broken font encoding\) on all 2 pages$"):
        parse(path)


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
