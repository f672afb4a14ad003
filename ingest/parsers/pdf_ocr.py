"""Text for PDF pages that have none: scanned pages read by OCR.

Signed regulations and old handbooks often exist only as scans; without this their pages were
reported ("no text layer (scanned?)") and left out. pypdfium2 (PDFium) renders the page, since
scans come in every image encoding (JBIG2, CCITT fax, JPEG 2000) and PDFium draws them all;
RapidOCR (PaddleOCR's PP-OCRv4 models, run by onnxruntime, shipped inside the wheel, so nothing
is downloaded) reads Chinese and English. Both are the optional ``ocr`` extra: without them, or
when they fail, a scanned page is reported as before.

Written here: putting the recognised boxes back into lines (boxes on one line, left to right)
and blank lines at paragraph gaps, which the PDF parser's layout then treats as it treats a
text layer's lines.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median

from ingest.settings import physical_cores
from ingest.textutil import is_cjk

log = logging.getLogger(__name__)

RENDER_SCALE = 2.0  # 144 dpi: small print stays legible; OCR time grows with the pixels
MAX_RENDER_SIDE = 2400  # pixels: a poster-sized page is scaled down to this
SCAN_COVER = 0.5  # share of the page one image covers on a scanned page
MIN_SCORE = 0.5  # recognitions less sure than this are mostly specks and stamps
# A file's OCR stops after this long, so that a long scan still ends inside the parse time
# bound (Settings.parse_timeout_s, 180 s by default); the pages left are reported.
BUDGET_S = 120.0
HEADING_HEIGHT = 1.3  # a line this much taller than the page's usual line is heading-sized
PARAGRAPH_GAP = 0.9  # a vertical gap of this many line heights starts a new paragraph
CELL_GAP = 1.5  # boxes of one line this many line heights apart are table cells


@dataclass(frozen=True)
class Box:
    text: str
    left: float
    top: float
    right: float
    bottom: float

    @property
    def height(self) -> float:
        return self.bottom - self.top


@dataclass
class OcrPage:
    lines: list[str]  # "" marks a paragraph gap
    large: dict[int, float]  # indexes of heading-sized lines -> size (0.0: OCR measures none)


@dataclass
class OcrResult:
    pages: dict[int, OcrPage] = field(default_factory=dict)
    not_read: list[int] = field(default_factory=list)  # pages left when the time budget ran out
    unavailable: str | None = None  # why no page could be read at all


_engine = None
NOT_INSTALLED = "OCR not installed (pip install 'docqa[ocr]')"


def _load_engine():
    """The OCR engine, loaded once per process (the parse child) on first use."""
    global _engine
    if _engine is None:
        from rapidocr_onnxruntime import RapidOCR  # the optional extra; ImportError when absent

        _engine = RapidOCR(intra_op_num_threads=physical_cores(), inter_op_num_threads=1, use_cls=False)
    return _engine


def read_pages(path: Path, numbers: list[int], budget_s: float = BUDGET_S,
               if_scanned: frozenset[int] = frozenset()) -> OcrResult:
    """OCR the given 1-based pages of ``path``, in order, within ``budget_s`` seconds; those
    in ``if_scanned`` (pages with a few words of text) only when an image covers most of the
    page, as a scan does: a cover's logo is not worth the seconds."""
    result = OcrResult()
    if not numbers:
        return result
    try:
        import pypdfium2 as pdfium

        document = pdfium.PdfDocument(str(path))
    except ImportError:
        result.unavailable = NOT_INSTALLED
        return result
    except Exception as exc:  # noqa: BLE001 - a file PDFium cannot open
        result.unavailable = f"OCR could not open the file ({type(exc).__name__})"
        return result
    started = time.monotonic()
    try:
        for i, number in enumerate(numbers):
            if time.monotonic() - started > budget_s:
                result.not_read = numbers[i:]
                break
            try:
                page = document[number - 1]
                if number in if_scanned and not _mostly_image(page):
                    continue
            except Exception as exc:  # noqa: BLE001 - a page PDFium cannot load is left as it was
                log.debug("OCR could not load page %s: %s", number, exc)
                continue
            try:
                engine = _load_engine()  # loaded for the first page that needs it
            except ImportError:
                result.unavailable = NOT_INSTALLED
                break
            except Exception as exc:  # noqa: BLE001 - a model that will not load
                result.unavailable = f"OCR could not start ({type(exc).__name__})"
                break
            try:
                result.pages[number] = page_lines(_recognise(engine, page))
            except Exception as exc:  # noqa: BLE001 - one page's failure costs that page only
                log.debug("OCR of page %s failed: %s", number, exc)
    finally:
        document.close()
    return result


def _mostly_image(page) -> bool:
    import pypdfium2.raw as pdfium_c

    width, height = page.get_size()
    for image in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]):
        left, bottom, right, top = image.get_bounds()
        if (right - left) * (top - bottom) >= SCAN_COVER * width * height:
            return True
    return False


def _recognise(engine, page) -> list[Box]:
    width, height = page.get_size()
    scale = min(RENDER_SCALE, MAX_RENDER_SIDE / max(width, height, 1))
    image = page.render(scale=scale, grayscale=False).to_numpy()
    found, _ = engine(image)
    boxes = []
    for points, text, score in found or []:
        if float(score) < MIN_SCORE or not str(text).strip():
            continue
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        boxes.append(Box(str(text).strip(), min(xs), min(ys), max(xs), max(ys)))
    return boxes


def page_lines(boxes: list[Box]) -> OcrPage:
    """Boxes into reading order: a box whose vertical middle lies within the current line's
    band joins it; each line's boxes left to right; a blank line where the gap to the next
    line exceeds PARAGRAPH_GAP line heights."""
    rows: list[list[Box]] = []
    for box in sorted(boxes, key=lambda b: (b.top + b.bottom) / 2):
        middle = (box.top + box.bottom) / 2
        if rows:
            line = rows[-1]
            top, bottom = min(b.top for b in line), max(b.bottom for b in line)
            if top <= middle <= bottom:
                line.append(box)
                continue
        rows.append([box])
    if not rows:
        return OcrPage([], {})
    usual = median(b.height for b in boxes)
    lines: list[str] = []
    large: dict[int, float] = {}
    previous_bottom = None
    previous_cells = False
    for row in rows:
        row.sort(key=lambda b: b.left)
        top, bottom = min(b.top for b in row), max(b.bottom for b in row)
        cells = _is_table_row(row, usual)
        gap = previous_bottom is not None and top - previous_bottom > PARAGRAPH_GAP * usual
        if lines and lines[-1] and (gap or cells or previous_cells):
            lines.append("")  # a table row stands alone: its cells must not run into the text
        if max(b.height for b in row) >= HEADING_HEIGHT * usual:
            large[len(lines)] = 0.0
        lines.append(" | ".join(b.text for b in row) if cells else _join(row))
        previous_bottom, previous_cells = bottom, cells
    return OcrPage(lines, large)


def _is_table_row(row: list[Box], usual: float) -> bool:
    """Boxes set apart by wide gaps: a table's cells (or a form's label and value), not words
    of one sentence, which OCR returns as one box."""
    return len(row) >= 2 and all(b.left - a.right > CELL_GAP * usual for a, b in zip(row, row[1:]))


def _join(row: list[Box]) -> str:
    """A line's boxes joined by a space, except between two Chinese characters."""
    text = row[0].text
    for box in row[1:]:
        text += box.text if is_cjk(text[-1]) and is_cjk(box.text[0]) else " " + box.text
    return text
