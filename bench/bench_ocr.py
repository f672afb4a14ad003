"""OCR speed on scanned pages: seconds a page (render + recognise) and characters read.

    python bench/bench_ocr.py ../shared/eval/parse-corpus/pdf/plumber-pr-136-example-zh-scanned.pdf \
        ../shared/eval/parse-corpus/pdf/unstructured-single_table-image-only.pdf

Every page of each file is read by OCR whether or not it has a text layer (the first file's
layer is itself a poor OCR). The engine's load is timed apart; the figures are medians over
pages. Threads follow the CPUs this process may use, as in ingest.
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import pypdfium2 as pdfium

from ingest.parsers import pdf_ocr


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pdfs", nargs="+", type=Path)
    args = ap.parse_args()
    started = time.perf_counter()
    pdf_ocr._load_engine()
    print(f"engine load: {time.perf_counter() - started:.2f} s")
    seconds: list[float] = []
    for path in args.pdfs:
        pages = len(pdfium.PdfDocument(str(path)))
        for number in range(1, pages + 1):
            started = time.perf_counter()
            result = pdf_ocr.read_pages(path, [number], budget_s=float("inf"))
            took = time.perf_counter() - started
            seconds.append(took)
            lines = result.pages[number].lines if number in result.pages else []
            chars = sum(len(line) for line in lines)
            print(f"{path.name[:40]:40} page {number}: {took:5.2f} s, {chars:5d} characters, {len(lines)} lines")
    print(f"median {statistics.median(seconds):.2f} s a page over {len(seconds)} pages")


if __name__ == "__main__":
    main()
