"""`docqa search`, `docqa ask`, `docqa eval`, `docqa download`, `docqa sentiment`."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ingest.cli import add_index_flag
from ingest.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("search", help="show the passages that best match a question")
    p.add_argument("question")
    add_index_flag(p)
    p.add_argument("--k", type=int, default=None, help="passages to show (default 5)")
    p.add_argument("--doc", action="append", default=None, help="only this document (path or file name); repeatable")
    p.add_argument("--mode", choices=("hybrid", "dense", "lexical"), default="hybrid")
    add_rerank_flag(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run_search)

    p = sub.add_parser("ask", help="answer a question from the indexed documents, with citations")
    p.add_argument("question")
    add_index_flag(p)
    p.add_argument("--k", type=int, default=None, help="passages given to the model (default 5)")
    p.add_argument("--llm", default=None, help="chat model: hub id, local folder or .gguf file (default $DOCQA_LLM)")
    p.add_argument("--no-llm", action="store_true", help="answer with extracted sentences, without a model")
    p.add_argument("--doc", action="append", default=None, help="only this document; repeatable")
    add_rerank_flag(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run_ask)

    p = sub.add_parser("eval", help="measure retrieval and answers on a question set")
    p.add_argument("questions", type=Path, help="questions .jsonl (../shared/eval format)")
    p.add_argument("--docs", type=Path, required=True, help="the folder the questions' documents are relative to")
    p.add_argument("--index", type=Path, default=None, help="index folder (default: a per-folder evaluation index)")
    p.add_argument("--retrieval-only", action="store_true")
    p.add_argument("--k", type=int, default=5)
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--mode", choices=("hybrid", "dense", "lexical"), default="hybrid")
    p.add_argument("--fusion", choices=("minmax", "rrf"), default="minmax")
    p.add_argument("--dense-weight", type=float, default=None)
    p.add_argument("--chunk-tokens", type=int, default=None)
    p.add_argument("--llm", default=None)
    p.add_argument("--no-llm", action="store_true")
    add_rerank_flag(p)
    p.add_argument("--out", type=Path, default=None, help="write one JSON record per question here")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run_eval_cmd)

    p = sub.add_parser("download", help="fetch the default chat and embedding models (needs internet)")
    p.add_argument("--to", type=Path, default=None,
                   help="a folder to copy to an offline machine (then set DOCQA_MODELS to it); default: the local cache")
    p.set_defaults(func=run_download)


def add_rerank_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rerank", choices=("ql", "off"), default=None,
                   help="reorder the best passages with the chat model (default $DOCQA_RERANK, else off)")


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.load(
        index_dir=getattr(args, "index", None),
        k=getattr(args, "k", None),
        llm=getattr(args, "llm", None),
        chunk_tokens=getattr(args, "chunk_tokens", None),
        rerank=getattr(args, "rerank", None),
    )


def _fail(command: str, message: str) -> int:
    print(f"docqa {command}: {message}", file=sys.stderr)
    return 1


def run_search(args: argparse.Namespace) -> int:
    from ingest.index import IndexError_
    from rag.rerank import load_reranker
    from rag.retrieval import Retriever

    settings = _settings(args)
    try:
        retriever = Retriever(settings)
        result = retriever.search(args.question, settings.k, docs=args.doc, mode=args.mode)
    except IndexError_ as exc:
        return _fail("search", str(exc))
    notes, passages = list(result.notes), result.passages
    if passages:
        reranker, note = load_reranker(settings)
        notes += [note] if note else []
        passages = reranker.rerank(result.query or args.question, passages) if reranker else passages
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    if args.json:
        print(json.dumps([p.to_json(rank) for rank, p in enumerate(passages, 1)], ensure_ascii=False, indent=2))
        return 0
    if not passages:
        print("no matching passages")
    for rank, p in enumerate(passages, 1):
        reranked = f", model {p.scores.rerank:.2f}" if p.scores.rerank is not None else ""
        print(f"[{rank}] {p.label()}  (fused {p.scores.fused:.3f}{reranked})")
        if p.copies:
            print(f"    same text also in: {p.also_in()}")
        body = p.body if len(p.body) <= 600 else p.body[:600] + "…"
        print("    " + body.replace("\n", "\n    "))
    print(f"({result.mode} search, {result.seconds * 1000:.0f} ms)", file=sys.stderr)
    return 0


def run_ask(args: argparse.Namespace) -> int:
    from rag.ask_cli import ask_command

    return ask_command(args, _settings(args))


def run_eval_cmd(args: argparse.Namespace) -> int:
    from rag.eval.metrics import format_table
    from rag.eval.runner import EvalOptions, default_eval_index, run_eval, write_records

    settings = _settings(args)
    if args.index is None:
        settings = settings.replace(index_dir=default_eval_index(args.docs, settings))
    if not args.questions.exists():
        return _fail("eval", f"no such file: {args.questions}")
    if not args.docs.is_dir():
        return _fail("eval", f"--docs must be a folder: {args.docs}")
    options = EvalOptions(
        k=args.k, retrieval_only=args.retrieval_only, limit=args.limit, mode=args.mode, fusion=args.fusion,
        dense_weight=args.dense_weight, no_llm=args.no_llm,
    )

    def progress(i: int, n: int, record) -> None:
        if sys.stderr.isatty():
            print(f"\r{i}/{n} questions", end="" if i < n else "\n", file=sys.stderr, flush=True)

    try:
        summary, records, info = run_eval(args.questions, args.docs, settings, options, progress)
    except ValueError as exc:
        return _fail("eval", str(exc))
    details = info.pop("details", {})
    if outside := info["documents_outside_docs"]:
        print(f"docqa eval: note: the index {info['index']} also holds {outside} document{'s' * (outside != 1)} "
              f"from outside {args.docs}; they were searched too, so these figures are not the set's alone "
              "(give --index a folder of its own)", file=sys.stderr)
    if args.out:
        write_records(args.out, records, details)
    if args.json:
        print(json.dumps({"run": info, "summary": summary}, ensure_ascii=False, indent=2))
    else:
        print(format_table(summary))
        print(f"({len(records)} questions in {info['seconds']} s; index {info['index']})")
    return 0


def run_download(args: argparse.Namespace) -> int:
    from rag.download import DownloadError, download_models

    settings = Settings.load()
    try:
        folders = download_models(args.to, settings)
    except DownloadError as exc:
        return _fail("download", str(exc))
    for folder in folders:
        print(folder)
    if args.to:
        print(f"copy {args.to} to the offline machine and set DOCQA_MODELS={args.to.resolve()}", file=sys.stderr)
    return 0
