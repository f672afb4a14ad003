"""PDF parser (pypdf): text per page with its 1-based page number on every block.

Pipeline per file: open (empty user password tried for encrypted files; a broken page tree
recovered by scanning objects) -> extract each page's text (a page that raises is skipped
with a warning) -> judge it (garbage from broken font encodings is reported, not indexed;
see pdf_quality) -> clean lines (ligatures, letter-spaced OCR, fake bold) -> drop running
headers/footers across pages -> group lines into headings, list items and paragraphs, one
page at a time -> re-join a paragraph that a page break cut mid-sentence -> add filled form
fields. ``ParseError`` carries the reason when nothing
readable is left.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from pypdf import PageObject, PdfReader

from ingest.blocks import Block, BlockKind, ParseError, ParseResult
from ingest.parsers.pdf_extract import HEADING_SIZE, body_size, extract_lines, paragraph_gaps
from ingest.parsers.pdf_layout import PageBlock, display_width, ends_sentence, is_heading_text, segment_page, title_case
from ingest.parsers.docx_tables import render_table
from ingest.parsers.pdf_ocr import BUDGET_S, read_pages
from ingest.parsers.pdf_tables import find_tables, grid, place_tables, placeholder_index, with_header
from ingest.parsers.pdf_lines import clean_line, running_line_positions, undo_fake_bold
from ingest.parsers.pdf_quality import assess, is_bad_char, uncommon_han
from ingest.parsers.pdf_reader import (
    form_field_lines,
    open_pdf,
    page_has_images,
    pypdf_log_captured,
    short_reason,
)
from ingest.textutil import LineHyphens, cjk_ratio, is_cjk, join_lines, repeats_heading

SCANNED_NOTE = "no text layer (scanned?)"
GARBAGE_NOTE = "text unreadable (broken font encoding), skipped"
OCR_NOTE = "no usable text layer, text read by OCR (check quotes against the page)"
MIN_COLUMN_ROWS = 3  # baselines with text in columns before a page is searched for tables
OCR_MIN_SHARE = 0.3  # of an unreadable layer's characters that OCR must find to replace it
# A page with images and fewer characters than this is most likely a scan with a stray label.
SPARSE_TEXT_CHARS = 40
# A page's last paragraph shorter than this is a label or a cover line ("Company: Contoso"),
# not the top of a paragraph cut by the page break.
RUNS_ON_MIN_CHARS = 40
# Share of dropped unreadable characters above which a kept page gets a note.
BAD_CHAR_NOTE_SHARE = 0.02
TITLE_MAX_CHARS = 120
# Placeholder titles that producers write instead of a real one.
_JUNK_TITLE = re.compile(
    r"^(?:untitled|无标题|sans titre|ohne titel|document\d*|doc\d*|title|microsoft (?:word|powerpoint|excel) - .*"
    r"|.*\.(?:docx?|pdf|txt|tex|dvi|rtf|odt|xlsx?|pptx?|html?|indd|ps))$",
    re.IGNORECASE,
)


@dataclass
class _Page:
    """What one page yielded before layout: its cleaned lines and notes about it."""

    number: int
    lines: list[str] = field(default_factory=list)
    # indexes of heading-sized lines -> their type size (OCR gives no size: 0.0)
    large: dict[int, float] = field(default_factory=dict)
    has_images: bool = False
    garbage: bool = False
    ocr: bool = False  # its lines were read by OCR
    layer_chars: int = 0  # characters of an unreadable text layer
    ocr_tried: bool = False  # OCR looked at it (and found nothing usable, unless ``ocr``)
    ys: list[float | None] = field(default_factory=list)  # each line's baseline, points from the bottom
    top: float = 0.0  # the page's top edge, in the same points
    column_rows: int = 0  # baselines with text in separate columns: a table may be here
    tables: list[list[list[str]]] = field(default_factory=list)  # ruled tables' rows, by placeholder
    failed: str | None = None
    forms: list[str] = field(default_factory=list)

    @property
    def chars(self) -> int:
        return sum(len(line) for line in self.lines)

    @property
    def sparse(self) -> bool:
        """A few characters over images: most likely a scan with a stray label."""
        return self.has_images and self.chars < SPARSE_TEXT_CHARS


def parse(path: Path) -> ParseResult:
    """Parse ``path`` into page-numbered blocks, or raise ParseError with the reason."""
    with pypdf_log_captured() as pypdf_messages:
        opened = open_pdf(path)
        warnings = list(opened.warnings)
        pages = [_read_page(number, page, warnings) for number, page in enumerate(opened.pages, 1)]
        metadata_title = _metadata_title(opened.reader)
    if any("rebuild xref" in m or "repair" in m.lower() for m in pypdf_messages):
        warnings.insert(0, "damaged file structure was repaired while reading")

    ocr_notes = _ocr_missing_text(path, pages)
    warnings.extend(ocr_notes)
    _drop_running_lines(pages)
    _read_tables(path, pages)
    blocks = _blocks(pages, LineHyphens([line for page in pages for line in page.lines]))
    warnings.extend(_page_notes(pages))
    total = len(pages)
    if not blocks:
        raise ParseError("; ".join([_nothing_readable(pages)] + [note.split(": ", 1)[-1] for note in ocr_notes]))
    first_line = next((line for line in pages[0].lines if line), "")
    title = metadata_title or _first_heading(first_line, blocks) or path.stem
    return ParseResult(blocks=blocks, title=title, pages=total, warnings=warnings)


def _read_page(number: int, page: PageObject, warnings: list[str]) -> _Page:
    result = _Page(number)
    try:
        raw, extracted, result.column_rows = extract_lines(page)
    except Exception as exc:  # pypdf raises arbitrary types on broken content streams
        result.failed = short_reason(exc)
        warnings.append(f"page {number}: text extraction failed ({result.failed}), skipped")
        return result
    result.forms = form_field_lines(page)
    quality = assess(raw)
    if quality.reason:
        result.garbage = True
        result.layer_chars = quality.chars
        return result
    if quality.bad_share >= BAD_CHAR_NOTE_SHARE:
        bad = sum(1 for c in raw if not c.isspace() and is_bad_char(c))
        warnings.append(f"page {number}: {bad} unreadable characters dropped")
    rare = uncommon_han(raw)
    if quality.common_han_share is None and len(rare) >= 2:
        # Too few Han characters to judge the page, but these look like a bad CMap (the
        # pdfminer issue-566 buyer name); keep the text, tell the user.
        warnings.append(f"page {number}: some characters may be wrongly decoded ({rare[:10]})")
    texts, origin, _ = undo_fake_bold([clean_line(line.text) for line in extracted])
    gaps = paragraph_gaps(extracted)
    body = body_size(extracted)
    for text, source in zip(texts, origin):
        if source in gaps and result.lines and result.lines[-1]:
            result.lines.append("")  # a measured paragraph gap becomes a blank line
            result.ys.append(None)
        size = extracted[source].size
        if text and body and size and size >= HEADING_SIZE * body:
            result.large[len(result.lines)] = size
        result.lines.append(text)
        result.ys.append(extracted[source].y)
    result.top = float(page.mediabox.top)
    if result.chars < SPARSE_TEXT_CHARS:
        result.has_images = page_has_images(page)
    return result


def _ocr_missing_text(path: Path, pages: list[_Page]) -> list[str]:
    """Read by OCR the pages whose text layer is missing, unreadable, or only a few words over
    images; their lines then go through the same layout as any page's. Returns notes for the
    pages OCR could not reach."""
    def wanted(page: _Page) -> bool:
        return not page.failed and not page.forms and (page.garbage or page.sparse)
    candidates = [p for p in pages if wanted(p)]
    if not candidates:
        return []
    numbers = [p.number for p in candidates]
    sparse = frozenset(p.number for p in candidates if not p.garbage and any(p.lines))
    result = read_pages(path, numbers, if_scanned=sparse)
    for page in pages:
        read = result.pages.get(page.number)
        page.ocr_tried = read is not None
        if read is not None and _ocr_usable(page, read.lines):
            page.lines, page.large, page.garbage, page.ocr = read.lines, read.large, False, True
    unreadable = [n for n in numbers if n not in sparse]  # a cover with its title is no loss
    if result.unavailable:
        return [f"{page_ranges(unreadable)}: {result.unavailable}"] if unreadable else []
    if result.not_read:
        return [f"{page_ranges(result.not_read)}: not read by OCR (its time bound of {BUDGET_S:.0f} s was reached)"]
    return []


def _read_tables(path: Path, pages: list[_Page]) -> None:
    """Ruled tables, found by pdfplumber on pages whose text stands in columns, replace the
    page lines inside their boxes (pdf_tables)."""
    numbers = [p.number for p in pages if p.column_rows >= MIN_COLUMN_ROWS and len(p.ys) == len(p.lines)]
    found = find_tables(path, numbers)
    header_above: list[str] | None = None
    for page in pages:
        tables = found.get(page.number, [])
        if not tables:
            header_above = None if any(page.lines) else header_above
            continue
        page.lines, page.large = place_tables(page.lines, page.ys, page.large, page.top, tables)
        for k, table in enumerate(tables):
            page.tables.append(with_header(table, header_above if k == 0 else None))
            header_above = page.tables[-1][0]


def _ocr_usable(page: _Page, lines: list[str]) -> bool:
    """OCR's lines replace the page's when they read as text (a page that draws garbage glyphs
    is read as garbage); when the page had a few words of text, only if OCR found far more (a
    cover whose title is in the text layer and again in its logo stays as it was); and, for a
    page whose text layer was unreadable, a fair share of its characters (OCR that found only
    the figures of vertical Japanese is no reading of the page)."""
    text = "\n".join(lines)
    chars = sum(1 for c in text if not c.isspace())
    had = page.chars
    if chars <= max(2 * had, had + SPARSE_TEXT_CHARS if had else 0) or assess(text).reason:
        return False
    return not page.garbage or chars >= OCR_MIN_SHARE * page.layer_chars


def _drop_running_lines(pages: list[_Page]) -> None:
    """Remove running headers/footers, unless that would leave an image-free document with no
    text at all (sf015: four identical pages whose only text *is* the repeated line)."""
    positions = running_line_positions([p.lines for p in pages])
    # Dropped lines become "" (not removed) so line indexes, and the large-type marks, stay valid.
    kept = [["" if i in drop else line for i, line in enumerate(p.lines)] for p, drop in zip(pages, positions)]
    body_left = any(any(lines) for lines in kept)
    for page, lines in zip(pages, kept):
        if not body_left and not any(lines) and not page.has_images:
            continue
        page.lines = lines


def _blocks(pages: list[_Page], hyphens: LineHyphens) -> list[Block]:
    """Segment every page and attach page numbers and the running section path."""
    segmented = [
        segment_page(page.lines, page.large, nxt.lines if nxt else (), hyphens) if any(page.lines) else []
        for page, nxt in zip(pages, pages[1:] + [None])
    ]
    levels = _heading_levels([pb for page_blocks in segmented for pb in page_blocks])
    blocks: list[Block] = []
    section: list[tuple[int, str]] = []  # (level, heading text), outermost first
    for page, page_blocks in zip(pages, segmented):
        for pb in page_blocks:
            table = placeholder_index(pb.text)
            if table is not None and table < len(page.tables):
                rendered = render_table(grid(page.tables[table]), _path(section))
                blocks.extend(replace(b, page=page.number) for b in rendered)
                continue
            level = levels(pb)
            if level is not None:
                # (a booklet typeset from Markdown keeps its "## " marks in the text; not in the path)
                section = [(lvl, text) for lvl, text in section if lvl < level] + [(level, pb.text.lstrip("#").strip())]
            blocks.append(Block(text=pb.text, kind=pb.kind, page=page.number, section_path=_path(section)))
        for form_line in page.forms:
            blocks.append(Block(text=form_line, kind=BlockKind.PARAGRAPH, page=page.number))
    return _join_across_pages(blocks, hyphens)


def _join_across_pages(blocks: list[Block], hyphens: LineHyphens) -> list[Block]:
    """One block for a paragraph that a page break cut mid-sentence ("... coverage for a
    variety of in-network" / "providers, and the costs ..."), with the page span of both.

    77 of 257 contoso page breaks fall inside a paragraph; kept apart, each half was a
    sentence fragment at a chunk's edge, and a question about it found the page before the
    one that answers it. The block keeps the first page (and section); ``page_end`` the next.
    """
    out: list[Block] = []
    for block in blocks:
        prev = out[-1] if out else None
        if prev is not None and _runs_on(prev, block):
            out[-1] = replace(prev, text=join_lines([prev.text, block.text], hyphens),
                              page_end=block.page_end or block.page)
        else:
            out.append(block)
    return out


def _runs_on(prev: Block, block: Block) -> bool:
    """``block`` opens a page and continues the sentence ``prev`` left open on the page before."""
    last_page = prev.page_end or prev.page
    if last_page is None or block.page != last_page + 1:
        return False
    if prev.kind not in (BlockKind.PARAGRAPH, BlockKind.LIST) or block.kind is not BlockKind.PARAGRAPH:
        return False
    head, tail = prev.text.rstrip(), block.text.lstrip()
    if len(head) < RUNS_ON_MIN_CHARS or not tail or ends_sentence(head):
        return False
    # the sentence goes on: a lowercase word, or Chinese on both sides ("...应当" / "在三日内...")
    return tail[0].islower() or head.endswith((",", "-", "–", "，", "、")) or (is_cjk(head[-1]) and is_cjk(tail[0]))


def _path(section: list[tuple[int, str]]) -> tuple[str, ...]:
    """The heading trail as shown, without a heading that the next one repeats
    ("CARE MANAGEMENT › CARE MANAGEMENT: Prior-Authorization" -> the second alone)."""
    texts = [text for _, text in section]
    return tuple(t for t, nxt in zip(texts, texts[1:] + [""]) if not repeats_heading(t, nxt))


def _heading_levels(blocks: list[PageBlock]) -> Callable[[PageBlock], int | None]:
    """How a document's headings nest: by their numbering ("第三章", "Chapter 2", "1.2 Scope")
    where it has any; else, for documents whose headings are all unnumbered (most handbooks
    and plan booklets), by type size alone: a large-type heading opens a section, any other
    heading a subsection of it ("COVERED SERVICES › Ambulance"). Capitals and title case
    were tried as finer levels and nested wrongly wherever a booklet sets them
    inconsistently. Without this no heading of such a document would reach a citation's
    section or a chunk's context prefix."""
    headings = [b for b in blocks if b.kind is BlockKind.HEADING]
    if any(b.level is not None for b in headings):
        return lambda b: b.level if b.kind is BlockKind.HEADING else None
    return lambda b: (1 if b.large else 2) if b.kind is BlockKind.HEADING else None


def _page_notes(pages: list[_Page]) -> list[str]:
    """Warnings about whole pages, consecutive pages collapsed into ranges."""
    scanned = [p.number for p in pages if not p.failed and not p.garbage and not any(p.lines) and not p.forms]
    garbage = [p.number for p in pages if p.garbage]
    sparse = [
        p.number
        for p in pages
        if p.sparse and not p.ocr and any(p.lines)
    ]
    read_by_ocr = [p.number for p in pages if p.ocr]
    notes = [f"{page_ranges(read_by_ocr)}: {OCR_NOTE}"] if read_by_ocr else []
    if garbage:
        notes.append(f"{page_ranges(garbage)}: {GARBAGE_NOTE}")
    if scanned:
        notes.append(f"{page_ranges(scanned)}: {SCANNED_NOTE}")
    if sparse:
        notes.append(f"{page_ranges(sparse)}: almost no text over images (scanned? only a few words indexed)")
    return notes


def page_ranges(numbers: list[int]) -> str:
    """[3] -> 'page 3'; [2, 3, 4, 6] -> 'pages 2-4, 6'."""
    ranges: list[list[int]] = []
    for n in sorted(numbers):
        if ranges and n == ranges[-1][1] + 1:
            ranges[-1][1] = n
        else:
            ranges.append([n, n])
    text = ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in ranges)
    return f"page {text}" if len(numbers) == 1 else f"pages {text}"


