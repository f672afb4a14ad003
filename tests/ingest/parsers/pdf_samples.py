"""Text shared by the PDF parser tests: English prose and the glyph-id salad a broken font extracts as."""
from __future__ import annotations

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
