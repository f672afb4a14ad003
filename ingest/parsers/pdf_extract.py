"""A page's text from pypdf, line by line, with each line's baseline height and font size.

pypdf's plain extraction drops all geometry, yet the vertical gap between lines is the most
reliable paragraph signal in business documents (Word and most report generators separate
paragraphs by spacing, not by blank lines), and a larger font marks headings. pypdf's
``visitor_text`` hook reports every text fragment it emits with its matrices; the fragments
concatenate to exactly the text ``extract_text`` returns (checked on every page of the parse
corpus), so positions can be attached to lines without a second, slower layout parser.
When the fragments ever disagree with the text, lines simply come without positions.
"""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Any

from pypdf import PageObject

from ingest.textutil import is_cjk

# A gap this much larger than the page's usual line spacing separates two paragraphs
# (Word's default: 1.08-1.15 line spacing plus 8 pt after a paragraph gives ~1.6).
PARAGRAPH_GAP = 1.4
# A line set this much larger than the page's body text is heading-sized.
HEADING_SIZE = 1.2


# Two fragments of one baseline this many font sizes apart are in different columns (a table's
# cells); words of one line sit a fraction of a size apart.
COLUMN_GAP = 1.0
# Rough advance of a character, in font sizes, to tell where a fragment ends.
_CHAR_WIDTH = 0.5


@dataclass(frozen=True)
class Line:
    """One extracted line; ``y`` (baseline, points from the bottom) and ``size`` (points)
    are None when unknown."""

    text: str
    y: float | None = None
    size: float | None = None


def _multiply(tm: list[float], cm: list[float]) -> list[float]:
    """tm x cm for PDF's 6-number affine matrices [a b c d e f]."""
    a, b, c, d, e, f = tm
    A, B, C, D, E, F = cm
    return [a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F]


def extract_lines(page: PageObject) -> tuple[str, list[Line], int]:
    """Return the page's raw text (exactly pypdf's ``extract_text()``), its lines, and how many
    of its baselines hold text in separate columns (a sign of a table)."""
    fragments: list[tuple[str, float | None, float | None]] = []
    placed: list[tuple[float, float, float, float]] = []  # (y, x, size, advance) of visible text

    def visit(text: str, cm: Any, tm: Any, _font: Any, font_size: Any) -> None:
        try:
            matrix = _multiply([float(v) for v in tm], [float(v) for v in cm])
            y = matrix[5]
            size = abs(float(font_size)) * math.hypot(matrix[2], matrix[3])
            if text.strip() and size > 0:
                placed.append((y, matrix[4], size, _advance(text.strip())))
        except (TypeError, ValueError):
            y = size = None
        fragments.append((text, y, size))

    raw = page.extract_text(visitor_text=visit) or ""
    columns = column_rows(placed)
    if "".join(f[0] for f in fragments) != raw:
        return raw, [Line(t) for t in raw.split("\n")], columns

    lines: list[Line] = []
    text, y, size = "", None, None
    for fragment, frag_y, frag_size in fragments:
        pieces = fragment.split("\n")
        for index, piece in enumerate(pieces):
            if index > 0:
                lines.append(Line(text, y, size))
                text, y, size = "", None, None
            if piece.strip() and y is None:
                y, size = frag_y, frag_size  # a line sits where its first visible fragment does
            text += piece
    lines.append(Line(text, y, size))
    return raw, lines, columns


def _advance(text: str) -> float:
    """A rough width in font sizes: half a size a Latin character, a full size a Chinese one."""
    return sum(1.0 if is_cjk(ch) else _CHAR_WIDTH for ch in text)


def column_rows(placed: list[tuple[float, float, float, float]]) -> int:
    """Baselines on which pieces of text stand a column gap apart, with at least two of their
    column starts shared by another such baseline: a table's rows line their cells up, while
    a formula's or a figure's labels stand apart at random."""
    rows: dict[int, list[tuple[float, float, float]]] = {}
    for y, x, size, advance in placed:
        rows.setdefault(round(y), []).append((x, size, advance))
    starts: list[set[int]] = []
    for pieces in rows.values():
        pieces.sort()
        ends = [(x + advance * size, size) for x, size, advance in pieces]
        after_gap = {round(nxt[0] / 2) for (end, size), nxt in zip(ends, pieces[1:]) if nxt[0] - end > COLUMN_GAP * size}
        if after_gap:
            starts.append(after_gap | {round(pieces[0][0] / 2)})
    return sum(1 for i, own in enumerate(starts)
               if any(len(own & other) >= 2 for j, other in enumerate(starts) if j != i))


def body_size(lines: list[Line]) -> float | None:
    """The font size most of the page's characters are set in."""
    weights: dict[float, int] = {}
    for line in lines:
        if line.size:
            key = round(line.size, 1)
            weights[key] = weights.get(key, 0) + len(line.text.strip())
    return max(weights, key=weights.__getitem__) if weights else None


def paragraph_gaps(lines: list[Line]) -> set[int]:
    """Indexes of lines preceded by a clearly larger vertical gap than the page's line spacing.

    Only downward steps between consecutive positioned lines count; upward jumps (a new
    column) and same-height fragments (table cells) say nothing about paragraphs.
    """
    steps: list[tuple[int, float]] = []
    previous_y: float | None = None
    for index, line in enumerate(lines):
        if line.y is None or not line.text.strip():
            continue
        if previous_y is not None:
            steps.append((index, previous_y - line.y))
        previous_y = line.y
    downward = [gap for _, gap in steps if gap > 0.5]
    if len(downward) < 3:
        return set()
    spacing = statistics.median(downward)
    return {index for index, gap in steps if gap > PARAGRAPH_GAP * spacing}