def _nothing_readable(pages: list[_Page]) -> str:
    """The one specific reason for a file that yielded no block."""
    total = len(pages)
    garbage = sum(1 for p in pages if p.garbage)
    failed = [p for p in pages if p.failed]
    if garbage == total:
        return f"text unreadable (broken font encoding) on all {total} pages"
    if len(failed) == total:
        return f"text extraction failed on all {total} pages ({failed[0].failed})"
    if garbage == 0 and not failed:
        if all(p.ocr_tried for p in pages):
            return f"no text layer on any of the {total} pages, and OCR found no text in them"
        return f"no text layer on any of the {total} pages (scanned? OCR it first)"
    empty = total - garbage - len(failed)
    parts = [f"{garbage} unreadable (broken font encoding)"] if garbage else []
    parts += [f"{len(failed)} failed to extract"] if failed else []
    parts += [f"{empty} without a text layer (scanned?)"] if empty else []
    return f"no readable text on any of the {total} pages: " + ", ".join(parts)


def _metadata_title(reader: PdfReader) -> str | None:
    """The document's /Title when it looks like a real title, not a producer placeholder."""
    try:
        raw = reader.metadata.title if reader.metadata else None
    except Exception:  # undecodable or broken /Info dictionaries are common
        return None
    if not raw:
        return None
    title = " ".join("".join(c for c in str(raw) if not is_bad_char(c)).split())
    if not title or len(title) > TITLE_MAX_CHARS or _JUNK_TITLE.match(title):
        return None
    if " " not in title and re.search(r"[_-]", title):
        return None  # a file-name slug such as "imagemagick-images"
    if not any(c.isalpha() for c in title) or assess(title).reason:
        return None
    return title


