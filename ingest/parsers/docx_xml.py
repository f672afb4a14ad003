"""Namespace-agnostic helpers over WordprocessingML elements (lxml).

Everything here matches elements by *local name* so the same code reads Transitional
documents (``schemas.openxmlformats.org``), Strict OOXML (``purl.oclc.org``) and the
element trees python-docx hands us.

Paragraph text is extracted by hand because python-docx's ``Paragraph.text`` only reads
direct ``w:r`` / ``w:hyperlink`` children: text inside content controls (``w:sdt``),
tracked insertions (``w:ins``), simple fields (``w:fldSimple``), smart tags and equations
(OMML) would be lost, and the fallback path has no python-docx objects at all.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

# One parser for every part we parse ourselves: no entity expansion, no network access,
# libxml2's default size/depth limits kept (huge_tree off) so a hostile file cannot blow up
# memory. Blank text is *not* removed: a w:t holding a single space is real content.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


def parse_xml(data: bytes) -> etree._Element:
    """Parse one package part safely (raises lxml.etree.XMLSyntaxError on malformed XML)."""
    return etree.fromstring(data, parser=_PARSER)


def local(el: etree._Element) -> str:
    """Local name of an element ('' for comments and processing instructions)."""
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def attr(el: etree._Element, name: str) -> str | None:
    """An attribute in the element's own namespace (w:val on a w: element), or unqualified."""
    tag = el.tag
    if isinstance(tag, str) and tag.startswith("{"):
        value = el.get(tag[: tag.index("}") + 1] + name)
        if value is not None:
            return value
    return el.get(name)


def attr_any_ns(el: etree._Element, name: str) -> str | None:
    """An attribute by local name in any namespace (r:id lives in a different namespace)."""
    for key, value in el.attrib.items():
        if key.rpartition("}")[2] == name:
            return value
    return None


def child(el: etree._Element | None, name: str) -> etree._Element | None:
    """First direct child with the given local name."""
    if el is None:
        return None
    for c in el:
        if local(c) == name:
            return c
    return None


def child_val(el: etree._Element | None, name: str) -> str | None:
    """The ``val`` attribute of a direct child (``w:pStyle w:val="Heading1"``)."""
    c = child(el, name)
    return None if c is None else attr(c, "val")


def to_int(value: str | None, default: int | None = None) -> int | None:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def is_on(el: etree._Element | None) -> bool:
    """An OOXML on/off property: present and not val="0"/"false"/"off"."""
    if el is None:
        return False
    return (attr(el, "val") or "true").lower() not in ("0", "false", "off")


# Wrappers that may sit between a container and its paragraphs/tables/rows/cells.
_BLOCK_WRAPPERS = frozenset({"sdt", "sdtContent", "customXml", "ins", "moveTo", "smartTag"})


def block_children(container: etree._Element, names: tuple[str, ...] = ("p", "tbl")) -> Iterator[etree._Element]:
    """Direct block children in document order, looking through content controls.

    python-docx's ``iter_inner_content`` only sees direct w:p/w:tbl children, so a cover
    page or whole sections wrapped in a block-level content control (w:sdt) would vanish.
    """
    for c in container:
        name = local(c)
        if name in names:
            yield c
        elif name in _BLOCK_WRAPPERS:
            yield from block_children(c, names)


# Subtrees whose text is not part of the paragraph's visible text, or is handled elsewhere:
# deletions, the Fallback copy of mc:AlternateContent, text boxes and drawings (read
# separately, once), field instructions and property elements.
_SKIP = frozenset(
    {
        "del", "moveFrom", "Fallback", "txbxContent", "drawing", "pict", "object",
        "pPr", "rPr", "instrText", "delText", "delInstrText", "fldData",
        "footnoteReference", "endnoteReference", "commentReference", "annotationRef",
    }
)  # fmt: skip


def _collect(el: etree._Element, out: list[str]) -> None:
    for c in el:
        name = local(c)
        if not name or name in _SKIP:
            continue
        if name == "t":  # w:t and m:t (equations)
            if c.text:
                out.append(c.text)
        elif name in ("tab", "ptab"):
            out.append(" ")
        elif name == "br":
            out.append(" " if attr(c, "type") in ("page", "column") else "\n")
        elif name == "cr":
            out.append("\n")
        elif name == "noBreakHyphen":
            out.append("-")
        elif len(c):
            _collect(c, out)


_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")


def clean_text(raw: str) -> str:
    """Collapse spaces within lines, drop empty lines, trim.

    Not textutil.normalize_space: Word text is not line-wrapped, and that helper drops the
    author's spaces between CJK and Latin words ("使用 Python" -> "使用Python").
    """
    raw = _INVISIBLE.sub("", raw)
    lines = (_SPACES.sub(" ", line).strip() for line in raw.split("\n"))
    return "\n".join(line for line in lines if line)


def paragraph_text(p: etree._Element) -> str:
    """Visible text of one w:p (without its list label, text boxes or deleted text)."""
    out: list[str] = []
    _collect(p, out)
    return clean_text("".join(out))


def text_boxes(el: etree._Element) -> list[etree._Element]:
    """w:txbxContent elements inside ``el``, each exactly once.

    A DrawingML text box is stored twice (mc:Choice and a VML copy in mc:Fallback); only the
    first is kept. Boxes nested in another box are left to the recursion into that box.
    """
    found = []
    for box in el.iter("{*}txbxContent"):
        anc = box.getparent()
        while anc is not None and anc is not el and local(anc) not in ("Fallback", "txbxContent"):
            anc = anc.getparent()
        if anc is None or anc is el:
            found.append(box)
    return found
