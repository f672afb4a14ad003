"""The Word parser on the shared parse corpus (<repo>/../shared/eval/parse-corpus/docx): every file
parses or fails with a reason, quickly; skipped when the corpus is absent."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from ingest.blocks import BlockKind, ParseError
from ingest.parsers import parse_file
from ingest.parsers.docx import parse

CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "eval" / "parse-corpus" / "docx"
CORPUS_FILES = sorted(CORPUS.glob("*.docx")) if CORPUS.is_dir() else []
MUST_READ = {
    "unstructured-grid_offset_error.docx": "Merged B1-B3",
    "mammoth-strict-format.docx": "Test",
    "docx2python-renamed_document_xml.docx": "This is a link to my website.",
    "mammoth-text-box.docx": "Datum plane",
    "mammoth-footnotes.docx": "A tachyon walks into a bar.",
}


@pytest.mark.skipif(not CORPUS_FILES, reason="shared parse corpus not present")
@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_corpus_file_parses_or_fails_specifically(path: Path) -> None:
    start = time.perf_counter()
    try:
        result = parse_file(path)
    except ParseError as err:
        assert str(err).strip() and "Traceback" not in str(err)
        return
    finally:
        assert time.perf_counter() - start < 20
    assert result.blocks and all(b.text.strip() for b in result.blocks)
    if path.name in MUST_READ:
        assert any(MUST_READ[path.name] in b.text for b in result.blocks)


@pytest.mark.skipif(not (CORPUS / "us-doj-handbook-872p.docx").exists(), reason="shared parse corpus not present")
def test_large_handbook_is_fast_and_structured() -> None:
    start = time.perf_counter()
    result = parse(CORPUS / "us-doj-handbook-872p.docx")
    assert time.perf_counter() - start < 10
    assert sum(len(b.text) for b in result.blocks) > 700_000
    assert sum(b.kind is BlockKind.HEADING for b in result.blocks) > 250
    assert sum(1 for b in result.blocks if len(b.section_path) >= 2) > 3000