def _first_heading(first_line: str, blocks: list[Block]) -> str | None:
    """A title from page 1: its first block when that reads like a title (a wrapped title
    comes back whole: "PerksPlus Health and Wellness Reimbursement Program for ..."), with
    the next block appended when the first is only a short name line such as a company name
    ("Contoso Electronics — Northwind Health Standard Plan"); else its first line when
    title-like; else the first heading among its first blocks. Short fragments ("Name",
    "本科": form labels, résumé cells) and body lines are not titles."""
    first_blocks = [b for b in blocks if b.page == 1][:3]
    lead = first_blocks[0].text if first_blocks else ""
    if _title_like(lead, max_width=120) and (title_case(lead) or cjk_ratio(lead) >= 0.5):
        title = lead
        short_name = cjk_ratio(title) < 0.5 and len(title.split()) <= 3
        if short_name and len(first_blocks) > 1 and _title_like(first_blocks[1].text) and title_case(first_blocks[1].text):
            title = f"{title} — {first_blocks[1].text}"
        return title
    if _title_like(first_line) and (title_case(first_line) or cjk_ratio(first_line) >= 0.5):
        return first_line
    return next((b.text for b in first_blocks if b.kind is BlockKind.HEADING and _title_like(b.text)), None)


def _title_like(text: str, max_width: int = 60) -> bool:
    substantial = len(text.split()) >= 2 if cjk_ratio(text) < 0.5 else len(text) >= 4
    if not substantial or display_width(text) > max_width or text.endswith("-"):
        return False
    # a wrapped title may be longer than a heading line: test its first line-length part
    return is_heading_text(text if display_width(text) <= 80 else text[:60])
