"""Tests for ingest.parsers.pdf headings: numbered, large-type and marked headings, list items, section paths."""
from __future__ import annotations

from pathlib import Path

from ingest.blocks import BlockKind
from ingest.parsers.pdf import parse
from tests.ingest.parsers.pdf_samples import make_pdf

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


def test_a_manuals_chapters_sections_and_appendix_build_the_section_path(tmp_path: Path) -> None:
    # A manual as Texinfo sets it: a chapter opens on a page whose printed number stands alone
    # above the title, so on printed pages 1 and 2 the title starts with the page's own number
    # ("1" / "1 Introduction"); other pages carry "Chapter 2: ... 3" as a running header.
    # Section titles are a size smaller than chapter titles, and an appendix closes the book.
    words = ["parses definitions", "builds structures", "encodes values", "decodes buffers",
             "grants permissions", "lists conditions"]

    def body(n: int) -> list[str]:  # text that differs by page (a repeated line is a running one)
        return [f"This part of the library {words[n - 1]} and reports what it could not read.",
                f"Each function here that {words[n - 1]} returns a status code the caller checks."]
    # After an unnumbered title page, printed page n is physical page n + 1.
    pages: list[list[str | tuple[str, int]]] = [
        [("Libfoo", 24), "A library for reading definitions"],
        ["1", "", ("1 Introduction", 17), *body(1)],
        ["2", "", ("2 Structure handling", 17), ("2.1 Syntax", 14), *body(2)],
        ["Chapter 2: Structure handling 3", "", *body(3)],
        ["Chapter 2: Structure handling 4", "", *body(4)],
        ["5", "", ("Appendix A Copying Information", 17), ("A.1 Free Documentation License", 14), *body(5)],
        ["Appendix A: Copying Information 6", "", *body(6)],
    ]
    result = parse(make_pdf(tmp_path / "manual.pdf", pages))
    paths = {b.page: b.section_path for b in result.blocks if b.kind is BlockKind.PARAGRAPH}
    assert paths[2] == ("1 Introduction",)  # the title is not taken for a running header
    assert paths[3] == paths[4] == ("2 Structure handling", "2.1 Syntax")
    assert paths[6] == paths[7] == ("Appendix A Copying Information", "A.1 Free Documentation License")
    # the printed page numbers over the chapter titles are page labels, not text
    assert not [b.text for b in result.blocks if b.text.strip().isdigit()]
    # titles of two sizes one above the other are two headings, not one wrapped heading
    headings = [b.text for b in result.blocks if b.kind is BlockKind.HEADING]
    assert "Appendix A Copying Information" in headings and "A.1 Free Documentation License" in headings


def test_a_large_heading_wrapped_over_two_lines_of_one_size_stays_one(tmp_path: Path) -> None:
    lines = [
        ("Summary of Benefits and Coverage for", 16),
        ("Employees of Northwind Health", 16),
        "This summary explains what the plan covers and what members pay for covered services.",
        "It does not describe every exclusion; read the full plan document for those details.",
    ]
    result = parse(make_pdf(tmp_path / "w.pdf", [lines]))
    assert [b.text for b in result.blocks if b.kind is BlockKind.HEADING] == [
        "Summary of Benefits and Coverage for Employees of Northwind Health"
    ]


def test_command_line_options_are_list_items(tmp_path: Path) -> None:
    lines = [
        "Usage: asn1Parser [OPTION] FILE",
        "Mandatory arguments to long options are mandatory for short options too.",
        "-c, --check checks the syntax only",
        "-o, --output=FILE output file",
        "--help display this help and exit",
    ]
    result = parse(make_pdf(tmp_path / "o.pdf", [lines]))
    assert [b.text for b in result.blocks if b.kind is BlockKind.LIST] == [
        "-c, --check checks the syntax only", "-o, --output=FILE output file", "--help display this help and exit"]
