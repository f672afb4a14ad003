"""`docqa serve`: the HTTP API (ui/api.py) under uvicorn, one model per process.

Loopback by default. Any other address needs DOCQA_API_KEY, else the command refuses to start
(exit code 1) before anything is loaded.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ingest.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve", help="serve the HTTP API (answers, OpenAI-compatible chat, uploads, sentiment)",
        description="Serve the HTTP API. Bound to an address other than loopback it requires DOCQA_API_KEY "
                    "(clients send 'Authorization: Bearer <key>' or 'X-API-Key: <key>').",
    )
    p.add_argument("--index", type=Path, default=None, help="index folder (default: $DOCQA_INDEX or data/index)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, loopback only)")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--llm", default=None, help="chat model: hub id, local folder, .gguf file or modelscope:<id>")
    p.add_argument("--no-llm", action="store_true", help="no language model: extracted answers; no chat/sentiment")
    p.add_argument("--max-waiting", type=int, default=4, help="requests that may wait behind the running one (429 beyond)")
    p.add_argument("--no-preload", action="store_true", help="load the model on the first request, not at start-up")
    p.set_defaults(func=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    from ui.api_security import API_KEY_ENV, StartupRefused, check_startup

    try:
        api_key = check_startup(args.host, os.environ.get(API_KEY_ENV))
    except StartupRefused as exc:
        print(f"docqa serve: {exc}", file=sys.stderr)
        return 1
    if not 0 < args.port < 65536:
        print(f"docqa serve: --port must be 1-65535, not {args.port}", file=sys.stderr)
        return 1
    if args.max_waiting < 0:
        print("docqa serve: --max-waiting must be >= 0", file=sys.stderr)
        return 1

    import uvicorn

    from ui.api import create_app
    from ui.api_runtime import ApiLimits

    settings = Settings.load(index_dir=args.index, llm=args.llm)
    app = create_app(settings, api_key=api_key, use_llm=not args.no_llm, limits=ApiLimits(max_waiting=args.max_waiting),
                     preload=not args.no_preload)
    auth = "API key required" if api_key else "no API key (loopback only)"
    print(f"docqa serve: http://{args.host}:{args.port} · index {settings.index_dir} · model "
          f"{'none' if args.no_llm else settings.llm} · {auth} · OpenAPI at /docs", file=sys.stderr)
    # One worker process: the model is loaded once; concurrency is the gate's job, not uvicorn's.
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", timeout_keep_alive=30,
                timeout_graceful_shutdown=10)
    return 0
