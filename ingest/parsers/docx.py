"""Word (.docx) parser: paragraphs, headings, lists and tables in document order.

python-docx opens the package and reads table grids; the rest is read from the XML it
exposes (see docx_xml for why). When python-docx cannot open a file or read a table, the
document XML is read directly instead of losing the file, and a warning says so.

This module is ``ingest.parsers.docx``; it imports python-docx only inside its helper
modules with absolute imports, so ``import docx`` there resolves to python-docx.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

from ingest.blocks import ParseError, ParseResult
from ingest.parsers.docx_body import DocxWalker
from ingest.parsers.docx_package import NOT_DOCX, DocParts, load_with_python_docx, load_with_zip

_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE container: encrypted OOXML or legacy .doc
ENCRYPTED = "encrypted: password required (or a legacy .doc renamed to .docx)"
# python-docx refuses macro-enabled documents and templates by their content type alone.
_WORD_VARIANT = re.compile(r"content type is '[^']*(?:macroEnabled|template)[^']*'")
# A .docx is a zip: refuse archives that would inflate to absurd sizes before parsing them.
MAX_UNCOMPRESSED_BYTES = 512 * 1024 * 1024
# Core-property titles that producers fill in by default: they name no document.
PLACEHOLDER_TITLES = frozenset({"word document", "document", "untitled", "untitled document", "title", "标题", "文档"})


def _check_container(path: Path) -> None:
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise ParseError(f"cannot read file: {exc.strerror or exc}") from exc
    if head.startswith(_CFB_MAGIC[:4]):
        raise ParseError(ENCRYPTED)  # parse() reads a legacy .doc renamed .docx before this
    try:
        with zipfile.ZipFile(path) as zf:
            total = sum(info.file_size for info in zf.infolist())
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise ParseError(NOT_DOCX) from exc
    if total > MAX_UNCOMPRESSED_BYTES:
        limit_mb = MAX_UNCOMPRESSED_BYTES // 2**20
        raise ParseError(f"too large: the package inflates to {total // 2**20} MB (limit {limit_mb} MB)")


def _is_word_binary(path: Path) -> bool:
    """An OLE container holding a Word 97-2003 document (not an encrypted .docx)."""
    import olefile

    try:
        if not olefile.isOleFile(str(path)):
            return False
        with olefile.OleFileIO(str(path)) as ole:
            return ole.exists("WordDocument")
    except (OSError, ValueError, EOFError):  # a damaged container: _check_container reports it
        return False


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:160]}"


def _extract(parts: DocParts, path: Path) -> ParseResult:
    walker = DocxWalker(parts)
    walker.walk()
    title = " ".join(parts.core_title.split()).removeprefix("Microsoft Word - ").strip()
    if title.lower() in PLACEHOLDER_TITLES:
        title = ""
    warnings = list(walker.warnings)
    if not walker.blocks:
        warnings.append("no text found (the document may hold only images or drawings)")
    return ParseResult(
        blocks=walker.blocks,
        title=title or walker.first_heading or path.stem,
        pages=None,
        warnings=warnings,
    )


def parse(path: Path) -> ParseResult:
    """Parse one .docx file; raises ParseError with a specific reason when it cannot."""
    path = Path(path)
    if _is_word_binary(path):
        from ingest.parsers import doc  # imported here: doc reads a .docx renamed .doc through this module

        return doc.parse_binary(path, renamed_as="a legacy .doc named .docx")
    _check_container(path)
    try:
        parts = load_with_python_docx(path)
    except Exception as exc:  # python-docx raises KeyError/ValueError/... on packages it cannot read
        parts = load_with_zip(path)  # raises ParseError when this is no Word document at all
        result = _extract_or_fail(parts, path)
        if not _WORD_VARIANT.search(str(exc)):  # python-docx opens only .docx; .docm/.dotx are no fault
            result.warnings.insert(0, f"read from the document XML: python-docx could not open the file ({_describe(exc)})")
        return result
    try:
        return _extract(parts, path)
    except ParseError:
        raise
    except Exception as exc:  # an unforeseen python-docx/XML problem: one more try without it
        result = _extract_or_fail(load_with_zip(path), path)
        result.warnings.insert(0, f"read from the document XML after an error ({_describe(exc)})")
        return result


def _extract_or_fail(parts: DocParts, path: Path) -> ParseResult:
    try:
        return _extract(parts, path)
    except ParseError:
        raise
    except Exception as exc:  # nothing may escape parse() but ParseError
        raise ParseError(f"could not read the document ({_describe(exc)})") from exc
