"""Which paragraph styles are headings (and at what level), and which carry list numbering.

Read from styles.xml directly rather than through python-docx's style objects: those expose
neither the outline level (w:outlineLvl) nor the numbering of a style, and the XML fallback
path has no python-docx objects.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from ingest.parsers.docx_xml import attr, child, child_val, local, to_int

# Heading names as Word stores them ("heading 1"; built-in names are stored in English even
# in a Chinese Word) and as localised editors / templates write them ("标题 1", "标题1").
_HEADING_NAME = re.compile(
    r"(?:heading|标题|標題|überschrift|titre|kop|titolo|título|encabezado|заголовок|nagłówek|見出し|제목)"
    r"\s*([1-9])"
)
_TITLE_NAME = re.compile(r"title|标题|標題|titel|titre|titolo|título|заголовок|表題|タイトル|제목")
_TOC_NAME = re.compile(r"(?:toc|目录|目錄)\s*[1-9]|toc heading|目录标题")
_HEADING_ID = re.compile(r"heading\s*([1-9])")

TITLE_LEVEL = 0  # a Title paragraph sits above Heading 1 in the section path


@dataclass(frozen=True)
class StyleDef:
    style_id: str
    name: str  # lower-cased, stripped
    kind: str  # paragraph | character | table | numbering
    based_on: str | None
    outline_lvl: int | None
    num_id: str | None
    ilvl: int | None


class StyleSheet:
    """Style lookups with the based-on chain followed (cycle-safe) and memoised."""

    def __init__(self, styles: etree._Element | None) -> None:
        self._styles: dict[str, StyleDef] = {}
        self.default_paragraph: str | None = None
        if styles is not None:
            for el in styles:
                if local(el) == "style":
                    self._add(el)
        self._levels: dict[str | None, int | None] = {}

    def _add(self, el: etree._Element) -> None:
        style_id = attr(el, "styleId")
        if not style_id:
            return
        kind = attr(el, "type") or "paragraph"
        ppr = child(el, "pPr")
        numpr = child(ppr, "numPr")
        self._styles[style_id] = StyleDef(
            style_id=style_id,
            name=(child_val(el, "name") or "").strip().lower(),
            kind=kind,
            based_on=child_val(el, "basedOn"),
            outline_lvl=to_int(child_val(ppr, "outlineLvl")),
            num_id=child_val(numpr, "numId"),
            ilvl=to_int(child_val(numpr, "ilvl")),
        )
        if kind == "paragraph" and (attr(el, "default") or "").lower() in ("1", "true", "on"):
            self.default_paragraph = style_id

    def get(self, style_id: str | None) -> StyleDef | None:
        return self._styles.get(style_id or "")

    def _chain(self, style_id: str | None) -> list[StyleDef]:
        """The style and its based-on ancestors, nearest first (stops on cycles)."""
        chain: list[StyleDef] = []
        seen: set[str] = set()
        current = self._styles.get(style_id or self.default_paragraph or "")
        while current is not None and current.style_id not in seen and len(chain) < 20:
            seen.add(current.style_id)
            chain.append(current)
            current = self._styles.get(current.based_on or "")
        return chain

    def heading_level(self, style_id: str | None) -> int | None:
        """0 for Title, N for Heading N / outline level N-1, None for body text."""
        if style_id in self._levels:
            return self._levels[style_id]
        level = None
        for style in self._chain(style_id):
            if style.kind != "paragraph":
                break
            if style.outline_lvl is not None:  # outline level 9 means "body text"
                level = style.outline_lvl + 1 if 0 <= style.outline_lvl < 9 else None
                break
            m = _HEADING_NAME.fullmatch(style.name) or _HEADING_ID.fullmatch(style.style_id.lower())
            if m:
                level = int(m.group(1))
                break
            if _TITLE_NAME.fullmatch(style.name) or style.style_id.lower() == "title":
                level = TITLE_LEVEL
                break
        self._levels[style_id] = level
        return level

    def is_toc(self, style_id: str | None) -> bool:
        """Table-of-contents entries repeat the headings with page numbers: noise for search."""
        style = self._styles.get(style_id or "")
        return style is not None and bool(_TOC_NAME.fullmatch(style.name))

    def numbering(self, style_id: str | None) -> tuple[str | None, int | None]:
        """(numId, ilvl) a paragraph inherits from its style chain (either may be None)."""
        num_id = ilvl = None
        for style in self._chain(style_id):
            if num_id is None and style.num_id is not None:
                num_id = style.num_id
            if ilvl is None and style.ilvl is not None:
                ilvl = style.ilvl
        return num_id, ilvl
