"""PowerPoint (.pptx): training decks and briefings, slide by slide.

python-pptx reads the slides. Each slide's text becomes blocks carrying the slide number as
their page (so a citation reads "deck.pptx · slide 4") and the slide's title as their section:
the title placeholder, then every text frame in reading order (top to bottom, left to right;
grouped shapes included), bullets with their level kept as a marker, tables as the Word
parser's "header: value" rows, and the speaker notes last, since presenters often write there
what the slide only hints at. Hidden slides are skipped and reported.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE, PP_PLACEHOLDER
from pptx.exc import PackageNotFoundError

from ingest.blocks import Block, BlockKind, ParseError, ParseResult
from ingest.parsers.docx_tables import Cell, Row, render_table

MAX_SLIDES = 2_000  # a deck beyond this is an export of something else; read its beginning
_TITLES = (PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE, PP_PLACEHOLDER.VERTICAL_TITLE)


def parse(path: Path) -> ParseResult:
    path = Path(path)
    if not zipfile.is_zipfile(path):
        raise ParseError("not a valid .pptx file (corrupt, or a legacy .ppt renamed: save it as .pptx)")
    try:
        deck = Presentation(str(path))
    except (PackageNotFoundError, KeyError, zipfile.BadZipFile) as exc:
        raise ParseError(f"not a valid .pptx file ({type(exc).__name__})") from exc
    except ValueError as exc:
        if "not a PowerPoint file" in str(exc):  # python-pptx names the file's real content type
            raise ParseError("not a .pptx presentation: another Office file (Word, Excel) renamed to .pptx") from exc
        raise ParseError(f"could not read the presentation: ValueError: {str(exc)[:150]}") from exc
    except Exception as exc:  # noqa: BLE001 - any library failure becomes a reported reason
        raise ParseError(f"could not read the presentation: {type(exc).__name__}: {str(exc)[:150]}") from exc
    blocks: list[Block] = []
    warnings: list[str] = []
    hidden: list[int] = []
    for number, slide in enumerate(deck.slides, start=1):
        if number > MAX_SLIDES:
            warnings.append(f"size limit reached: only the first {MAX_SLIDES} slides were read")
            break
        if slide._element.get("show") == "0":  # python-pptx has no property for it
            hidden.append(number)
            continue
        blocks.extend(_slide_blocks(slide, number))
    if hidden:
        warnings.append("hidden slides skipped: " + ", ".join(str(n) for n in hidden))
    title = (deck.core_properties.title or "").strip() or path.stem
    return ParseResult(blocks=blocks, title=title, pages=len(deck.slides), warnings=warnings)


def _slide_blocks(slide, number: int) -> list[Block]:
    title_shape = next((s for s in slide.placeholders if s.placeholder_format.type in _TITLES), None)
    title = " ".join(title_shape.text_frame.text.split()) if title_shape is not None and title_shape.has_text_frame else ""
    section = (title,) if title else ()
    blocks = [Block(title, BlockKind.HEADING, page=number, section_path=section)] if title else []
    title_id = title_shape.shape_id if title_shape is not None else None
    for shape in _reading_order(slide.shapes):
        if shape.shape_id == title_id:  # python-pptx makes a new proxy per access: compare ids
            continue
        if shape.has_text_frame:
            blocks.extend(_text_blocks(shape.text_frame, number, section))
        elif getattr(shape, "has_table", False):  # only graphic frames have the property
            rendered = render_table(_rows(shape.table), section)
            blocks.extend(Block(b.text, b.kind, page=number, section_path=section, header=b.header, title=b.title)
                          for b in rendered)
    if slide.has_notes_slide:
        notes = slide.notes_slide.notes_text_frame
        if notes is not None:
            blocks.extend(_text_blocks(notes, number, section))
    return blocks


def _reading_order(shapes) -> list:
    """Shapes top to bottom, then left to right, groups opened (a placeholder without a
    position inherits the layout's and sorts first)."""
    flat: list = []
    for shape in shapes:
        if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
            flat.extend(_reading_order(shape.shapes))
        else:
            flat.append(shape)
    return sorted(flat, key=lambda s: (s.top or 0, s.left or 0))


def _text_blocks(frame, number: int, section: tuple[str, ...]) -> list[Block]:
    blocks: list[Block] = []
    for paragraph in frame.paragraphs:
        # python-pptx writes a line break inside a paragraph (<a:br>) as "\v"
        text = "\n".join(" ".join(line.split()) for line in paragraph.text.split("\v") if line.strip())
        if not text:
            continue
        if paragraph.level > 0:
            blocks.append(Block("  " * (paragraph.level - 1) + "- " + text, BlockKind.LIST, page=number, section_path=section))
        else:
            blocks.append(Block(text, BlockKind.PARAGRAPH, page=number, section_path=section))
    return blocks


def _rows(table) -> list[Row]:
    """The table as the Word table renderer reads it: a merged cell's origin repeated over the
    cells it spans (python-pptx marks those "spanned")."""
    rows: list[Row] = []
    origin: dict[tuple[int, int], Cell] = {}
    for r, row in enumerate(table.rows):
        cells: list[Cell] = []
        for c, cell in enumerate(row.cells):
            if cell.is_spanned:
                above = origin.get((r - 1, c))
                if above is not None and c == above.col:  # a vertical merge: repeat the value
                    cells.append(above)
                    origin[(r, c)] = above
                continue
            text = " ".join(cell.text.split())
            made = Cell(c, cell.span_width if cell.is_merge_origin else 1, cell._tc, text)
            cells.append(made)
            for dc in range(made.span):
                origin[(r, c + dc)] = made
        rows.append(Row(cells, is_header=r == 0 and table.first_row))
    return rows
