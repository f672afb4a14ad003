"""One page's cleaned lines -> headings, list items and paragraphs.

A paragraph ends at a blank line (pdf_extract turns measured vertical gaps into blank
lines); after a line that ends a sentence while clearly shorter than the page's typical
line (a wrapped line fills the column, a paragraph's last line does not); after a line far
shorter than the lines around it; and before a line that opens a list item or a numbered
clause ("1.", "(a)", "•", "第十三条", "一、"). Headings are short unpunctuated lines that are
numbered chapters/sections ("第三章 总则", "Chapter 2", "1.2 Scope"), set in a larger font,
or title-cased/CJK lines standing alone before body text. Written by hand: layout engines
(pdfminer's LAParams, pdfplumber) would parse every page a second time and still leave the
Chinese-specific rules (第X条, 一、) to us.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from collections.abc import Mapping
from itertools import islice

from ingest.blocks import BlockKind
from ingest.textutil import LineHyphens, cjk_ratio, is_cjk, join_lines, normalize_space

_CN_NUM = "一二三四五六七八九十百千零〇两"

# Structural headings that open a section and so feed section_path, with their level.
_STRUCTURAL = (
    (re.compile(rf"^第[{_CN_NUM}\d]{{1,5}}\s*[编部篇卷]"), 0),
    (re.compile(r"^(?:PART|Part)\s+(?:[IVXLC]+|\d{1,3}|[A-Z][a-z]+)\b"), 0),
    (re.compile(rf"^第[{_CN_NUM}\d]{{1,5}}\s*章"), 1),
    (re.compile(r"^(?:CHAPTER|Chapter)\s+(?:[IVXLC]+|\d{1,3}|[A-Z][a-z]+)\b"), 1),
    # "Appendix A Copying Information", "ANNEX II": a chapter at the back of the document, so
    # its pages stop being cited under the last chapter before it
    (re.compile(r"^(?:APPENDIX|Appendix|ANNEX|Annex)\s+(?:[A-Z]|[IVXLC]+|\d{1,2})\b"), 1),
    (re.compile(rf"^第[{_CN_NUM}\d]{{1,5}}\s*节"), 2),
)
# Numbered headings that are headings but too ambiguous to build a section path from.
_NUMBERED_HEADING = re.compile(
    rf"^(?:[{_CN_NUM}]{{1,3}}[、．]|[（(][{_CN_NUM}]{{1,3}}[)）]|\d{{1,2}}(?:\.\d{{1,2}})+\.?\s*(?=[A-Z\u4e00-\u9fff]))"
)
# "1.2 Scope", and an appendix's "A.1 Licence" (a letter then at least one number)
_DECIMAL_HEADING = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3}|[A-Z](?:\.\d{1,2}){1,3})\.?\s+\D")
# "3 Results", "IV. Benefits": headings only when the rest is title-cased (else table rows).
_NUMBERED_TITLE = re.compile(r"^(?:\d{1,2}\s+|[IVX]{1,4}\.\s+)(?=[A-Z])")
# A line that opens a new list item ...
_LIST_MARKER = re.compile(
    r"""^(?:
        [•·●○◦▪■□◆◇►▶➢✓✔※]\s*
      | [-–—*]\s+
      | \(?\d{1,3}[.)．、](?!\d)\s*
      | [（(]\d{1,3}[)）]\s*
      | [（(][一二三四五六七八九十]{1,3}[)）]\s*
      | [一二三四五六七八九十]{1,3}、\s*
      | \(?[a-zA-Z][.)]\s+
      | \([a-zA-Z]\)\s*
      | \(?(?:i|ii|iii|iv|v|vi|vii|viii|ix|x)[.)]\s+
      | [①-⑳]
      | --?[A-Za-z][\w-]*(?=[,=\s])   # a command-line option opening its line: "-c, --check ..."
    )""",
    re.VERBOSE,
)
# ... or a numbered clause, which is a paragraph of its own (not a list item).
_CLAUSE = re.compile(rf"^(?:第[{_CN_NUM}\d]{{1,5}}\s*条|Article\s+\d+|ARTICLE\s+\d+|§\s*\d+)")
# Table-of-contents entries: leader dots, or a page number after a title of 2+ words
# ("第一章 总则 1", "1 Topologische Grundbegriffe 2"; "Chapter 2" alone is a heading).
# (pdf_lines writes any run of leader dots as one "…": "2.3 Simple parsing … 4")
_TOC_LEADERS = re.compile(r"(?:\.{4,}|…{2,}|·{4,})\s*\d{0,4}$|…\s*\d{1,4}$")
_TOC_PAGE = re.compile(r"^(.*\S)\s+\d{1,4}$")

_SENTENCE_END = set("。！？!?.;；:：…")
_NO_HEADING_END = set("。！？!?.;；，,、:：…")
_CLOSERS = "”’\"')）」』]】"

WRAPPED_SHARE = 0.85  # a line at least this share of typical width may be a wrapped line
SHORT_SHARE = 0.5  # a line below this share of typical width ends its paragraph
HEADING_MAX_WIDTH = 80  # display width (CJK counts 2)
STACKED_HEADINGS_MAX = 2  # headings that may stand between an unnumbered heading and its body
SAME_SIZE_TOLERANCE = 0.05  # type sizes this close (relative) are one size


@dataclass(frozen=True)
class PageBlock:
    """A block of one page; ``level`` is set for structural headings (0 part, 1 chapter, 2 section);
    ``large`` marks a heading set in a clearly larger font than the body text."""

    kind: BlockKind
    text: str
    level: int | None = None
    large: bool = False


def display_width(line: str) -> int:
    """Width in columns: a CJK character is as wide as two Latin ones."""
    if line.isascii():
        return len(line)
    return sum(2 if is_cjk(c) else 1 for c in line)


def _typical_width(widths: list[int]) -> int:
    """The width of a full line on this page: the 90th percentile, so a stray over-long line
    (a URL, a table row) does not set it; the longest line on pages of under ten lines."""
    filled = sorted(w for w in widths if w > 0)
    if not filled:
        return 0
    if len(filled) < 10:
        return filled[-1]
    return filled[int(0.9 * (len(filled) - 1))]


def ends_sentence(line: str) -> bool:
    stripped = line.rstrip(_CLOSERS)
    return bool(stripped) and stripped[-1] in _SENTENCE_END


def _no_end_punct(line: str) -> bool:
    stripped = line.rstrip(_CLOSERS)
    return bool(stripped) and stripped[-1] not in _NO_HEADING_END


def structural_level(line: str) -> int | None:
    for pattern, level in _STRUCTURAL:
        if pattern.match(line):
            return level
    return None


def title_case(line: str) -> bool:
    """'General Provisions', 'LEAVE POLICY', 'Terms of Use': most longer words capitalised."""
    line = line.lstrip("# ") if line.startswith("#") else line  # a Markdown "## Heading" set as text
    words = re.findall(r"[^\W\d_][\w'’-]*", line)
    if not 1 <= len(words) <= 12 or not (line[0].isupper() or line[0].isdigit()):
        return False
    significant = [w for i, w in enumerate(words) if i == 0 or len(w) >= 4]
    return sum(1 for w in significant if w[0].isupper()) >= 0.75 * len(significant)


def is_heading_text(line: str) -> bool:
    """Short, unpunctuated, mostly letters (not a formula: "H(t, 1) = γ2(t)"), not a
    table-of-contents entry."""
    visible = [c for c in line if not c.isspace()]
    letters = sum(1 for c in visible if c.isalpha())
    return (
        display_width(line) <= HEADING_MAX_WIDTH
        and _no_end_punct(line)
        and letters >= 2
        and letters >= 0.5 * len(visible)
        and not _is_toc_entry(line)
    )


def _is_toc_entry(line: str) -> bool:
    if _TOC_LEADERS.search(line):
        return True
    match = _TOC_PAGE.match(line)
    return bool(match) and len(match.group(1).split()) >= 2


def _heading(
    lines: list[str], i: int, typical: int, after_break: bool, large: bool
) -> tuple[bool, int | None]:
    """Is lines[i] a heading, and of which structural level (None: not structural)?"""
    line = lines[i]
    if not is_heading_text(line):
        return False, None
    level = structural_level(line)
    if level is not None:
        return True, level
    if large:
        # A numbered heading set in large type is reliable enough to open a section:
        # "1 Topologische Grundbegriffe" is a chapter (level 1), "1.2 Metrische Räume" a
        # section (level 2), like 第一章 / 第一节.
        numbered = _DECIMAL_HEADING.match(line)
        return True, (1 + numbered.group(1).count(".") if numbered else None)
    if display_width(line) <= 60 and (
        _NUMBERED_HEADING.match(line) or (_NUMBERED_TITLE.match(line) and title_case(line))
    ):
        return True, None
    # Unnumbered headings need context: they stand alone after a paragraph end and are
    # followed by body text, which keeps table cells and title-page stacks out. A measured
    # gap may sit between heading and body, and a heading may be set over one or two more
    # ("Clinical Trials" / "COVERED SERVICES: Clinical Trials" / body; "Notice Of Other
    # Coverage" / "OTHER INFORMATION ABOUT THIS PLAN" / "Notice Of Other Coverage" / body).
    if not after_break or display_width(line) >= 0.7 * typical:
        return False, None
    following = list(islice((lines[j] for j in range(i + 1, len(lines)) if lines[j]), 1 + STACKED_HEADINGS_MAX))
    # A line that opens lower-case continues a sentence ("However, the" / "plan pays ..."
    # across a page break): what stands before it is not a heading.
    if not following or following[0][:1].islower():
        return False, None

    def is_body(text: str) -> bool:
        return display_width(text) >= 0.6 * typical or bool(_LIST_MARKER.match(text))

    def is_short_heading(text: str) -> bool:
        return is_heading_text(text) and display_width(text) < 0.7 * typical

    body_at = next((n for n, text in enumerate(following) if is_body(text)), None)
    if body_at is None or not all(is_short_heading(text) for text in following[:body_at]):
        return False, None
    if cjk_ratio(line) >= 0.5:
        return 2 <= len(line) <= 25, None
    return title_case(line), None


def _same_size(large: Mapping[int, float], a: int, b: int) -> bool:
    """Whether two large-type lines are set in one size (always, where OCR measured no size)."""
    if not large[a] or not large[b]:
        return True
    return abs(large[a] - large[b]) <= SAME_SIZE_TOLERANCE * max(large[a], large[b])


def segment_page(
    lines: list[str], large: Mapping[int, float] | None = None, next_page: list[str] | tuple[str, ...] = (),
    hyphens: LineHyphens | None = None,
) -> list[PageBlock]:
    """Group a page's lines into headings, list items and paragraphs, in reading order.

    ``lines`` may contain "" where a paragraph gap was measured; ``large`` holds the indexes
    of lines set in a clearly larger font than the page's body text (with their type size,
    where measured). ``next_page`` holds the
    next page's first lines: a heading at the foot of a page has its body overleaf, and
    without them it would be read as the last line of the paragraph above it (45 of 823
    contoso chunks ended in one). ``hyphens`` holds the document's words, which decide whether
    a hyphen at a line end is part of the word (textutil.LineHyphens).
    """
    large = large if large is not None else {}
    # The next page's lines are looked at, never segmented here.
    lookahead = lines + [line for line in next_page if line][:4]
    widths = [display_width(line) for line in lines]
    typical = _typical_width(widths)
    blocks: list[PageBlock] = []
    buffer: list[str] = []
    buffer_kind = BlockKind.PARAGRAPH

    def flush() -> None:
        nonlocal buffer
        text = normalize_space(join_lines(buffer, hyphens))
        text = hyphens.rejoin(text) if hyphens is not None else text
        if text:
            blocks.append(PageBlock(buffer_kind, text))
        buffer = []

    after_break = True
    last_large_heading: int | None = None  # line index of the last large-type heading
    for i, line in enumerate(lines):
        if not line:
            flush()
            after_break = True
            continue
        # A sentence end opens a heading's chance even on a full-width line ("... plan." /
        # "Evidence Of Medical Necessity" / body): a short unpunctuated title-cased line there
        # cannot be a wrapped line, and _heading still asks for body text after it.
        may_open = after_break or not buffer or ends_sentence(buffer[-1])
        is_heading, level = _heading(lookahead, i, typical, may_open, i in large)
        if is_heading:
            flush()
            # Headings keep their inner spaces ("第一章 总则"): normalize_space would glue the
            # number to the title, and section paths are shown to users.
            text = " ".join(line.split())
            previous = blocks[-1] if blocks else None
            if (
                i in large
                and last_large_heading is not None
                and not any(lines[last_large_heading + 1 : i])
                and previous is not None
                and previous.kind is BlockKind.HEADING
                and level is None
                and _same_size(large, last_large_heading, i)
            ):
                # A large-type heading wrapped over several lines is one heading. Its lines share
                # one size: a chapter title over a section title ("Appendix A Copying
                # Information" / "A.1 GNU Free Documentation License") or a section title over a
                # function's name ("4.1 ASN.1 schema functions" / "asn1 parser2tree") are two.
                blocks[-1] = PageBlock(BlockKind.HEADING, join_lines([previous.text, text]), previous.level, True)
            else:
                blocks.append(PageBlock(BlockKind.HEADING, text, level, i in large))
            last_large_heading = i if i in large else None
            after_break = True
            continue
        opens_item = bool(_LIST_MARKER.match(line) or _CLAUSE.match(line))
        if buffer and (opens_item or after_break):
            flush()
        if not buffer:
            buffer_kind = BlockKind.LIST if _LIST_MARKER.match(line) and not _CLAUSE.match(line) else BlockKind.PARAGRAPH
        buffer.append(line)
        # A line far shorter than the lines around it (the one before, the two after; capped
        # at the page's typical width) ends its paragraph: text wrapped around a figure runs
        # in a narrow column whose lines are all "short" but continue each other. A sentence
        # end on a line clearly shorter than the page's typical line ends it too.
        width = widths[i]
        around = widths[max(i - 1, 0) : i] + widths[i + 1 : i + 3]
        reference = min(typical, max(around, default=typical))
        after_break = (width < SHORT_SHARE * reference) or (
            ends_sentence(line) and width < WRAPPED_SHARE * typical
        )
    flush()
    return blocks
