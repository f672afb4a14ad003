"""Which files a batch holds: folders expanded, hidden and lock files skipped, and each file's hash."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ingest.reports import FileReport


def collect_files(paths: list[Path], index_dir: Path | None = None) -> tuple[list[Path], list[FileReport]]:
    """Expand folders recursively; skip hidden files, Office lock files and the index itself."""
    found: list[Path] = []
    missing: list[FileReport] = []
    index_abs = os.path.abspath(index_dir) if index_dir else None
    index_real = os.path.realpath(index_dir) if index_dir else None
    for raw in paths:
        path = Path(os.path.abspath(raw))
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            # A linked folder ("docs/policies -> /mnt/shared/policies") is followed like any other:
            # os.walk skips it by default, and such a folder was indexed as nothing, silently. Each
            # real folder is walked once, so a link back up the tree cannot loop.
            seen = {os.path.realpath(path)}
            for root, dirs, names in os.walk(path, followlinks=True):
                kept = []
                for d in sorted(dirs):
                    full = os.path.join(root, d)
                    real = os.path.realpath(full)
                    if d.startswith(".") or full == index_abs or real == index_real or real in seen:
                        continue
                    seen.add(real)
                    kept.append(d)
                dirs[:] = kept
                for name in sorted(names):
                    if name.startswith((".", "~$")):
                        continue
                    found.append(Path(root) / name)
        else:
            missing.append(FileReport(str(path), "failed", "no such file or folder"))
    unique = sorted(dict.fromkeys(found))
    return unique, missing


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
