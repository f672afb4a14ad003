"""`docqa sentiment "text" [--json]`: positive / negative / neutral from the chat model (rag/sentiment.py)."""
from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sentiment", help="label a text positive, negative or neutral (Chinese or English)")
    p.add_argument("text", help="the text; '-' reads it from standard input")
    p.add_argument("--llm", default=None, help="chat model: hub id, local folder or .gguf file (default $DOCQA_LLM)")
    p.add_argument("--json", action="store_true", help='print {"label", "score", "scores", "lang"}')
    p.set_defaults(func=run_sentiment)


def run_sentiment(args: argparse.Namespace) -> int:
    from ingest.settings import Settings
    from rag.generation import ModelUnavailable, load_llm
    from rag.sentiment import classify

    text = sys.stdin.read() if args.text == "-" else args.text
    if not text.strip():
        print("docqa sentiment: the text is empty", file=sys.stderr)
        return 1
    settings = Settings.load(llm=args.llm)
    try:
        llm = load_llm(settings.llm, settings)
    except ModelUnavailable as exc:
        print(f"docqa sentiment: {exc}", file=sys.stderr)
        return 1
    result = classify(text, llm)
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        print(f"{result.label} ({result.score:.2f})")
    return 0
