"""The seam between parsers and the chunker: text plus exactly where it came from.

Every parser returns a :class:`ParseResult` of :class:`Block` objects, or raises a
:class:`ParseError` whose message is the specific, user-facing reason (shown as
"could not read X: <reason>, skipping").
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class BlockKind(str, Enum):
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    TABLE = "table"  # a table row of a Word/PDF table, rendered as "header: value" pairs
    ROW = "row"  # one spreadsheet data row, rendered as "header: value" pairs
    LIST = "list"  # a list item, with its number or bullet kept


@dataclass(frozen=True)
class Block:
    """One unit of extracted text with its provenance.

    ``page`` is 1-based (PDF only); ``page_end`` is set when a paragraph runs on over a page
    break (the page it ends on; else None); ``section_path`` holds the Word/Markdown heading trail
    (outermost first); ``sheet``/``row_range``/``header`` describe spreadsheet rows (row
    numbers as Excel shows them, inclusive); ``title`` is a sheet's title row when one sits
    above the header. Blocks sharing a ``group`` came from one source paragraph (a plain-text
    passage whose lines include list items or clause headings): the chunker keeps a group in
    one chunk when it fits, as it does a single paragraph.
    """

    text: str
    kind: BlockKind = BlockKind.PARAGRAPH
    page: int | None = None
    page_end: int | None = None
    section_path: tuple[str, ...] = ()
    sheet: str | None = None
    row_range: tuple[int, int] | None = None
    header: tuple[str, ...] = ()
    title: str | None = None
    group: int | None = None


@dataclass
class ParseResult:
    """What a parser extracted from one file.

    ``pages`` is the page count for PDFs; ``rows`` the number of data rows for
    spreadsheets; ``warnings`` are specific, non-fatal notes for the user
    ("page 3: no text layer (scanned?)", "sheet 'Hidden' is hidden, skipped").
    """

    blocks: list[Block]
    title: str
    pages: int | None = None
    rows: int | None = None
    warnings: list[str] = field(default_factory=list)


class ParseError(Exception):
    """The file cannot be indexed; ``str(err)`` is the specific reason shown to the user."""


class UnsupportedFormat(ParseError):
    """The file type is not one docqa reads (reported as skipped, not as a failure)."""
