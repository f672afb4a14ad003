"""Tests for ingest.parsers.pdf (and its helpers pdf_quality, pdf_lines, pdf_layout, pdf_reader).

Fixture PDFs are written at test time with reportlab (a test-only dependency); Chinese text
uses reportlab's built-in CID font STSong-Light, which needs no system font and which pypdf
extracts correctly. The parse-corpus test reads <repo>/../shared/eval/parse-corpus/pdf and
skips when it is absent.
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from ingest.blocks import BlockKind, ParseError, ParseResult
from ingest.parsers import parse_file
from ingest.parsers.pdf import page_ranges, parse
from ingest.parsers.pdf_lines import clean_page_text, running_line_positions, undo_fake_bold
from ingest.parsers.pdf_quality import assess

CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "eval" / "parse-corpus" / "pdf"
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


PROSE = [
    "Every employee of the company is entitled to twenty days of paid annual leave per",
    "calendar year. Leave requests must be submitted through the staff portal at least",
    "two weeks in advance and approved by the line manager before the leave starts.",
    "",
    "Part-time staff accrue leave in proportion to their contracted hours. Unused leave",
    "may be carried over into the following year up to a maximum of five days, subject",
    "to the approval of the department head and the terms of the employ-",
    "ment contract.",
]


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


def _glyph_id_salad(text: str) -> str:
    """What a font without ToUnicode whose codes are glyph ids extracts as (pdfminer issue 791):
    every character shifted down by 29 code points ("Prosim" -> "3URVLP")."""
    return "".join(chr(ord(c) - 29) if ord(c) >= 0x3D else chr(max(ord(c) - 29, 1)) for c in text)


def test_broken_font_encoding_page_skipped(tmp_path: Path) -> None:
    salad = [_glyph_id_salad(line) for line in PROSE if line]
    path = make_pdf(tmp_path / "broken.pdf", [PROSE, salad, PROSE])
    result = parse(path)
    assert {b.page for b in result.blocks} == {1, 3}
    assert "page 2: text unreadable (broken font encoding), skipped" in result.warnings


def test_all_pages_garbage_fails(tmp_path: Path) -> None:
    salad = [_glyph_id_salad(line) for line in PROSE if line]
    path = make_pdf(tmp_path / "broken.pdf", [salad, salad])
    with pytest.raises(ParseError, match=r"^text unreadable \(broken font encoding\) on all 2 pages$"):
        parse(path)


GOOD_TEXTS = {
    "english": " ".join(PROSE),
    "german": "Die Metrik d induziert die diskrete Topologie. Sei (X,d) ein metrischer Raum und "
    "Br(x) := {y∈X | d(x,y) < r} für x∈X, r∈R+. Dann ist B eine Basis der Topologie auf X; "
    "außerdem gilt für alle Überdeckungen die Eigenschaft der Kompaktheit.",
    "chinese": "第三条 员工入职满一年后，每年享有带薪年休假五天；满十年的，享有十天。"
    "应纳税所得额按照国家有关规定计算，公司不得拖延。",
    "japanese": "この規則は、従業員の休暇に関する基本的な事項を定めるものとする。"
    "年次有給休暇は、入社後六か月を経過した日に十日を付与する。",
    "mixed": "使用 Python 3.11 编写的 docqa 系统支持 PDF、Word 和 Excel 文档。"
    "English: Hello World. Русский: Привет, мир. 日本語: こんにちは世界。",
    "ocr_noise": "ZOq5 年年度报告中有关财务事项的说阴 天健函 2016) 306号 上海证券交易所: "
    "由浙江菲达环保科技股份有限公司 (以下简称菲达环保公司或公司)转来的",
}

BAD_TEXTS = {
    "replacement": "\ufffd" * 40 + " " + "\ufffd" * 30,
    "private_use": "".join(chr(0xE000 + i) for i in range(60)),
    "cid_tokens": " ".join(f"(cid:{i})" for i in range(40, 80)),
    "glyph_ids": _glyph_id_salad("Prosim, prectete si pozorne tyto pokyny pred prvnim pouzitim."),
    "script_salad": "ୈೋୈҰ߲ͷදͷ੨৭ͷ౮Րͷ߲ୈࡾ߸தủؚΉỐỜỨΛủؚΉỐ੨৭ͷ౮Րͷҹͷ߲Λআ͖ỏҎԼ͜ͷʹ͓͍ͯಉ͡ỐỜΛỨ",
    "random_han": "㦓哾䴔嚟䵷鼖䕵㶂䆐嶰鷻䢃叀㘝鼫䮸䔪嚾㿤彏",
}


@pytest.mark.parametrize("name", sorted(GOOD_TEXTS))
def test_quality_accepts_real_text(name: str) -> None:
    assert assess(GOOD_TEXTS[name]).reason is None


@pytest.mark.parametrize("name", sorted(BAD_TEXTS))
def test_quality_flags_garbage(name: str) -> None:
    assert assess(BAD_TEXTS[name]).reason


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


def test_page_ranges() -> None:
    assert page_ranges([3]) == "page 3"
    assert page_ranges([2, 3, 4, 6]) == "pages 2-4, 6"


# --- the shared parse corpus ----------------------------------------------------------------------

CORPUS_FILES = sorted(p.name for p in CORPUS.glob("*.pdf")) if CORPUS.is_dir() else []
TIME_LIMIT_S = 300  # a hang check, not a speed check: sf009 takes ~5 s of CPU but minutes of wall time on a loaded machine
_PARSED: dict[str, tuple[ParseResult | ParseError, float, float]] = {}


def _corpus(name: str) -> tuple[ParseResult | ParseError, float, float]:
    """Parse a corpus file once per session: (result or error, CPU seconds, wall seconds)."""
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"{name} not in the parse corpus")
    if name not in _PARSED:
        cpu, wall = time.process_time(), time.monotonic()
        try:
            outcome: ParseResult | ParseError = parse(path)
        except ParseError as err:
            outcome = err
        _PARSED[name] = (outcome, time.process_time() - cpu, time.monotonic() - wall)
    return _PARSED[name]


def _indexed(name: str) -> ParseResult:
    outcome = _corpus(name)[0]
    assert isinstance(outcome, ParseResult), f"{name} failed: {outcome}"
    return outcome


def _failure(name: str) -> str:
    outcome = _corpus(name)[0]
    assert isinstance(outcome, ParseError), f"{name} was indexed"
    return str(outcome)


@pytest.mark.skipif(not CORPUS_FILES, reason="shared/eval/parse-corpus not available")
@pytest.mark.parametrize("name", CORPUS_FILES)
def test_corpus_file_indexed_or_failed_with_reason(name: str) -> None:
    outcome, _, wall = _corpus(name)
    assert wall < TIME_LIMIT_S
    if isinstance(outcome, ParseError):
        reason = str(outcome)
        assert len(reason) > 10 and "Traceback" not in reason
    else:
        assert outcome.blocks and outcome.pages
        assert all(b.text.strip() for b in outcome.blocks)
        assert all(b.page is not None and 1 <= b.page <= outcome.pages for b in outcome.blocks)


@pytest.mark.parametrize("name", ["pypdf-r4-owner-password.pdf", "pypdf-r6-user-password.pdf"])
def test_corpus_encrypted_with_empty_password_indexed(name: str) -> None:
    assert "pdf encryption test" in _indexed(name).blocks[0].text


def test_corpus_user_password_fails() -> None:
    assert _failure("sf005-libreoffice-writer-password.pdf") == "encrypted: password required"


def test_corpus_images_only_fails_for_no_text_layer() -> None:
    assert _failure("sf007-imagemagick-images.pdf").startswith("no text layer on any of the 6 pages")


@pytest.mark.parametrize("name", ["pdfminer-issue-791-non-unicode-cmap.pdf", "pdfminer-kampo-ja-vertical.pdf"])
def test_corpus_broken_cmap_not_indexed(name: str) -> None:
    assert _failure(name).startswith("text unreadable (broken font encoding)")


@pytest.mark.parametrize(
    "name",
    [
        "sf009-GeoTopo-komprimiert.pdf",
        "pypdf-multilang.pdf",
        "plumber-pr-136-example-zh-scanned.pdf",
        "pypdf-Seige_of_Vicksburg_Sample_OCR.pdf",
        "plumber-ca-warn-report.pdf",
        "plumber-nics-background-checks-2015-11-rotated.pdf",
        "sf026-latex-multicolumn.pdf",
        "unstructured-invalid-pdf-structure.pdf",
        "plumber-issue-71-duplicate-chars-zh.pdf",
    ],
)
def test_corpus_real_text_never_flagged_as_garbage(name: str) -> None:
    result = _indexed(name)
    assert not any("unreadable (broken font encoding)" in w for w in result.warnings)
    assert {b.page for b in result.blocks} == set(range(1, result.pages + 1))


def test_corpus_corrupted_xref_recovered() -> None:
    assert _indexed("pdfminer-zen_of_python_corrupted.pdf").blocks[0].text.startswith("Beautiful is better than ugly.")


def test_corpus_broken_page_tree_recovered() -> None:
    result = _indexed("sf017-unreadablemetadata.pdf")
    assert any("page tree damaged" in w for w in result.warnings)
    assert any("Resistance Tolerance" in b.text for b in result.blocks)


def test_corpus_ocr_running_header_dropped() -> None:
    result = _indexed("pypdf-Seige_of_Vicksburg_Sample_OCR.pdf")
    assert not any("SIEGE" in b.text for b in result.blocks)


def test_corpus_long_book_fast_with_sections_and_without_headers() -> None:
    result, cpu_seconds, _ = _corpus("sf009-GeoTopo-komprimiert.pdf")
    assert isinstance(result, ParseResult)
    assert cpu_seconds < 30
    assert result.pages == 117 and result.title == "Geometrie und Topologie"
    assert not any(b.text.endswith("METRISCHE RÄUME") for b in result.blocks)
    definition = next(b for b in result.blocks if "heißt Metrik" in b.text)
    assert definition.page == 10
    assert definition.section_path == ("1 Topologische Grundbegriffe", "1.2 Metrische Räume")


def test_corpus_fake_bold_resume_deduplicated() -> None:
    texts = [b.text for b in _indexed("plumber-issue-71-duplicate-chars-zh.pdf").blocks if b.page == 2]
    assert texts.count("读写能力") == 2  # once per language, not twice each
