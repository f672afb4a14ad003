"""Saving uploaded files (the page and the HTTP API) safely into the uploads folder.

Names are sanitised (no path traversal, no control or shell-hostile characters, bounded
length), sizes bounded, content deduplicated by hash, and a different file with the same
name never overwritten (a " (2)" suffix is added instead).
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ingest.parsers import SUPPORTED_EXTENSIONS
from ingest.settings import Settings

MAX_NAME_CHARS = 120


@dataclass(frozen=True)
class SavedUpload:
    original_name: str
    path: Path | None  # where it was saved (or the identical file already there)
    status: str  # "saved" | "duplicate" | "rejected"
    reason: str | None = None


def sanitize_filename(name: str) -> str:
    """A safe, readable file name: the last path component only, NFC, no control or
    reserved characters, no leading dots, bounded length; CJK and spaces are kept."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]  # browsers may send "C:\\Users\\x\\file.pdf"
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r'[<>:"|?*\x00]', "_", name).strip().lstrip(".").strip()
    if not name:
        name = "upload"
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    ext = ext.lower()[:10]
    stem = stem[: MAX_NAME_CHARS - len(ext) - 1].rstrip() or "upload"
    return f"{stem}.{ext}" if ext else stem


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def save_upload(name: str, data: bytes, settings: Settings, folder: Path | None = None) -> SavedUpload:
    """Validate and store one uploaded file; never raises for bad input."""
    folder = Path(folder or settings.uploads_dir)
    clean = sanitize_filename(name)
    ext = os.path.splitext(clean)[1].lower()
    if ext not in SUPPORTED_EXTENSIONS:
        shown = ext or "no extension"
        return SavedUpload(name, None, "rejected", f"unsupported format ({shown}); accepted: {', '.join(SUPPORTED_EXTENSIONS)}")
    limit = int(settings.max_file_mb * 1024 * 1024)
    if len(data) > limit:
        return SavedUpload(name, None, "rejected", f"file too large ({len(data) / 1e6:.1f} MB; the limit is {settings.max_file_mb:.0f} MB)")
    if not data:
        return SavedUpload(name, None, "rejected", "empty file (0 bytes)")
    folder.mkdir(parents=True, exist_ok=True)
    digest = _sha256(data)
    for existing in folder.iterdir():
        if existing.is_file() and existing.stat().st_size == len(data) and _sha256(existing.read_bytes()) == digest:
            return SavedUpload(name, existing, "duplicate", f"same content as {existing.name}")
    target = folder / clean
    stem, ext_part = os.path.splitext(clean)
    n = 2
    while target.exists():
        target = folder / f"{stem} ({n}){ext_part}"
        n += 1
    # Write to a temp file and rename: a half-written upload is never picked up by ingest.
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return SavedUpload(name, target, "saved")
