"""Line-level clean-up of pypdf's page text: ligatures, invisible characters, letter-spaced
OCR, fake-bold duplication, and running headers/footers across pages.

These rules work on characters and on repetition across pages; each is written by hand
because no kept library offers it for already-extracted text (pdfplumber's dedupe_chars
needs its own glyph objects, i.e. a second PDF parser running over every page).
"""
from __future__ import annotations

import math
import re
from collections import Counter
from difflib import SequenceMatcher

from ingest.parsers.pdf_quality import is_bad_char

_LIGATURES = str.maketrans(
    {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st"}
)
_INVISIBLE = {ord(c): None for c in "\u200b\u200c\u200d\u2060\ufeff"}

# A line made of single characters: "T h e  S i e g e" (words split by 2+ spaces).
_LETTER_SPACED_GROUP = re.compile(r"^\S(?: \S)*$")

# Running headers/footers: only the first/last few lines of a page are candidates.
EDGE_LINES = 3
RUNNING_MIN_PAGES = 3
RUNNING_SHARE = 0.5
# OCR'd headers differ by a letter or two ("VICKSBURG" / "VICKSBUEG"); 0.85 tolerates one
# or two wrong characters in a 25-character header but never merges different chapter titles
# seen in the corpus (measured on sf009: chapter headers differ by more than 30%).
FUZZY_RATIO = 0.85
_FUZZY_MIN_LEN = 8
_FUZZY_MAX_KEYS = 2000  # beyond this, exact matching only (keeps huge files fast)

# "3", "- 3 -", "Page 3 of 10", "Seite 3", "第 3 页 共 10 页", "iii" (valid roman numerals up to
# 399 only, so words such as "did" or "mild" never look like page numbers).
_PAGE_NUMBER = re.compile(
    r"^(?:page|p\.|seite|第)?\s*[-–—]?\s*(\d{1,4}|(?=[ivxlc])c{0,3}(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3}))"
    r"\s*[-–—]?\s*页?(?:\s*[,，]?\s*(?:of|/|von|共)\s*\d{1,4}\s*页?)?$",
    re.IGNORECASE,
)


def clean_line(line: str) -> str:
    """Normalise one extracted line: ligatures expanded, invisible and unreadable characters
    removed, letter-spaced OCR closed up, whitespace collapsed."""
    text = line.translate(_LIGATURES).translate(_INVISIBLE).strip()
    if text[:1] and is_bad_char(text[0]) and text[1:2] == " ":
        # A Symbol/Wingdings bullet extracts as a private-use or control character; keep the
        # list marker instead of dropping it with the other unreadable characters.
        text = "•" + text[1:]
    # A soft hyphen at a line end marks a hyphenated break: make it a hyphen so join_lines
    # undoes it ("employ\u00ad" + "ment"); anywhere else it is invisible.
    if text.endswith("\u00ad"):
        text = text[:-1] + "-"
    text = "".join(c for c in text.replace("\u00ad", "") if c == "\t" or not is_bad_char(c))
    return _collapse_spaces(_LEADER.sub(" … ", _undo_letter_spacing(text.strip())))


# Leader dots between a title and its page number in a table of contents or an index
# ("2.3 Simple parsing . . . . . . . 4", "总则……………1"): one "…" says the same. Spelled out they
# filled whole chunks of a manual's contents and index pages (a 320-token chunk of dots and a
# few titles) and outweighed the titles in their embeddings.
_LEADER = re.compile(r"\s*(?:\.\s?){4,}|\s*(?:…\s?){2,}|\s*(?:[·•]\s?){4,}")


def clean_page_text(raw: str) -> list[str]:
    """A page's raw text as cleaned lines (blank lines kept as "")."""
    return [clean_line(line) for line in raw.split("\n")]


def _collapse_spaces(line: str) -> str:
    return " ".join(line.split())


def _undo_letter_spacing(line: str) -> str:
    """'T h e  S i e g e  o f' -> 'The Siege of' (OCR layers that space every letter).

    Applied only when every 2+-space group is made of single characters and at least two
    groups have several letters, so "A B C D" grade lists stay as they are.
    """
    if len(line) < 9 or " " not in line:
        return line
    groups = [g for g in re.split(r"\s{2,}", line) if g]
    if not all(_LETTER_SPACED_GROUP.match(g) for g in groups):
        return line
    words = [g.replace(" ", "") for g in groups]
    multi = [w for w in words if len(w) >= 2]
    if len(multi) < 2:
        return line
    return " ".join(words)


def _is_doubled(token: str) -> bool:
    """'中中国国' / 'TThhee': every character drawn twice (fake bold)."""
    return (
        len(token) >= 4
        and len(token) % 2 == 0
        and token[0::2] == token[1::2]
        and len(set(token)) >= 2
        and not any(c.isdigit() for c in token)
    )


def undo_fake_bold(lines: list[str]) -> tuple[list[str], list[int], bool]:
    """Undo fake-bold duplication when the page as a whole shows it.

    Returns the new lines, the index in ``lines`` each one comes from, and whether anything
    changed. Two forms occur: lines emitted twice in a row (pdfplumber issue 71: '本科\n本科',
    only the bold lines), and each character doubled ('中中国国'). Page-level evidence keeps
    genuine repeats untouched: fake bold gives runs of exactly two equal lines covering a good
    share of the page and never an odd run, while a table column of equal values
    (ca-warn-report's dates) gives runs of any length covering under 20% of its lines.
    """
    origin = list(range(len(lines)))
    changed = False
    runs: list[tuple[str, int, int]] = []  # (text, first index, run length)
    for i, line in enumerate(lines):
        if runs and runs[-1][0] == line:
            runs[-1] = (line, runs[-1][1], runs[-1][2] + 1)
        else:
            runs.append((line, i, 1))
    repeated = [n for text, _, n in runs if text and n > 1]
    pairs = sum(1 for n in repeated if n == 2)
    filled = sum(1 for line in lines if line)
    if pairs >= 4 and 2 * pairs >= 0.3 * filled and not any(n % 2 for n in repeated):
        origin = [start + k for text, start, n in runs for k in range(n // 2 if text and n > 1 else n)]
        lines = [lines[i] for i in origin]
        changed = True

    tokens = [t for line in lines for t in line.split() if len(t) >= 4]
    doubled = sum(1 for t in tokens if _is_doubled(t))
    if len(tokens) >= 3 and doubled >= 0.5 * len(tokens):
        lines = [" ".join(t[0::2] if _is_doubled(t) else t for t in line.split()) for line in lines]
        changed = True
    return lines, origin, changed


def _line_key(line: str) -> str | None:
    """What a running header/footer keeps from page to page: digits replaced, case folded.

    None for lines without two letters: a table column of dates or amounts at a page's edge
    ("06/22/2015" on every page of ca-warn-report) is data, not a running header.
    """
    if _PAGE_NUMBER.match(line):
        return "<page-number>"
    if sum(1 for c in line if c.isalpha()) < 2:
        return None
    return re.sub(r"\d+", "#", line.casefold())


# A header/footer carrying the printed page number: "7 1.2. METRISCHE RÄUME", "THE SIEGE. 49".
_LEADING_NUMBER = re.compile(r"^(\d{1,4})\s+\S")
_TRAILING_NUMBER = re.compile(r"\S\s+(\d{1,4})$")
_BARE_NUMBER = re.compile(r"^\s*(\d{1,4})\s*$")
_NUMBERED_EDGE_LINES = 2
_NUMBERED_HEADER_MAX_CHARS = 70  # headers are short; a body line starting with a number is not


def _page_label_offsets(lines: list[str], index: int) -> dict[int, int]:
    """Line index -> (printed number - page index) for edge lines that start or end with a number."""
    filled = [i for i, line in enumerate(lines) if line]
    edges = set(filled[:_NUMBERED_EDGE_LINES] + filled[-_NUMBERED_EDGE_LINES:])
    offsets = {}
    for i in edges:
        if len(lines[i]) > _NUMBERED_HEADER_MAX_CHARS:
            continue
        match = _BARE_NUMBER.match(lines[i]) or _LEADING_NUMBER.match(lines[i]) or _TRAILING_NUMBER.search(lines[i])
        if match:
            offsets[i] = int(match.group(1)) - index
    # A page has one label. Where a bare number carries it (a chapter's first page in a manual),
    # a line starting with the same number is text: "1" over "1 Introduction" on printed page 1
    # (the chapter title was dropped as a running header, and its section with it).
    bare_lines = {i for i in offsets if _BARE_NUMBER.match(lines[i])}
    bare = {offsets[i] for i in bare_lines}
    return {i: offset for i, offset in offsets.items() if i in bare_lines or offset not in bare}


def is_own_page_number(line: str, page_number: int) -> bool:
    match = _PAGE_NUMBER.match(line)
    return bool(match) and match.group(1) == str(page_number)


# Explicit page labels ("Page 3 of 10", "第3页共6页") are never body text, wherever pypdf puts them.
_EXPLICIT_LABEL = re.compile(r"^(?:page|seite|第)|(?:of|von|共)\s*\d{1,4}\s*页?$", re.IGNORECASE)


def _edge_indexes(lines: list[str]) -> list[int]:
    filled = [i for i, line in enumerate(lines) if line]
    return sorted(set(filled[:EDGE_LINES] + filled[-EDGE_LINES:]))


def _cluster_keys(key_counts: Counter[str], fuzzy_keys: set[str]) -> dict[str, str]:
    """Map each key to a representative, merging near-identical ``fuzzy_keys`` (OCR'd headers).

    One SequenceMatcher per representative (its expensive index is built once, on seq2) and
    the length-only bound first keep this at a few milliseconds for a 117-page book.
    """
    representative: dict[str, str] = {}
    matchers: list[tuple[str, SequenceMatcher]] = []
    fuzzy = len(fuzzy_keys) <= _FUZZY_MAX_KEYS
    for key, _ in key_counts.most_common():
        match = key
        if fuzzy and key in fuzzy_keys and len(key) >= _FUZZY_MIN_LEN:
            for rep, matcher in matchers:
                shorter, longer = sorted((len(key), len(rep)))
                if 2 * shorter / (shorter + longer) < FUZZY_RATIO:
                    continue
                matcher.set_seq1(key)
                if matcher.quick_ratio() >= FUZZY_RATIO and matcher.ratio() >= FUZZY_RATIO:
                    match = rep
                    break
            if match == key:
                matchers.append((key, SequenceMatcher(None, "", key, autojunk=False)))
        representative[key] = match
    return representative


def running_line_positions(pages: list[list[str]]) -> list[set[int]]:
    """For each page, the indexes of lines that are running headers/footers.

    A line counts when it sits within the first/last EDGE_LINES lines of a page and the
    same line (digits ignored, near-identical spellings merged) does so on at least half of
    the pages that have text, and on at least RUNNING_MIN_PAGES pages. A lone page number
    equal to the page's own number is dropped even in short documents.
    """
    positions: list[set[int]] = [set() for _ in pages]
    for index, lines in enumerate(pages):
        edges = set(_edge_indexes(lines))
        for i, line in enumerate(lines):
            if is_own_page_number(line, index + 1) and (i in edges or _EXPLICIT_LABEL.search(line)):
                positions[index].add(i)

    text_pages = [i for i, lines in enumerate(pages) if any(lines)]
    if len(text_pages) < RUNNING_MIN_PAGES:
        return positions
    needed = max(RUNNING_MIN_PAGES, math.ceil(RUNNING_SHARE * len(text_pages)))

    # Headers whose text changes by section but whose number follows the page count (a
    # book's "7 1.2. METRISCHE RÄUME"): one printed-minus-physical offset on most pages.
    offsets_by_page = {index: _page_label_offsets(pages[index], index) for index in text_pages}
    offset_pages: Counter[int] = Counter()
    for offsets in offsets_by_page.values():
        offset_pages.update(set(offsets.values()))
    for offset, count in offset_pages.items():
        if count >= needed:
            for index, offsets in offsets_by_page.items():
                positions[index].update(i for i, o in offsets.items() if o == offset)
    keys_by_page: dict[int, dict[int, str]] = {}
    key_counts: Counter[str] = Counter()
    fuzzy_keys: set[str] = set()  # only the very first/last line of a page is matched fuzzily
    for index in text_pages:
        edges = _edge_indexes(pages[index])
        keys = {i: key for i in edges if (key := _line_key(pages[index][i])) is not None}
        if not keys:
            continue
        edges = sorted(keys)
        keys_by_page[index] = keys
        key_counts.update(set(keys.values()))
        fuzzy_keys.update((keys[edges[0]], keys[edges[-1]]))
    representative = _cluster_keys(key_counts, fuzzy_keys)
    pages_per_rep: Counter[str] = Counter()
    for keys in keys_by_page.values():
        pages_per_rep.update({representative[k] for k in keys.values()})
    running = {rep for rep, count in pages_per_rep.items() if count >= needed}
    for index, keys in keys_by_page.items():
        positions[index].update(i for i, key in keys.items() if representative[key] in running)
    return positions
