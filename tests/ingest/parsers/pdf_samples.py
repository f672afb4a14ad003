"""Shared by the PDF parser tests: English prose, the glyph-id salad a broken font extracts as, and
make_pdf, which writes fixture PDFs with reportlab (a test-only dependency) at test time."""
from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

PROSE = [
    "Every employee of the company is entitled to twenty days of paid annual leave per",
    "calendar year. Leave requests must be submitted through the staff portal at least",
    "two weeks in advance and approved by the line manager before the leave starts.",
    "",
    "Part-time staff accrue leave in proportion to their contracted hours. Unused leave",
    "may be carried over into the following year up to a maximum of five days, subject",
    "to the approval of the department head and the terms of the employ-",
    "ment contract.",
]


def glyph_id_salad(text: str) -> str:
    """What a font without ToUnicode whose codes are glyph ids extracts as (pdfminer issue 791):
    every character shifted down by 29 code points ("Prosim" -> "3URVLP")."""
    return "".join(chr(ord(c) - 29) if ord(c) >= 0x3D else chr(max(ord(c) - 29, 1)) for c in text)


LINE_STEP = 16
TOP = A4[1] - 90


def make_pdf(
    path: Path,
    pages: list[list[str | tuple[str, int]]],
    *,
    font: str = "Helvetica",
    header: str | None = None,
    footer: str | None = None,
    title: str | None = None,
) -> Path:
    """One string per line ("" leaves a blank line) or (text, font size); ``footer`` may use
    {n} and {total}."""
    pdf = canvas.Canvas(str(path), pagesize=A4)
    if title is not None:
        pdf.setTitle(title)
    for number, lines in enumerate(pages, 1):
        if header:
            pdf.setFont("Helvetica", 9)
            pdf.drawString(72, A4[1] - 50, header)
        if footer:
            pdf.setFont("Helvetica", 9)
            pdf.drawString(280, 40, footer.format(n=number, total=len(pages)))
        for i, line in enumerate(lines):
            text, size = line if isinstance(line, tuple) else (line, 11)
            if text:
                pdf.setFont(font, size)
                pdf.drawString(72, TOP - i * LINE_STEP, text)
        pdf.showPage()
    pdf.save()
    return path


def scan_pdf(path: Path, pages: list[list[str]]) -> Path:
    """A PDF of page images only (what a scanner writes): no text layer at all. Lines starting
    with "#" are set large, as a heading is."""
    body, large = ImageFont.load_default(size=34), ImageFont.load_default(size=56)
    images = []
    for lines in pages:
        image = Image.new("RGB", (1240, 1754), "white")
        draw, y = ImageDraw.Draw(image), 150
        for line in lines:
            font = large if line.startswith("#") else body
            draw.text((120, y), line.lstrip("# "), fill="black", font=font)
            y += 110 if font is large else 70
        images.append(image)
    images[0].save(path, save_all=True, append_images=images[1:], resolution=150)
    return path
