"""Visible list labels ("1.2.", "a)", "第三章", "•") computed from numbering.xml.

Written by hand: python-docx exposes no numbering API, and Word stores only the list
definition (w:abstractNum levels with w:lvlText templates such as "%1.%2.") plus per-paragraph
references (w:numPr); the numbers themselves are computed by the renderer while laying out
the document in order, which is what :class:`Numbering` replays.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from lxml import etree

from ingest.parsers.docx_styles import StyleSheet
from ingest.parsers.docx_xml import attr, child, child_val, local, to_int

MAX_LEVELS = 9


@dataclass(frozen=True)
class Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = ""
    restart: int | None = None  # w:lvlRestart: 0 = never restart; None = after any higher level
    legal: bool = False  # w:isLgl: show every level as a decimal number


def _parse_level(el: etree._Element) -> Level:
    fmt_el = child(el, "numFmt")
    if fmt_el is None:  # Word 2010 custom formats: mc:AlternateContent/mc:Fallback/w:numFmt
        for alt in el.iter("{*}Fallback"):
            fmt_el = child(alt, "numFmt")
            break
    lvl_text = child(el, "lvlText")
    return Level(
        start=to_int(child_val(el, "start"), 1) or 0,
        fmt=(attr(fmt_el, "val") if fmt_el is not None else None) or "decimal",
        text=(attr(lvl_text, "val") or "") if lvl_text is not None else "",
        restart=to_int(child_val(el, "lvlRestart")),
        legal=child(el, "isLgl") is not None and (child_val(el, "isLgl") or "1") not in ("0", "false", "off"),
    )


def _levels(el: etree._Element) -> dict[int, Level]:
    return {to_int(attr(lvl, "ilvl"), 0) or 0: _parse_level(lvl) for lvl in el if local(lvl) == "lvl"}


@dataclass
class _Num:
    abstract_id: str
    level_overrides: dict[int, Level]
    start_overrides: dict[int, int]


class Numbering:
    """Replays Word's list counters over the paragraphs, in document order."""

    def __init__(self, numbering: etree._Element | None, styles: StyleSheet) -> None:
        self._styles = styles
        self._abstract: dict[str, dict[int, Level]] = {}
        self._style_link: dict[str, str] = {}  # abstractNumId -> numbering style id
        self._nums: dict[str, _Num] = {}
        self._counters: dict[str, list[int | None]] = {}
        self._resolved: dict[str, tuple[str, dict[int, Level]]] = {}
        self._restarted: set[str] = set()  # w:num ids whose startOverride has been applied
        if numbering is None:
            return
        for el in numbering:
            name = local(el)
            if name == "abstractNum":
                abs_id = attr(el, "abstractNumId") or ""
                self._abstract[abs_id] = _levels(el)
                link = child_val(el, "numStyleLink")
                if link:
                    self._style_link[abs_id] = link
            elif name == "num":
                self._add_num(el)

    def _add_num(self, el: etree._Element) -> None:
        num_id = attr(el, "numId")
        if num_id is None:
            return
        overrides: dict[int, Level] = {}
        starts: dict[int, int] = {}
        for ov in el:
            if local(ov) != "lvlOverride":
                continue
            ilvl = to_int(attr(ov, "ilvl"), 0) or 0
            start = to_int(child_val(ov, "startOverride"))
            if start is not None:
                starts[ilvl] = start
            lvl = child(ov, "lvl")
            if lvl is not None:
                overrides[ilvl] = _parse_level(lvl)
        self._nums[num_id] = _Num(child_val(el, "abstractNumId") or "", overrides, starts)

    def _resolve(self, num_id: str, depth: int = 0) -> tuple[str, dict[int, Level]]:
        """The list a w:num counts in (its abstractNum, followed through a numbering-style
        link as "List Number"-style lists are stored) and its effective levels."""
        if num_id in self._resolved:
            return self._resolved[num_id]
        num = self._nums.get(num_id)
        if num is None:
            return "", {}
        list_id, levels = num.abstract_id, dict(self._abstract.get(num.abstract_id, {}))
        link = self._style_link.get(num.abstract_id)
        if link and depth < 3:
            linked_num, _ = self._styles.numbering(link)
            if linked_num and linked_num != num_id and linked_num in self._nums:
                list_id, linked = self._resolve(linked_num, depth + 1)
                levels = dict(linked) or levels
        levels.update(num.level_overrides)
        for ilvl, start in num.start_overrides.items():
            levels[ilvl] = replace(levels.get(ilvl, Level()), start=start)
        self._resolved[num_id] = (list_id, levels)
        return list_id, levels

    def snapshot(self) -> tuple[dict[str, list[int | None]], set[str]]:
        """The counter state, to undo a pass over a table that has to be read again."""
        return {key: list(values) for key, values in self._counters.items()}, set(self._restarted)

    def restore(self, snapshot: tuple[dict[str, list[int | None]], set[str]]) -> None:
        counters, restarted = snapshot
        self._counters = {key: list(values) for key, values in counters.items()}
        self._restarted = set(restarted)

    def label(self, num_id: str | None, ilvl: int | None) -> str:
        """Advance the list counter for this paragraph and return its visible label."""
        if not num_id or num_id == "0":  # numId 0 explicitly removes numbering
            return ""
        num = self._nums.get(num_id)
        list_id, levels = self._resolve(num_id)
        ilvl = min(max(ilvl or 0, 0), MAX_LEVELS - 1)
        level = levels.get(ilvl)
        if num is None or level is None:
            return ""
        # Word counts per list definition (abstractNum): w:num instances sharing one continue
        # each other. "Restart at" / "Set numbering value" gives one paragraph a new w:num with
        # a startOverride, and the items after it (still on the old w:num) continue from there,
        # so an override restarts the shared counter once, at the first use of its w:num.
        counters = self._counters.setdefault(list_id, [None] * MAX_LEVELS)
        if num.start_overrides and num_id not in self._restarted:
            self._restarted.add(num_id)
            for overridden in num.start_overrides:
                counters[overridden] = None
        return count_and_label(counters, levels, ilvl)


