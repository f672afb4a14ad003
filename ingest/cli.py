"""`docqa ingest`, `docqa list`, `docqa remove` (also `python -m ingest`)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ingest.settings import Settings


def add_index_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--index", type=Path, default=None, help="index folder (default: $DOCQA_INDEX or data/index)")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ingest", help="index files or folders (incremental)", description="Index PDF, Word (.docx, .doc, WPS .wps), Excel (.xlsx, .xls, WPS .et), CSV, PowerPoint (.pptx), HTML, text and Markdown files.")
    p.add_argument("paths", nargs="+", type=Path, help="files or folders")
    add_index_flag(p)
    p.add_argument("--rebuild", action="store_true", help="build the index afresh (also adds vectors to a keyword-only index)")
    p.add_argument("--prune", action="store_true", help="drop documents whose files no longer exist")
    p.add_argument("--embed-model", default=None, help="embedding model id or folder (default: $DOCQA_EMBED_MODEL)")
    p.add_argument("--chunk-tokens", type=int, default=None, help="chunk size in tokens (new or rebuilt index)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.set_defaults(func=run_ingest)

    p = sub.add_parser("list", help="list indexed documents")
    add_index_flag(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run_list)

    p = sub.add_parser("remove", help="remove a document from the index")
    p.add_argument("path", type=Path)
    add_index_flag(p)
    p.set_defaults(func=run_remove)


def settings_from(args: argparse.Namespace) -> Settings:
    return Settings.load(
        index_dir=getattr(args, "index", None),
        embed_model=getattr(args, "embed_model", None),
        chunk_tokens=getattr(args, "chunk_tokens", None),
    )


def run_ingest(args: argparse.Namespace) -> int:
    from ingest.pipeline import IngestFatal, ingest
    from ingest.progress import ConsoleProgress, print_report, report_json

    settings = settings_from(args)
    show = not args.json and sys.stderr.isatty()
    console = ConsoleProgress(enabled=show)
    try:
        with console:
            report = ingest(args.paths, settings, rebuild=args.rebuild, prune=args.prune, progress=console)
    except IngestFatal as exc:
        print(f"docqa ingest: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(report_json(report), ensure_ascii=False, indent=2))
    else:
        print_report(report)
    return report.exit_code


def run_list(args: argparse.Namespace) -> int:
    from ingest.index import IndexError_, IndexReader
    from ingest.progress import print_documents

    settings = settings_from(args)
    try:
        reader = IndexReader(settings.index_dir)
    except IndexError_ as exc:
        print(f"docqa list: {exc}", file=sys.stderr)
        return 1
    docs = reader.store.documents()
    if args.json:
        print(json.dumps([d.__dict__ for d in docs], ensure_ascii=False, indent=2))
    else:
        print_documents(docs, reader.manifest)
    return 0


def run_remove(args: argparse.Namespace) -> int:
    from ingest.pipeline import IngestFatal, remove_document

    try:
        n = remove_document(args.path, settings_from(args))
    except IngestFatal as exc:
        print(f"docqa remove: {exc}", file=sys.stderr)
        return 1
    print(f"removed {args.path} ({n} chunks)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest")
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub)
    args = parser.parse_args(argv)
    return args.func(args)
