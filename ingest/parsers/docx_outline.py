"""Headings inferred from numbering typed as text, for documents without heading styles.

Chinese policies and regulations are often formatted by hand: "第三章 总则", "一、盈利来源",
"（二）招聘" typed into Normal paragraphs. Without a section path their articles lose the
chapter they belong to, so short paragraphs that start like a heading become headings, but
only in documents that use no heading styles at all (a styled outline is never overridden).
"""
from __future__ import annotations

import re

_NUM = r"[一二三四五六七八九十百千零〇两\d]+"
# (pattern, level): the usual nesting of Chinese legal / administrative documents.
_PATTERNS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(rf"第{_NUM}[编篇部]"), 1),
    (re.compile(rf"第{_NUM}章"), 2),
    (re.compile(rf"第{_NUM}节"), 3),
    (re.compile(r"[一二三四五六七八九十]+[、．]"), 4),
    (re.compile(r"[（(][一二三四五六七八九十]+[）)]"), 5),
    (re.compile(r"\d{1,2}、"), 6),
)
MAX_CHARS = 40
# Sentence punctuation means body text ("1、商家在网站上加盟……。"), not a heading.
_SENTENCE = re.compile(r"[。；;！!？?]|[，,：:]$")


def inferred_level(text: str) -> int | None:
    """The heading level a hand-numbered short line implies, or None for body text."""
    if len(text) > MAX_CHARS or "\n" in text or _SENTENCE.search(text):
        return None
    for pattern, level in _PATTERNS:
        if pattern.match(text):
            return level
    return None
