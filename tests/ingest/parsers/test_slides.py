"""PowerPoint decks written with python-pptx at test time: titles as sections, bullets, tables,
speaker notes, hidden slides, broken files."""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from pptx import Presentation
from pptx.util import Inches

from ingest.blocks import BlockKind, ParseError
from ingest.parsers import parse_file


@pytest.fixture
def deck(tmp_path: Path) -> Path:
    prs = Presentation()
    prs.core_properties.title = "New starter briefing"
    first = prs.slides.add_slide(prs.slide_layouts[1])  # title and content
    first.shapes.title.text = "Working hours"
    body = first.placeholders[1].text_frame
    body.text = "Office hours are 9:00 to 18:00"
    item = body.add_paragraph()
    item.text, item.level = "Lunch 12:00-13:00", 1
    first.notes_slide.notes_text_frame.text = "Flexible hours need the manager's approval."
    second = prs.slides.add_slide(prs.slide_layouts[5])  # title only
    second.shapes.title.text = "Leave"
    table = second.shapes.add_table(3, 2, Inches(1), Inches(2), Inches(6), Inches(2)).table
    for r, (kind, days) in enumerate([("Leave", "Days"), ("Marriage", "10"), ("Bereavement", "3")]):
        table.cell(r, 0).text, table.cell(r, 1).text = kind, days
    box = second.shapes.add_textbox(Inches(1), Inches(5), Inches(6), Inches(1))
    box.text_frame.text = "Ask HR for anything else."
    hidden = prs.slides.add_slide(prs.slide_layouts[1])
    hidden.shapes.title.text = "Draft"
    hidden.placeholders[1].text_frame.text = "Not for staff yet"
    hidden._element.set("show", "0")
    path = tmp_path / "briefing.pptx"
    prs.save(path)
    return path


def test_slides_read_in_order_with_their_titles(deck: Path) -> None:
    result = parse_file(deck)
    assert result.title == "New starter briefing" and result.pages == 3
    got = [(b.page, b.kind, b.section_path, b.text) for b in result.blocks]
    assert got == [
        (1, BlockKind.HEADING, ("Working hours",), "Working hours"),
        (1, BlockKind.PARAGRAPH, ("Working hours",), "Office hours are 9:00 to 18:00"),
        (1, BlockKind.LIST, ("Working hours",), "- Lunch 12:00-13:00"),
        (1, BlockKind.PARAGRAPH, ("Working hours",), "Flexible hours need the manager's approval."),  # notes
        (2, BlockKind.HEADING, ("Leave",), "Leave"),
        (2, BlockKind.TABLE, ("Leave",), "Leave: Marriage; Days: 10"),
        (2, BlockKind.TABLE, ("Leave",), "Leave: Bereavement; Days: 3"),
        (2, BlockKind.PARAGRAPH, ("Leave",), "Ask HR for anything else."),
    ]
    assert result.warnings == ["hidden slides skipped: 3"]


def test_broken_and_legacy_files_get_a_reason(tmp_path: Path, deck: Path) -> None:
    cut = tmp_path / "cut.pptx"
    cut.write_bytes(deck.read_bytes()[:2000])
    with pytest.raises(ParseError, match=r"not a valid \.pptx file"):
        parse_file(cut)
    workbook = tmp_path / "numbers.pptx"
    openpyxl.Workbook().save(workbook)
    with pytest.raises(ParseError, match=r"another Office file \(Word, Excel\) renamed to \.pptx"):
        parse_file(workbook)
    legacy = tmp_path / "old.ppt"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(ParseError, match=r"legacy PowerPoint \.ppt: save it as \.pptx"):
        parse_file(legacy)


def test_merged_table_cells_repeat_and_grouped_shapes_are_read(tmp_path: Path) -> None:
    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[5])
    slide.shapes.title.text = "Lodging caps"
    table = slide.shapes.add_table(4, 3, Inches(1), Inches(2), Inches(6), Inches(2)).table
    rows = [("City", "Grade", "Cap"), ("London", "Manager", "300"), ("", "Staff", "200"), ("Paris", "Manager", "250")]
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    table.cell(1, 0).merge(table.cell(2, 0))  # "London" spans two rows
    group = slide.shapes.add_group_shape()
    group.shapes.add_textbox(Inches(1), Inches(5), Inches(3), Inches(1)).text_frame.text = "Caps exclude taxes."
    path = tmp_path / "caps.pptx"
    prs.save(path)
    assert [b.text for b in parse_file(path).blocks] == [
        "Lodging caps",
        "City: London; Grade: Manager; Cap: 300",
        "City: London; Grade: Staff; Cap: 200",
        "City: Paris; Grade: Manager; Cap: 250",
        "Caps exclude taxes.",
    ]
