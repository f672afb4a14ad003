"""List numbering of a Word 97-2003 binary: the labels ("第三条", "1.2.", "a)") Word computes
while laying out the document and never stores in its text.

The lists (PlfLst: one LSTF per list, then its levels' LVL records) and the list overrides
paragraphs point at (PlfLfo, by a 1-based ilfo) are read here; the counting and formatting are
the .docx reader's (:func:`ingest.parsers.docx_numbering.count_and_label`), as Word counts both
formats the same way.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, replace

from ingest.parsers.docx_numbering import MAX_LEVELS, Level, count_and_label

# nfc (number format code) -> the .docx numFmt name format_number knows
_FORMATS = {
    0: "decimal", 1: "upperRoman", 2: "lowerRoman", 3: "upperLetter", 4: "lowerLetter", 5: "ordinal",
    10: "ideographDigital", 11: "japaneseCounting", 14: "decimalFullWidth", 17: "japaneseDigitalTenThousand",
    18: "decimalEnclosedCircle", 19: "decimalFullWidth2", 22: "decimalZero", 23: "bullet",
    26: "decimalEnclosedFullstop", 27: "decimalEnclosedParen", 28: "decimalEnclosedCircleChinese",
    29: "ideographEnclosedCircle", 30: "ideographTraditional", 31: "ideographZodiac", 33: "taiwaneseCounting",
    35: "taiwaneseCountingThousand", 36: "taiwaneseDigital", 37: "chineseCounting",
    38: "chineseLegalSimplified", 39: "chineseCountingThousand", 255: "none",
}
_LSTF_SIZE, _LVLF_SIZE, _LFO_SIZE = 28, 28, 16


@dataclass
class _Override:
    lsid: int
    starts: dict[int, int]  # ilvl -> a new start value
    levels: dict[int, Level]  # ilvl -> a level redefined by the override


class DocNumbering:
    """Replays the list counters over the paragraphs, in document order."""

    def __init__(self, table: bytes, lst: tuple[int, int], lfo: tuple[int, int]) -> None:
        self._lists: dict[int, dict[int, Level]] = {}  # lsid -> its levels
        self._overrides: list[_Override] = []
        self._counters: dict[int, list[int | None]] = {}
        self._restarted: set[int] = set()
        try:
            self._read_lists(table, *lst)
            self._read_overrides(table, *lfo)
        except (struct.error, IndexError):  # damaged lists cost the labels, not the text
            pass

    def label(self, ilfo: int, ilvl: int) -> str:
        """Advance the counter of the list behind override ``ilfo`` and return the label."""
        if not 1 <= ilfo <= len(self._overrides):
            return ""
        override = self._overrides[ilfo - 1]
        levels = dict(self._lists.get(override.lsid, {}))
        levels.update(override.levels)
        for level, start in override.starts.items():
            levels[level] = replace(levels.get(level, Level()), start=start)
        ilvl = min(max(ilvl, 0), MAX_LEVELS - 1)
        if ilvl not in levels:
            return ""
        # Lists count per list (lsid): overrides sharing one continue each other, and a
        # start-at override restarts the shared counter once, where it is first used.
        counters = self._counters.setdefault(override.lsid, [None] * MAX_LEVELS)
        if override.starts and ilfo not in self._restarted:
            self._restarted.add(ilfo)
            for level in override.starts:
                counters[level] = None
        return count_and_label(counters, levels, ilvl)

    def _read_lists(self, table: bytes, fc: int, lcb: int) -> None:
        if lcb < 2:
            return
        count = struct.unpack_from("<h", table, fc)[0]
        pos = fc + 2 + count * _LSTF_SIZE  # the levels follow the list headers, in order
        for i in range(count):
            at = fc + 2 + i * _LSTF_SIZE
            lsid = struct.unpack_from("<i", table, at)[0]
            simple = table[at + 26] & 0x01
            levels: dict[int, Level] = {}
            for ilvl in range(1 if simple else 9):
                levels[ilvl], pos = _read_level(table, pos)
            self._lists[lsid] = levels

    def _read_overrides(self, table: bytes, fc: int, lcb: int) -> None:
        if lcb < 4:
            return
        count = struct.unpack_from("<i", table, fc)[0]
        heads = [(struct.unpack_from("<i", table, fc + 4 + i * _LFO_SIZE)[0], table[fc + 4 + i * _LFO_SIZE + 12])
                 for i in range(max(0, count))]
        pos = fc + 4 + count * _LFO_SIZE
        for lsid, n_levels in heads:  # then each override's data: a cp, and its LFOLVLs
            pos += 4
            starts: dict[int, int] = {}
            levels: dict[int, Level] = {}
            for _ in range(n_levels):
                start, flags = struct.unpack_from("<iI", table, pos)
                pos += 8
                ilvl = flags & 0x0F
                if flags & 0x10:  # fStartAt
                    starts[ilvl] = start
                if flags & 0x20:  # fFormatting: a whole new level follows
                    levels[ilvl], pos = _read_level(table, pos)
            self._overrides.append(_Override(lsid, starts, levels))


def _read_level(table: bytes, pos: int) -> tuple[Level, int]:
    """One LVL: its fixed part (LVLF), two property lists, then the number text, where the
    characters 0-8 stand for the counters of levels 1-9. Returns it and the position after it."""
    start, nfc, flags = struct.unpack_from("<iBB", table, pos)
    cb_chpx, cb_papx, restart_limit = table[pos + 24], table[pos + 25], table[pos + 26]
    pos += _LVLF_SIZE + cb_papx + cb_chpx
    cch = struct.unpack_from("<H", table, pos)[0]
    raw = table[pos + 2:pos + 2 + 2 * cch].decode("utf-16-le", "replace")
    pos += 2 + 2 * cch
    text = "".join(f"%{ord(ch) + 1}" if ord(ch) < MAX_LEVELS else ch for ch in raw)
    level = Level(
        start=start,
        fmt=_FORMATS.get(nfc, "decimal"),
        text=text,
        restart=restart_limit if flags & 0x08 else None,  # fNoRestart: restart only after that level
        legal=bool(flags & 0x04),
    )
    return level, pos
