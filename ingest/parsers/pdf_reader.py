"""Opening a PDF with pypdf and getting at its pages, turning every pypdf failure into a reason.

pypdf raises many exception types on malformed input (its own PdfReadError family, but
also KeyError, ValueError, TypeError, AssertionError, RecursionError from deep inside its
object parser), so the boundary here catches ``Exception`` on purpose: whatever pypdf
throws on a bad file becomes a :class:`ParseError` with a short reason, never a traceback.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pypdf import PageObject, PasswordType, PdfReader
from pypdf.errors import DependencyError, EmptyFileError, FileNotDecryptedError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from ingest.blocks import ParseError

# Scanning for orphan page objects is a last resort; bound it so a huge file cannot stall us.
_MAX_OBJECTS_SCANNED = 200_000
_REASON_MAX = 120


@dataclass
class OpenedPdf:
    """A readable PDF: its pages in order and what was noticed while opening it."""

    reader: PdfReader
    pages: list[PageObject]
    warnings: list[str] = field(default_factory=list)


def short_reason(exc: BaseException) -> str:
    """One line, lower-case start, bounded length: 'invalid object in /Pages'."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    text = text[0].lower() + text[1:] if text[:1].isupper() and text[1:2].islower() else text
    return text if len(text) <= _REASON_MAX else text[: _REASON_MAX - 3] + "..."


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def pypdf_log_captured() -> Iterator[list[str]]:
    """Keep pypdf's own warnings ("Invalid parent xref., rebuild xref") off the user's
    terminal while parsing and hand them back, so the parser can summarise them."""
    logger = logging.getLogger("pypdf")
    collector = _Collector()
    old_propagate = logger.propagate
    logger.addHandler(collector)
    logger.propagate = False
    try:
        yield collector.messages
    finally:
        logger.removeHandler(collector)
        logger.propagate = old_propagate


def open_pdf(path: Path) -> OpenedPdf:
    """Open ``path``, decrypt with the empty user password if needed, and list its pages."""
    try:
        # strict=False (pypdf's default, spelled out): repair broken xref tables and the like.
        reader = PdfReader(path, strict=False)
    except EmptyFileError:
        raise ParseError("empty file (0 bytes)") from None
    except OSError as exc:  # the file itself cannot be read: not a PDF problem
        raise ParseError(f"cannot read file: {exc.strerror or short_reason(exc)}") from None
    except Exception as exc:  # see module docstring
        raise ParseError(f"corrupt PDF: {short_reason(exc)}") from None

    if reader.is_encrypted:
        _decrypt_with_empty_password(reader)

    warnings: list[str] = []
    try:
        pages = list(reader.pages)
    except FileNotDecryptedError:
        raise ParseError("encrypted: password required") from None
    except Exception as exc:
        pages = _pages_by_scanning(reader)
        if not pages:
            raise ParseError(f"corrupt PDF: {short_reason(exc)}") from None
        warnings.append(
            f"page tree damaged ({short_reason(exc)}): recovered {len(pages)} page(s) by scanning "
            "the file's objects; page numbers may differ from a viewer's"
        )
    if not pages:
        raise ParseError("corrupt PDF: no pages")
    return OpenedPdf(reader, pages, warnings)


def _decrypt_with_empty_password(reader: PdfReader) -> None:
    """Many PDFs are encrypted only to restrict printing/copying (owner password) and open
    for everyone with the empty user password; anything else needs a password we lack."""
    try:
        result = reader.decrypt("")
    except DependencyError as exc:
        # AES needs the 'cryptography' package; say so instead of "password required".
        raise ParseError(f"encrypted: cannot decrypt ({short_reason(exc)})") from None
    except Exception as exc:
        raise ParseError(f"encrypted: cannot decrypt ({short_reason(exc)})") from None
    if result == PasswordType.NOT_DECRYPTED:
        raise ParseError("encrypted: password required")


