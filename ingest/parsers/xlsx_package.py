"""Find the parts of an .xlsx package ourselves: workbook, sheets, shared strings, styles, title.

Why by hand: openpyxl's read-only worksheets do not expose merged ranges, and openpyxl
sees no sheets at all in Strict OOXML workbooks (namespaces ``http://purl.oclc.org/ooxml/...``)
and raises on some workbooks it cannot model (pivot caches). Matching elements by local
name and relationships by the end of their type URI reads both Transitional and Strict
packages; this module is what the merged-range scan and the fallback reader stand on.
All XML is parsed with entity resolution, DTD loading and network access off.
"""
from __future__ import annotations

import posixpath
import zipfile
from dataclasses import dataclass, field

from lxml import etree
from openpyxl.styles.numbers import BUILTIN_FORMATS
from openpyxl.utils.escape import unescape

from ingest.blocks import ParseError


def safe_parser() -> etree.XMLParser:
    # One per call: lxml parsers must not be shared between threads.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True)


def safe_iterparse(source, tag: str | tuple[str, ...]) -> etree.iterparse:
    return etree.iterparse(
        source, events=("end",), tag=tag, resolve_entities=False, no_network=True, load_dtd=False
    )


def local(tag: object) -> str:
    """Element name without namespace ('{ns}sheet' -> 'sheet'); comments/PIs give ''."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def clear_element(elem: etree._Element) -> None:
    """Free a processed element and its already-parsed siblings (keeps iterparse memory flat)."""
    elem.clear()
    while elem.getprevious() is not None:
        del elem.getparent()[0]


@dataclass(frozen=True)
class SheetRef:
    name: str
    state: str  # "visible" | "hidden" | "veryHidden"
    part: str | None  # zip member holding the sheet XML
    is_worksheet: bool  # False for chart sheets, dialog and macro sheets


@dataclass
class Package:
    zf: zipfile.ZipFile
    workbook_part: str
    sheets: list[SheetRef] = field(default_factory=list)
    date1904: bool = False
    _members: dict[str, str] = field(default_factory=dict)

    def member(self, name: str | None) -> str | None:
        """The zip member for a part name; case-insensitive because some writers differ."""
        if not name:
            return None
        if not self._members:
            self._members = {n.lower(): n for n in self.zf.namelist()}
        return self._members.get(name.lower())

    def xml(self, part: str) -> etree._Element:
        name = self.member(part)
        if name is None:
            raise ParseError(f"not a valid .xlsx file (missing part {part})")
        return etree.fromstring(self.zf.read(name), safe_parser())

    def sheet_part(self, sheet_name: str) -> str | None:
        for ref in self.sheets:
            if ref.name == sheet_name:
                return self.member(ref.part)
        return None


def _rels_part(part: str) -> str:
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")


def relationships(pkg: Package, part: str) -> dict[str, tuple[str, str]]:
    """rId -> (type URI, target part) for one part; internal targets only."""
    name = pkg.member(_rels_part(part))
    if name is None:
        return {}
    root = etree.fromstring(pkg.zf.read(name), safe_parser())
    rels: dict[str, tuple[str, str]] = {}
    folder = posixpath.dirname(part)
    for rel in root:
        if local(rel.tag) != "Relationship" or rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target") or ""
        if target.startswith("/"):
            resolved = target.lstrip("/")
        else:
            resolved = posixpath.normpath(posixpath.join(folder, target))
        rels[rel.get("Id") or ""] = (rel.get("Type") or "", resolved)
    return rels


def _by_type(rels: dict[str, tuple[str, str]], suffix: str) -> str | None:
    for rel_type, target in rels.values():
        if rel_type.endswith(suffix):
            return target
    return None


def open_package(zf: zipfile.ZipFile) -> Package:
    """Locate the workbook part and list its sheets (Transitional or Strict OOXML)."""
    pkg = Package(zf=zf, workbook_part="")
    workbook = _by_type(relationships(pkg, ""), "/officeDocument") or "xl/workbook.xml"
    if pkg.member(workbook) is None:
        raise ParseError("not a valid .xlsx file (no workbook part; a different format renamed to .xlsx?)")
    pkg.workbook_part = workbook
    root = pkg.xml(workbook)
    rels = relationships(pkg, workbook)
    for elem in root:
        name = local(elem.tag)
        if name == "workbookPr":
            pkg.date1904 = (elem.get("date1904") or "").lower() in ("1", "true")
        elif name == "sheets":
            for sheet in elem:
                if local(sheet.tag) != "sheet":
                    continue
                # r:id lives in the Transitional or the Strict relationships namespace.
                rid = next((v for k, v in sheet.attrib.items() if k.startswith("{") and local(k) == "id"), "")
                rel_type, target = rels.get(rid, ("", ""))
                pkg.sheets.append(
                    SheetRef(
                        name=sheet.get("name") or "",
                        state=sheet.get("state") or "visible",
                        part=target or None,
                        is_worksheet=rel_type.endswith("/worksheet"),
                    )
                )
    return pkg


def rich_text(elem: etree._Element) -> str:
    """Text of an <si>/<is> element: plain <t> and runs <r><t>, never phonetic <rPh> runs."""
    parts: list[str] = []
    for child in elem:
        name = local(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            parts.extend(t.text or "" for t in child if local(t.tag) == "t")
    return unescape("".join(parts))  # _x000D_-style escapes of control characters


def shared_strings(pkg: Package) -> list[str]:
    part = pkg.member(_by_type(relationships(pkg, pkg.workbook_part), "/sharedStrings"))
    if part is None:
        return []
    strings: list[str] = []
    with pkg.zf.open(part) as src:
        for _, si in safe_iterparse(src, tag="{*}si"):
            strings.append(rich_text(si))
            clear_element(si)
    return strings


def cell_formats(pkg: Package) -> list[str]:
    """Number format code for each cell style index (the ``s`` attribute of a cell)."""
    part = pkg.member(_by_type(relationships(pkg, pkg.workbook_part), "/styles"))
    if part is None:
        return []
    root = pkg.xml(part)
    custom: dict[int, str] = {}
    codes: list[str] = []
    for section in root:
        name = local(section.tag)
        if name == "numFmts":
            for fmt in section:
                try:
                    custom[int(fmt.get("numFmtId") or -1)] = fmt.get("formatCode") or "General"
                except ValueError:
                    continue
        elif name == "cellXfs":
            for xf in section:
                try:
                    fmt_id = int(xf.get("numFmtId") or 0)
                except ValueError:
                    fmt_id = 0
                codes.append(custom.get(fmt_id) or BUILTIN_FORMATS.get(fmt_id, "General"))
    return codes


def core_title(pkg: Package) -> str | None:
    """dc:title from the core properties part, if the author set one."""
    part = pkg.member(_by_type(relationships(pkg, ""), "/core-properties") or "docProps/core.xml")
    if part is None:
        return None
    try:
        root = pkg.xml(part)
    except etree.XMLSyntaxError:
        return None
    for elem in root:
        if local(elem.tag) == "title" and elem.text and elem.text.strip():
            return elem.text.strip()
    return None
