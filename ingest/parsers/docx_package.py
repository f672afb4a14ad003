"""Open a .docx package and hand back the XML parts the walker reads.

Two loaders with one result type: python-docx (the normal path) and a plain zipfile + lxml
reader, used when python-docx cannot open the package (Strict OOXML, odd relationships,
content types it does not know). The zip reader follows ``_rels/.rels`` to the main part
because some producers do not name it word/document.xml.
"""
from __future__ import annotations

import posixpath
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from ingest.blocks import ParseError
from ingest.parsers.docx_xml import attr_any_ns, child, local, parse_xml

NOT_DOCX = "not a valid .docx file (corrupt, or a different format renamed to .docx)"
_OTHER_FORMATS = {
    "workbook": "an Excel workbook renamed to .docx",
    "presentation": "a PowerPoint presentation renamed to .docx",
}


@dataclass
class DocParts:
    """The parts of one Word document, as lxml elements."""

    body: etree._Element
    styles: etree._Element | None = None
    numbering: etree._Element | None = None
    notes: list[tuple[str, etree._Element]] = field(default_factory=list)  # ("Footnotes", el)
    headers_footers: list[etree._Element] = field(default_factory=list)  # in order of reference
    core_title: str = ""
    # Parent object for python-docx Table proxies; None means read tables from the XML.
    table_parent: object | None = None


def _header_footer_ids(body: etree._Element) -> list[str]:
    ids: list[str] = []
    for ref in body.iter("{*}headerReference", "{*}footerReference"):
        rid = attr_any_ns(ref, "id")
        if rid and rid not in ids:
            ids.append(rid)
    return ids


def load_with_python_docx(path: Path) -> DocParts:
    """The normal path; raises whatever python-docx raises for packages it cannot read."""
    import docx  # python-docx (absolute import; this module is ingest.parsers.docx_package)

    document = docx.Document(str(path))
    part = document.part
    rels = part.rels

    def element(p: object) -> etree._Element:
        el = getattr(p, "element", None)  # python-docx XmlPart; other parts only have bytes
        return el if el is not None else parse_xml(p.blob)  # type: ignore[attr-defined]

    def related(suffix: str) -> list[etree._Element]:
        return [element(r.target_part) for r in rels.values() if not r.is_external and r.reltype.endswith(suffix)]

    body = document.element.body
    hdrftr = []
    for rid in _header_footer_ids(body):
        rel = rels.get(rid)
        if rel is not None and not rel.is_external:
            hdrftr.append(element(rel.target_part))
    styles = related("/styles")
    numbering = related("/numbering")
    notes = [("Footnotes", el) for el in related("/footnotes")] + [("Endnotes", el) for el in related("/endnotes")]
    return DocParts(
        body=body,
        styles=styles[0] if styles else None,
        numbering=numbering[0] if numbering else None,
        notes=notes,
        headers_footers=hdrftr,
        core_title=document.core_properties.title or "",
        table_parent=document,
    )


class _Zip:
    """Part lookup by package path, tolerant of case differences and leading slashes."""

    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf
        self.names = {n.lower().lstrip("/"): n for n in zf.namelist()}

    def read(self, name: str) -> bytes | None:
        real = self.names.get(name.lower().lstrip("/"))
        return None if real is None else self.zf.read(real)

    def xml(self, name: str) -> etree._Element | None:
        data = self.read(name)
        if data is None:
            return None
        try:
            return parse_xml(data)
        except etree.XMLSyntaxError as exc:
            raise ParseError(f"not a valid .docx file: part {name} is not well-formed XML ({exc})") from exc

    def rels(self, source: str) -> list[tuple[str, str, str]]:
        """(id, type, target path) of a part's internal relationships ('' = the package)."""
        folder, name = posixpath.split(source)
        root = self.xml(posixpath.join(folder, "_rels", name + ".rels"))
        out = []
        for rel in root if root is not None else ():
            if local(rel) != "Relationship" or rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target") or ""
            full = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            out.append((rel.get("Id") or "", rel.get("Type") or "", full))
        return out


def load_with_zip(path: Path) -> DocParts:
    """Read the parts with zipfile + lxml only; raises ParseError when this is no Word file."""
    try:
        with zipfile.ZipFile(path) as zf:
            return _load(_Zip(zf))
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as exc:
        # RuntimeError: encrypted zip entries; NotImplementedError: unknown compression.
        raise ParseError(NOT_DOCX) from exc


def _load(pkg: _Zip) -> DocParts:
    package_rels = pkg.rels("")
    main = next((t for _, typ, t in package_rels if typ.endswith("/officeDocument")), "word/document.xml")
    root = pkg.xml(main)
    if root is None:
        raise ParseError(NOT_DOCX)
    body = child(root, "body")
    if local(root) != "document" or body is None:
        other = _OTHER_FORMATS.get(local(root))
        raise ParseError(f"not a Word document: it is {other}" if other else NOT_DOCX)
    rels = pkg.rels(main)

    def related(suffix: str) -> list[etree._Element]:
        found = (pkg.xml(t) for _, typ, t in rels if typ.endswith(suffix))
        return [el for el in found if el is not None]

    by_id = {rid: target for rid, _, target in rels}
    hdrftr = [el for rid in _header_footer_ids(body) if rid in by_id for el in [pkg.xml(by_id[rid])] if el is not None]
    styles = related("/styles")
    numbering = related("/numbering")
    core = next((pkg.xml(t) for _, typ, t in package_rels if typ.endswith("/core-properties")), None)
    title_el = next(core.iter("{*}title"), None) if core is not None else None
    return DocParts(
        body=body,
        styles=styles[0] if styles else None,
        numbering=numbering[0] if numbering else None,
        notes=[("Footnotes", el) for el in related("/footnotes")] + [("Endnotes", el) for el in related("/endnotes")],
        headers_footers=hdrftr,
        core_title=(title_el.text or "") if title_el is not None else "",
        table_parent=None,
    )
