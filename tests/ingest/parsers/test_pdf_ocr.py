"""Scanned PDF pages read by OCR: image-only PDFs drawn at test time, read by the real OCR models
(shipped inside the rapidocr wheel), and the line assembly on hand-made boxes."""
from __future__ import annotations

from pathlib import Path

import pytest

from ingest.blocks import ParseError
from ingest.parsers import parse_file, pdf_ocr
from ingest.parsers.pdf_ocr import Box, page_lines, read_pages
from tests.ingest.parsers.pdf_samples import scan_pdf


@pytest.fixture(scope="module")
def scanned(tmp_path_factory) -> Path:
    return scan_pdf(tmp_path_factory.mktemp("scan") / "scan.pdf", [
        ["# Travel", "Meals are reimbursed up to 85 dollars per day."],
        ["# Lodging", "The lodging cap in London is 300 pounds a night."],
    ])


def _words(text: str) -> set[str]:
    return set(text.lower().replace(".", " ").split())


def test_a_scanned_pdf_is_read_by_ocr_page_by_page(scanned: Path) -> None:
    result = parse_file(scanned)
    assert result.warnings == ["pages 1-2: no usable text layer, text read by OCR (check quotes against the page)"]
    by_page = {n: " ".join(b.text for b in result.blocks if b.page == n) for n in (1, 2)}
    assert {"meals", "reimbursed", "85", "dollars"} <= _words(by_page[1])
    assert {"lodging", "london", "300", "night"} <= _words(by_page[2])
    body = next(b for b in result.blocks if "300" in b.text)
    assert body.section_path == ("Lodging",)  # the large line became the page's heading


def test_without_ocr_a_scan_is_refused_with_the_reason(scanned: Path, monkeypatch) -> None:
    def missing():
        raise ImportError("No module named 'rapidocr_onnxruntime'")
    monkeypatch.setattr(pdf_ocr, "_engine", None)
    monkeypatch.setattr(pdf_ocr, "_load_engine", missing)
    with pytest.raises(ParseError, match=r"no text layer on any of the 2 pages .*OCR not installed"):
        parse_file(scanned)


def test_pages_past_the_time_bound_are_reported_not_read(scanned: Path) -> None:
    result = read_pages(scanned, [1, 2], budget_s=-1)
    assert result.pages == {} and result.not_read == [1, 2]


def test_boxes_become_lines_in_reading_order() -> None:
    boxes = [
        Box("第二行", 100, 160, 220, 200),  # listed out of order, as a detector may return them
        Box("第一", 100, 100, 160, 140),
        Box("行", 162, 102, 200, 141),  # same line, next to it: Chinese joins without a space
        Box("Meals", 100, 300, 200, 340),  # far below: a new paragraph
        Box("85", 600, 301, 640, 339),  # same line, a wide gap away: table cells
        Box("Rates", 100, 400, 260, 470),  # tall: heading-sized
    ]
    page = page_lines(boxes)
    assert page.lines == ["第一行", "第二行", "", "Meals | 85", "", "Rates"]
    assert set(page.large) == {5}
