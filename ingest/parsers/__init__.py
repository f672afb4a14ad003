"""Parser registry: pick the parser for a file by extension and by its first bytes.

Each format lives in its own module exposing ``parse(path: Path) -> ParseResult`` and raising
:class:`~ingest.blocks.ParseError` with a specific reason. Modules are imported lazily so a
missing optional dependency only affects its own format.
"""
from __future__ import annotations

import importlib
from pathlib import Path

from ingest.blocks import ParseError, ParseResult, UnsupportedFormat

# extension -> module under ingest.parsers
PARSERS: dict[str, str] = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".docm": "docx",  # macro-enabled and template packages hold the same document XML
    ".dotx": "docx",
    ".dotm": "docx",
    ".doc": "doc",
    ".dot": "doc",
    ".wps": "doc",  # WPS Writer (Kingsoft) writes the Word binary format with extensions
    ".wpt": "doc",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".xltx": "xlsx",
    ".xltm": "xlsx",
    ".xls": "xls",
    ".et": "xls",  # WPS Spreadsheets (Kingsoft) writes the Excel binary format
    ".ett": "xls",
    ".csv": "delimited",
    ".tsv": "delimited",
    ".txt": "text",
    ".md": "text",
    ".pptx": "slides",
    ".html": "html",
    ".htm": "html",
    ".markdown": "text",
}
SUPPORTED_EXTENSIONS = tuple(sorted(PARSERS))

# Formats users commonly drop in that we do not read, with the advice we can give.
_ADVICE = {
    ".ppt": "legacy PowerPoint .ppt: save it as .pptx and add it again",
    ".dps": "WPS presentation: save it as .pptx and add it again",
    ".rtf": "RTF document: save it as .docx and add it again",
    ".odt": "OpenDocument text: save it as .docx and add it again",
    ".ods": "OpenDocument spreadsheet: save it as .xlsx and add it again",
    ".odp": "OpenDocument presentation: save it as .pptx and add it again",
    ".ofd": "OFD document: export it as PDF and add it again",
}


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in PARSERS


def parse_file(path: Path) -> ParseResult:
    """Parse one file into blocks with provenance, or raise ParseError with the reason."""
    suffix = path.suffix.lower()
    module_name = PARSERS.get(suffix)
    if module_name is None:
        advice = _ADVICE.get(suffix)
        shown = suffix or "no extension"
        raise UnsupportedFormat(f"unsupported format ({shown})" + (f": {advice}" if advice else ""))
    if path.stat().st_size == 0:
        raise ParseError("empty file (0 bytes)")
    module = importlib.import_module(f"ingest.parsers.{module_name}")
    result: ParseResult = module.parse(path)
    if not any(b.text.strip() for b in result.blocks):
        reason = "; ".join(result.warnings) if result.warnings else "no text found"
        raise ParseError(f"no text to index ({reason})")
    return result
