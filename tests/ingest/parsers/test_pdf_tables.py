"""Ruled tables in PDF text layers: PDFs laid out by reportlab's platypus at test time."""
from __future__ import annotations

from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

from ingest.blocks import BlockKind
from ingest.parsers import parse_file
from ingest.parsers.pdf_tables import _cell_text, _looks_like_a_table

RATES = [["City tier", "Cities", "Lodging cap", "Meals"],
         ["Tier 1", "New York, London, Tokyo", "300", "85"],
         ["Tier 2", "Chicago, Frankfurt, Sydney", "220", "65"],
         ["Tier 3", "All other cities", "160", "50"]]


def _ruled(rows: list[list[str]]) -> Table:
    table = Table(rows)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black)]))
    return table


def _pdf(path: Path, story: list) -> Path:
    SimpleDocTemplate(str(path), pagesize=A4).build(story)
    return path


def test_a_ruled_rate_table_becomes_labelled_rows_and_its_text_is_not_read_twice(tmp_path: Path) -> None:
    style = getSampleStyleSheet()["BodyText"]
    path = _pdf(tmp_path / "rates.pdf", [
        Paragraph("Lodging is reimbursed at actual cost up to the cap for the city tier.", style),
        _ruled(RATES),
        Paragraph("On the first and last day of a trip the meals rate is paid at 75 percent.", style),
    ])
    result = parse_file(path)
    rows = [b for b in result.blocks if b.kind is BlockKind.TABLE]
    assert [b.text for b in rows] == [
        "City tier: Tier 1; Cities: New York, London, Tokyo; Lodging cap: 300; Meals: 85",
        "City tier: Tier 2; Cities: Chicago, Frankfurt, Sydney; Lodging cap: 220; Meals: 65",
        "City tier: Tier 3; Cities: All other cities; Lodging cap: 160; Meals: 50",
    ]
    assert all(b.page == 1 and b.header == ("City tier", "Cities", "Lodging cap", "Meals") for b in rows)
    others = [b.text for b in result.blocks if b.kind is not BlockKind.TABLE]
    assert others[0].startswith("Lodging is reimbursed") and others[-1].startswith("On the first and last day")
    assert not any("Frankfurt" in text or "Tier 2" in text for text in others)  # read once, as the table


def test_a_table_continued_overleaf_keeps_its_header(tmp_path: Path) -> None:
    more = [["Tier 4", "Remote sites, Antarctica", "90", "40"], ["Tier 5", "Ships at sea and platforms", "80", "35"],
            ["Tier 6", "Training centres abroad", "70", "30"]]
    path = _pdf(tmp_path / "long.pdf", [_ruled(RATES), PageBreak(), _ruled(more)])
    rows = [b for b in parse_file(path).blocks if b.kind is BlockKind.TABLE]
    assert rows[-1].page == 2
    assert rows[-1].text == "City tier: Tier 6; Cities: Training centres abroad; Lodging cap: 70; Meals: 30"


def test_a_box_around_a_paragraph_is_not_a_table(tmp_path: Path) -> None:
    style = getSampleStyleSheet()["BodyText"]
    boxed = _ruled([[Paragraph("Important: every claim needs a receipt.", style)],
                    [Paragraph("Claims older than 90 days are not paid.", style)]])
    result = parse_file(_pdf(tmp_path / "note.pdf", [boxed]))
    assert not any(b.kind is BlockKind.TABLE for b in result.blocks)
    assert "Claims older than 90 days are not paid." in " ".join(b.text for b in result.blocks)


def test_figure_labels_and_crowded_cells_are_not_records() -> None:
    assert _looks_like_a_table(RATES)
    assert not _looks_like_a_table([["0", "a="], ["b=", "1"]])  # the labels of a figure
    assert not _looks_like_a_table([["x", "(cid:12)(cid:7)"], ["y", "(cid:3)"]])  # unmapped glyphs
    # a rotated page's table: each "cell" holds a whole column's figures
    assert not _looks_like_a_table([["Totals", "Wyoming Wisconsin"], ["804,006", "10,314 5,867 2,217"],
                                    ["671,330", "13,700 15,822 24,052"]])


def test_characters_set_wide_apart_are_joined_back() -> None:
    assert _cell_text("0 3 / 2 5 / 2 0 16") == "03/25/2016"
    assert _cell_text("Base 128") == "Base 128" and _cell_text("300 85") == "300 85"
