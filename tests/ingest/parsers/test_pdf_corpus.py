"""The PDF parser on the shared parse corpus (<repo>/../shared/eval/parse-corpus/pdf): every file is
indexed or fails with a reason; skipped when the corpus is absent."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from ingest.blocks import BlockKind, ParseError, ParseResult
from ingest.parsers.pdf import parse

CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "eval" / "parse-corpus" / "pdf"
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
    assert _failure("sf007-imagemagick-images.pdf") == "no text layer on any of the 6 pages, and OCR found no text in them"


def test_corpus_broken_cmap_not_indexed_when_ocr_cannot_read_the_page_either() -> None:
    # vertical Japanese: OCR finds only its figures, too little to stand for the page
    assert _failure("pdfminer-kampo-ja-vertical.pdf").startswith("text unreadable (broken font encoding)")


def test_corpus_broken_cmap_page_is_read_by_ocr_instead() -> None:
    """The glyphs of a font without a Unicode map draw the right letters; OCR reads them
    (Czech, without its diacritics: "Peněžní prostředky na účtech")."""
    result = _indexed("pdfminer-issue-791-non-unicode-cmap.pdf")
    assert [b.text for b in result.blocks] == ["Penezni prostredky na uctech"]
    assert result.warnings == ["page 1: no usable text layer, text read by OCR (check quotes against the page)"]


def test_corpus_image_only_table_is_read_by_ocr_row_by_row() -> None:
    result = _indexed("unstructured-single_table-image-only.pdf")
    assert "Base512 | 16,046 | 200.58 (121.01) | N/A" in [b.text for b in result.blocks]


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


def test_corpus_table_over_sixteen_pages_is_read_as_labelled_records() -> None:
    result = _indexed("plumber-ca-warn-report.pdf")
    rows = [b for b in result.blocks if b.kind is BlockKind.TABLE]
    assert len(rows) > 600 and {b.page for b in rows} == set(range(1, 17))
    # page 2 goes on without a header row: its records carry page 1's labels
    first_overleaf = next(b for b in rows if b.page == 2)
    assert first_overleaf.text.startswith("Notice Date: 07/17/2015; Effective: 09/18/2015;")
    assert "Company: Boeing Company; City: Huntington Beach" in first_overleaf.text
