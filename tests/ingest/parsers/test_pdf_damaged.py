"""Tests for ingest.parsers.pdf on hard files: pages without text, encryption, corrupt files, broken font encodings."""
from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from ingest.blocks import ParseError
from ingest.parsers.pdf import parse
from tests.ingest.parsers.pdf_samples import PROSE, glyph_id_salad, make_pdf


def encrypt(src: Path, dst: Path, user: str, owner: str, algorithm: str) -> Path:
    writer = PdfWriter(clone_from=src)
    writer.encrypt(user_password=user, owner_password=owner, algorithm=algorithm)
    with open(dst, "wb") as fh:
        writer.write(fh)
    return dst


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