def count_and_label(counters: list[int | None], levels: dict[int, Level], ilvl: int) -> str:
    """Advance a list's counters (one per level; None = not yet used) for an item at ``ilvl``,
    restart the deeper levels that restart after it, and return the item's visible label.
    Shared with the legacy .doc reader, whose lists count the same way."""
    level = levels[ilvl]
    counters[ilvl] = level.start if counters[ilvl] is None else counters[ilvl] + 1  # type: ignore[operator]
    for deeper in range(ilvl + 1, MAX_LEVELS):
        restart = levels[deeper].restart if deeper in levels else None
        if restart is None or (restart > 0 and ilvl < restart):
            counters[deeper] = None
    if level.fmt == "bullet":
        return _bullet(level.text)
    if level.fmt == "none":
        return _PLACEHOLDER.sub("", level.text).strip()

    def fill(m: re.Match[str]) -> str:
        k = int(m.group(1)) - 1
        lv = levels.get(k, Level())
        value = counters[k] if counters[k] is not None else lv.start
        return format_number(value or 0, "decimal" if level.legal else lv.fmt)

    return _PLACEHOLDER.sub(fill, level.text).strip()


_PLACEHOLDER = re.compile(r"%([1-9])")


def _bullet(text: str) -> str:
    """Bullets are often Symbol/Wingdings private-use glyphs that mean nothing as text."""
    text = text.strip()
    if not text or any(0xE000 <= ord(ch) <= 0xF8FF for ch in text):
        return "•"
    return "◦" if text == "o" else text


_ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
          (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))  # fmt: skip
_ZH_DIGITS = "零一二三四五六七八九"
_ZH_LEGAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"
_DIZHI = "子丑寅卯辰巳午未申酉戌亥"


def _roman(n: int) -> str:
    out = ""
    for value, sym in _ROMAN:
        while n >= value:
            out += sym
            n -= value
    return out


def _letters(n: int) -> str:
    # Word's lowerLetter goes a..z, aa..zz, aaa..: the letter repeated, not base-26.
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def _chinese(n: int, digits: str = _ZH_DIGITS, units: str = "十百千") -> str:
    """1 -> 一, 10 -> 十, 21 -> 二十一, 105 -> 一百零五 (up to 9999)."""
    out, zero = "", False
    for pos in range(3, -1, -1):
        d = n // 10**pos % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out += digits[0]
            zero = False
        out += digits[d] + (units[pos - 1] if pos else "")
    if 10 <= n < 20 and digits is _ZH_DIGITS:
        out = out[1:]  # 十一, not 一十一
    return out


def format_number(n: int, fmt: str) -> str:
    """One counter value in a w:numFmt format; unknown formats fall back to decimal."""
    if n <= 0 and fmt not in ("decimalZero",):
        return str(n)
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt in ("lowerRoman", "upperRoman"):
        r = _roman(n)
        return r.upper() if fmt == "upperRoman" else r
    if fmt in ("lowerLetter", "upperLetter"):
        s = _letters(n)
        return s.upper() if fmt == "upperLetter" else s
    if fmt == "ordinal":
        suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
        return f"{n}{suffix}"
    if n < 10000 and fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting",
                             "taiwaneseCounting", "taiwaneseCountingThousand"):  # fmt: skip
        return _chinese(n)
    if n < 10000 and fmt == "chineseLegalSimplified":
        return _chinese(n, _ZH_LEGAL_DIGITS, "拾佰仟")
    if fmt == "ideographTraditional":
        return _TIANGAN[(n - 1) % 10]
    if fmt == "ideographZodiac":
        return _DIZHI[(n - 1) % 12]
    if fmt in ("ideographDigital", "taiwaneseDigital", "japaneseDigitalTenThousand"):
        return "".join("〇一二三四五六七八九"[int(d)] for d in str(n))
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese", "ideographEnclosedCircle") and n <= 20:
        return chr(0x2460 + n - 1)
    if fmt in ("decimalFullWidth", "decimalFullWidth2"):
        return "".join(chr(0xFF10 + int(d)) for d in str(n))
    if fmt == "decimalEnclosedParen":
        return f"({n})"
    if fmt == "decimalEnclosedFullstop":
        return f"{n}."
    return str(n)
