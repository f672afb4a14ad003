"""HTML pages (.html, .htm): a saved intranet page, a regulation copied from a government site.

lxml parses the page as forgivingly as a browser. What a reader sees becomes blocks in reading
order: <h1>-<h6> build the section path (as Word headings do), paragraphs and list items (with
their bullet or number) become blocks, and tables go through the Word parser's table rendering
(:func:`ingest.parsers.docx_tables.render_table`: one "header: value" block per row, spans
repeated). Scripts, styles, forms and navigation menus are not content; when the page marks its
content (<main>, or a single <article>), only that is read, so the site's menus and footers do not
flood every search. The text of a block is whitespace-collapsed the way a browser shows it,
except that no space is put between two CJK characters a line break separated in the source.

No library turns HTML into structured blocks with a heading path (html2text and friends emit
Markdown or plain text, losing the structure we need for citations), hence this walker.
"""
from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from ingest.blocks import Block, BlockKind, ParseResult
from ingest.parsers import html_tables
from ingest.parsers.docx_tables import Cell, Row, render_table
from ingest.textutil import is_cjk

_HEADINGS = {f"h{i}": i for i in range(1, 7)}
_SKIP = {"script", "style", "noscript", "template", "svg", "math", "iframe", "object", "embed", "canvas",
         "nav", "form", "button", "select", "option", "input", "textarea", "head", "title", "meta", "link"}
_BLOCKS = {"p", "div", "section", "article", "main", "header", "footer", "aside", "blockquote", "pre", "address",
           "figure", "figcaption", "center", "dl", "dt", "dd", "ul", "ol", "li", "table", "caption", "hr", "body",
           "fieldset", "details", "summary", *_HEADINGS}
_WHITESPACE = re.compile(r"\s+")
_MARKER_ONLY = re.compile(r"•|\d+\.")


def parse(path: Path) -> ParseResult:
    path = Path(path)
    root = html_tables.read_page_file(path)
    walker = _Walker()
    walker.walk(_content(root))
    title = _collapse(root.findtext(".//title") or "") or walker.first_h1 or path.stem
    return ParseResult(blocks=walker.blocks, title=title, warnings=[])


def _content(root) -> etree._Element:
    """The page's marked content when it marks it (<main>, or one <article>), else its body."""
    mains = root.findall(".//main") or [a for a in root.iter("div", "section") if a.get("role") == "main"]
    if len(mains) == 1:
        return mains[0]
    articles = root.findall(".//article")
    if len(articles) == 1:
        return articles[0]
    body = root.find(".//body")
    return body if body is not None else root


_BR = "\u2028"  # a <br> in gathered text, told apart from the source's own line breaks


def _collapse(raw: str) -> str:
    """Whitespace as a browser shows it, except that a source line break between two CJK
    characters joins them ("规范公司\n  考勤" -> "规范公司考勤"), as a browser's CJK line breaking does."""
    def join(m: re.Match[str]) -> str:
        before, after = raw[m.start() - 1 : m.start()], raw[m.end() : m.end() + 1]
        wrapped = "\n" in m.group(0) and before and after and is_cjk(before) and is_cjk(after)
        return "" if wrapped else " "

    return _WHITESPACE.sub(join, raw).strip()


