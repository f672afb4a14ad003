"""How much of a Word document the legacy .doc reader gets, measured against the .docx reader.

No set here holds real .doc files, but LibreOffice writes the binary format faithfully. Each
.docx of a folder is saved as .doc by LibreOffice, both are parsed, and the script prints, per
file, the share of the .docx text's character bigrams found in the .doc text (recall) and the
reverse (precision), with the counts of blocks, headings, table rows and list items on each
side, and the .doc parse time.

    apt-get install -y libreoffice-writer-nogui   # only for this script
    python bench/doc_vs_docx.py ../shared/eval/parse-corpus/docx
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from ingest.blocks import BlockKind, ParseError, ParseResult
from ingest.parsers import parse_file


def _bigrams(result: ParseResult) -> set[str]:
    text = "".join(" ".join(b.text for b in result.blocks).split())
    return {text[i:i + 2] for i in range(len(text) - 1)}


def _count(result: ParseResult, kind: BlockKind) -> int:
    return sum(b.kind is kind for b in result.blocks)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path, help="a folder of .docx files")
    args = ap.parse_args()
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise SystemExit("LibreOffice (soffice) is needed to write the .doc files")
    recalls = []
    with tempfile.TemporaryDirectory() as tmp:
        for source in sorted(args.folder.glob("*.docx")):
            subprocess.run([soffice, "--headless", "--convert-to", "doc", "--outdir", tmp, str(source)],
                           capture_output=True, timeout=300, check=False)
            converted = Path(tmp) / (source.stem + ".doc")
            try:
                docx = parse_file(source)
            except ParseError as exc:
                print(f"{source.name[:44]:44}  .docx not read: {exc}")
                continue
            if not converted.exists():
                print(f"{source.name[:44]:44}  LibreOffice wrote no .doc")
                continue
            started = time.perf_counter()
            try:
                doc = parse_file(converted)
            except ParseError as exc:
                print(f"{source.name[:44]:44}  .doc not read: {exc}")
                recalls.append(0.0)
                continue
            seconds = time.perf_counter() - started
            a, b = _bigrams(docx), _bigrams(doc)
            recall, precision = len(a & b) / max(1, len(a)), len(a & b) / max(1, len(b))
            recalls.append(recall)
            counts = "  ".join(f"{kind.value} {_count(docx, kind)}/{_count(doc, kind)}"
                               for kind in (BlockKind.HEADING, BlockKind.TABLE, BlockKind.LIST))
            print(f"{source.name[:44]:44}  recall {recall:.2f}  precision {precision:.2f}  "
                  f"blocks {len(docx.blocks)}/{len(doc.blocks)}  {counts}  {seconds:.2f} s")
    if recalls:
        recalls.sort()
        print(f"\n{len(recalls)} files: recall median {recalls[len(recalls) // 2]:.2f}, "
              f"{sum(r >= 0.95 for r in recalls)} at 0.95 or more (counts are .docx/.doc)")


if __name__ == "__main__":
    main()
