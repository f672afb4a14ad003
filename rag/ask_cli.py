"""Rendering for `docqa ask`: the answer streamed on a terminal, then its sources."""
from __future__ import annotations

import argparse
import json
import sys

from ingest.settings import Settings


def ask_command(args: argparse.Namespace, settings: Settings) -> int:
    from ingest.index import IndexError_
    from rag.answer import Answerer

    try:
        answerer = Answerer(settings, use_llm=not args.no_llm)
    except IndexError_ as exc:
        print(f"docqa ask: {exc}", file=sys.stderr)
        return 1
    live = not args.json and sys.stdout.isatty()
    final = None
    streamed = False
    for event in answerer.stream(args.question, k=settings.k, docs=args.doc):
        if event.kind == "status" and live:
            print("…", end="\r", flush=True)
        elif event.kind == "token" and live:
            print(event.text, end="", flush=True)
            streamed = True
        elif event.kind == "answer":
            final = event.answer
    assert final is not None
    if args.json:
        print(json.dumps(final.to_json(), ensure_ascii=False, indent=2))
        return 0
    for note in final.notes:
        print(f"note: {note}", file=sys.stderr)
    if streamed:
        print("\n")  # the raw stream stays; the checked answer follows with renumbered markers
    if final.extracted_because:
        print(f"Extracted from the documents ({final.extracted_because}):")
    print(final.text)
    if final.refused:
        print()
        print("Closest passages:" if final.passages else "Nothing in the index matches this question.")
        for rank, p in enumerate(final.passages[:3], 1):
            print(f"  - {p.label()}: {_clip(p.body)}")
    elif final.citations:
        print()
        print("Sources:")
        for c in final.citations:
            print(f"  [{c.n}] {c.passage.label()}")
            if c.passage.copies:
                print(f"      same text also in: {c.passage.also_in()}")
            print(f"      “{_clip(c.quote, 300)}”")
    t = final.timings
    first = f"first token {t.first_token_s:.1f} s, " if t.first_token_s is not None else ""
    print(f"\n({first}total {t.total_s:.1f} s)", file=sys.stderr)
    return 0


def _clip(text: str, width: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