def _pages_by_scanning(reader: PdfReader) -> list[PageObject]:
    """Find /Type /Page objects when the page tree itself is broken (sf017: the /Pages object
    is missing). pypdf has no public recovery for this; pdfminer does the same fallback.
    Pages come in object-number order, which is the usual writing order."""
    refs: list[tuple[int, int]] = []
    for generation, table in reader.xref.items():
        refs.extend((number, generation) for number in table)
    refs.extend((number, 0) for number in reader.xref_objStm)
    pages: list[PageObject] = []
    for number, generation in sorted(set(refs))[:_MAX_OBJECTS_SCANNED]:
        ref = IndirectObject(number, generation, reader)
        try:
            obj = reader.get_object(ref)
            if not isinstance(obj, DictionaryObject) or obj.get("/Type") != "/Page":
                continue
            page = PageObject(reader, ref)
            page.update(obj)
        except Exception:
            continue  # one unreadable object is not a reason to give up the scan
        pages.append(page)
    return pages


def page_has_images(page: PageObject) -> bool:
    """True when the page draws image XObjects (directly or one form level down): a page
    whose only text is a label or nothing at all is then most likely a scan."""
    try:
        resources = page.get("/Resources")
        xobjects = resources.get_object().get("/XObject") if resources is not None else None
        if xobjects is None:
            return False
        for ref in xobjects.get_object().values():
            obj = ref.get_object()
            subtype = obj.get("/Subtype")
            if subtype == "/Image":
                return True
            if subtype == "/Form":
                inner = obj.get("/Resources")
                inner_x = inner.get_object().get("/XObject") if inner is not None else None
                if inner_x is not None and any(
                    x.get_object().get("/Subtype") == "/Image" for x in inner_x.get_object().values()
                ):
                    return True
    except Exception:
        return False
    return False


def _inherited(field_dict: DictionaryObject, key: str) -> object:
    """A field attribute, looked up the /Parent chain as the PDF spec's inheritance says."""
    node: DictionaryObject | None = field_dict
    for _ in range(32):  # bounded: parent loops exist in broken files
        if node is None:
            return None
        if key in node:
            return node[key].get_object()
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    return None


def _qualified_name(field_dict: DictionaryObject) -> str:
    parts: list[str] = []
    node: DictionaryObject | None = field_dict
    for _ in range(32):
        if node is None:
            break
        if "/T" in node:
            parts.append(str(node["/T"]))
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    return ".".join(reversed(parts))


def _render_value(field_type: object, value: object) -> str:
    if value is None or isinstance(value, DictionaryObject):
        return ""
    if isinstance(value, ArrayObject):
        return ", ".join(str(v) for v in value if str(v).strip())
    if isinstance(value, NameObject):
        # Check boxes / radio buttons: /Off is unchecked; any other state name means on.
        return "" if value == "/Off" else ("Yes" if field_type == "/Btn" and value == "/Yes" else str(value)[1:])
    return str(value).strip()


def form_field_lines(page: PageObject) -> list[str]:
    """'Label: value' for each filled AcroForm widget on the page (values live in the form
    dictionaries, not in the page content stream, so extract_text() never sees them)."""
    lines: list[str] = []
    seen: set[str] = set()
    try:
        annotations = page.get("/Annots")
        annotations = annotations.get_object() if annotations is not None else []
        for ref in annotations:
            widget = ref.get_object()
            if not isinstance(widget, DictionaryObject) or widget.get("/Subtype") != "/Widget":
                continue
            name = _qualified_name(widget)
            if not name or name in seen:
                continue
            seen.add(name)
            field_type = _inherited(widget, "/FT")
            if field_type not in ("/Tx", "/Ch", "/Btn"):
                continue  # signatures (/Sig) hold binary certificate data, not text
            value = _render_value(field_type, _inherited(widget, "/V"))
            if not value:
                continue
            label = _inherited(widget, "/TU")
            lines.append(f"{str(label).strip() if label else name}: {value}")
    except Exception:
        return lines  # best effort: form data never costs us the page's text
    return lines
