"""The style sheet (STSH) of a Word 97-2003 binary: which styles are headings, which is the
Title, and which carry list numbering (a heading style numbered "第一章" by a linked list)."""
from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from ingest.parsers.doc_sprms import OUTLINE_LEVEL, list_ref, sprms

_STI_TITLE = 62
_PARAGRAPH_STYLE = 1
_NO_BASE = 0x0FFF
_HEADING_NAME = re.compile(r"^(heading|标题|標題|überschrift|titre|título|titolo|kop)\s*([1-9])$", re.I)


@dataclass(frozen=True)
class DocStyles:
    heading_levels: dict[int, int]  # istd -> heading level 1-9
    titles: frozenset[int]  # istd of the built-in Title style
    numbering: dict[int, tuple[int, int]]  # istd -> (ilfo, ilvl) its paragraphs are numbered by


# Word's fixed istd of headings 1-9: what a damaged or missing style sheet falls back to.
BUILT_IN = DocStyles({i: i for i in range(1, 10)}, frozenset(), {})


@dataclass
class _Std:
    sti: int
    base: int
    name: str
    grpprl: bytes  # paragraph properties, for a paragraph style


def read_styles(table: bytes, fc: int, lcb: int) -> DocStyles:
    stsh = table[fc:fc + lcb]
    if len(stsh) < 6:
        return BUILT_IN
    cb_stshi = struct.unpack_from("<H", stsh, 0)[0]
    count, cb_base = struct.unpack_from("<HH", stsh, 2)
    pos = 2 + cb_stshi
    stds: dict[int, _Std] = {}
    for istd in range(count):
        if pos + 2 > len(stsh):
            break
        cb_std = struct.unpack_from("<H", stsh, pos)[0]
        std = stsh[pos + 2:pos + 2 + cb_std]
        pos += 2 + cb_std
        if cb_std >= max(cb_base, 10):
            stds[istd] = _read_std(std, cb_base)
    levels: dict[int, int] = {}
    titles: set[int] = set()
    numbering: dict[int, tuple[int, int]] = {}
    for istd, std in stds.items():
        level = _inherited(stds, istd, _own_level)  # a style based on a heading is one too
        if level is not None:
            levels[istd] = level
        if std.sti == _STI_TITLE:
            titles.add(istd)
        ref = _inherited(stds, istd, lambda s: _ref(s.grpprl))
        if ref is not None:
            numbering[istd] = ref
    return DocStyles(levels, frozenset(titles), numbering)


def _read_std(std: bytes, cb_base: int) -> _Std:
    """A style: its built-in id and base style (StdfBase), its name (an Xstz after the base),
    then its property lists (each a 2-byte size and padded to an even length; a paragraph
    style's first one is its paragraph properties, after a 2-byte istd)."""
    sti = struct.unpack_from("<H", std, 0)[0] & 0x0FFF
    kind_and_base = struct.unpack_from("<H", std, 2)[0]
    kind, base = kind_and_base & 0x000F, kind_and_base >> 4
    name, grpprl = "", b""
    if cb_base + 2 <= len(std):
        cch = struct.unpack_from("<H", std, cb_base)[0]
        name = std[cb_base + 2:cb_base + 2 + 2 * cch].decode("utf-16-le", "replace")
        at = cb_base + 2 + 2 * (cch + 1)
        if kind == _PARAGRAPH_STYLE and at + 2 <= len(std):
            size = struct.unpack_from("<H", std, at)[0]
            grpprl = std[at + 4:at + 2 + size]  # after the UPX's own istd
    return _Std(sti, base, name, grpprl)


def _own_level(std: _Std) -> int | None:
    """The heading level a style gives: built-in heading 1-9 (by its language-independent
    sti, so "标题 1" counts), a name like one, or an outline level of its own."""
    if 1 <= std.sti <= 9:
        return std.sti
    match = _HEADING_NAME.match(std.name.strip())
    if match:
        return int(match.group(2))
    for sprm, operand in sprms(std.grpprl):
        if sprm == OUTLINE_LEVEL and operand[0] < 9:
            return operand[0] + 1
    return None


def _ref(grpprl: bytes) -> tuple[int, int] | None:
    ilfo, ilvl = list_ref(grpprl)
    return None if ilfo is None else (ilfo, ilvl or 0)


def _inherited(stds: dict[int, _Std], istd: int, read):
    """A property of the style or, when it sets none, of the style it is based on."""
    seen: set[int] = set()
    while istd in stds and istd not in seen:
        seen.add(istd)
        value = read(stds[istd])
        if value is not None:
            return value
        istd = stds[istd].base
        if istd == _NO_BASE:
            break
    return None