class _Walker:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.headings: list[tuple[int, str]] = []
        self.first_h1: str | None = None
        self._inline: list[str] = []  # text of the paragraph being gathered, line by line
        self._items = 0  # list items open around the text being gathered

    @property
    def section_path(self) -> tuple[str, ...]:
        return tuple(h for _, h in self.headings)

    def walk(self, element) -> None:
        self._children(element)
        self._flush()

    def _children(self, element) -> None:
        self._text(element.text)
        for child in element:
            self._element(child)
            self._text(child.tail)

    def _element(self, el) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if not tag or tag in _SKIP or el.get("role") == "navigation" or el.get("hidden") is not None:
            return
        if tag == "br":
            self._inline.append(_BR)
        elif tag not in _BLOCKS:
            self._children(el)  # inline markup (<a>, <b>, <span>, <font> ...): part of the paragraph
        elif tag in _HEADINGS:
            self._flush()
            self._heading(_HEADINGS[tag], self._text_of(el))
        elif tag == "table":
            self._flush()
            self.blocks.extend(render_table(self._rows(el), self.section_path))
        elif tag in ("ul", "ol"):
            self._flush()
            self._list(el)
        elif tag == "pre":  # preformatted (a command, an address block): its lines are its layout
            self._flush()
            self._inline.append(_BR.join(" ".join(line.split()) for line in el.text_content().splitlines()))
            self._flush()
        else:
            self._flush()
            self._children(el)
            self._flush(BlockKind.LIST if tag == "li" else None)

    def _heading(self, level: int, heading: str) -> None:
        if not heading:
            return
        while self.headings and self.headings[-1][0] >= level:
            self.headings.pop()
        self.headings.append((level, heading))
        self.first_h1 = self.first_h1 or (heading if level == 1 else None)
        self.blocks.append(Block(heading, BlockKind.HEADING, section_path=self.section_path))

    def _list(self, el) -> None:
        number = _int(el.get("start"), 1)
        for item in el:
            if not isinstance(item.tag, str) or item.tag != "li":
                self._element(item)  # stray markup between items
                continue
            marker = f"{number}." if el.tag == "ol" else "•"
            number += 1
            self._inline.append(marker + " ")
            self._items += 1
            self._children(item)  # a nested list flushes this item first, then its own items
            self._items -= 1
            self._flush(BlockKind.LIST)

    def _text(self, value: str | None) -> None:
        if value:
            self._inline.append(value)

    def _flush(self, kind: BlockKind | None = None) -> None:
        kind = kind or (BlockKind.LIST if self._items else BlockKind.PARAGRAPH)
        lines = [_collapse(line) for line in "".join(self._inline).split(_BR)]
        self._inline = []
        body = "\n".join(line for line in lines if line)
        # an empty list item leaves only its marker ("•", "3. "); a paragraph "2025" is content
        if body and not (kind is BlockKind.LIST and _MARKER_ONLY.fullmatch(body)):
            self.blocks.append(Block(body, kind, section_path=self.section_path))

    def _text_of(self, el) -> str:
        parts = [el.text or ""]
        for node in el.iterdescendants():
            if isinstance(node.tag, str) and node.tag not in _SKIP:
                parts.append(" " if node.tag == "br" else (node.text or ""))
            parts.append(node.tail or "")
        return _collapse("".join(parts))

    def _rows(self, table) -> list[Row]:
        """The table's rows as the Word table renderer reads them: cells on a column grid, a
        row-spanning cell repeated (same key) in the rows it covers."""
        rows: list[Row] = []
        spanning: dict[int, tuple[Cell, int]] = {}  # grid column -> (cell, rows it still covers)
        for tr in html_tables.rows_of(table):
            cells: list[Cell] = []
            col = 0
            for td in tr:
                if not isinstance(td.tag, str) or td.tag not in ("td", "th"):
                    continue
                while col in spanning:
                    col = self._carry(spanning, col, cells)
                span = html_tables.span(td.get("colspan"))
                cell = Cell(col, span, td, self._text_of(td))
                cells.append(cell)
                rows_left = html_tables.span(td.get("rowspan")) - 1
                if rows_left:
                    spanning[col] = (cell, rows_left)
                col += span
            for c in sorted(k for k in spanning if k >= col):
                self._carry(spanning, c, cells)
            is_header = all(td.tag == "th" for td in tr if isinstance(td.tag, str)) or tr.getparent().tag == "thead"
            rows.append(Row(sorted(cells, key=lambda c: c.col), is_header))
        return rows

    @staticmethod
    def _carry(spanning: dict[int, tuple[Cell, int]], col: int, cells: list[Cell]) -> int:
        """Put the cell spanning down into ``col`` in this row; the next free column."""
        cell, left = spanning.pop(col)
        cells.append(cell)
        if left > 1:
            spanning[col] = (cell, left - 1)
        return col + cell.span


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value else default
    except ValueError:
        return default
