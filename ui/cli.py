"""The `docqa` command: one entry point, subcommands defined next to what they drive.

Subcommand modules are imported lazily so that, say, `docqa ingest` works even where the
optional web dependencies are not installed.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

from ingest.settings import SettingsError

# (module, human description) — each module exposes register(subparsers)
_COMMAND_MODULES = ("ingest.cli", "rag.cli", "rag.sentiment_cli", "ui.commands", "ui.api_commands")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="docqa",
        description="Offline question answering over your own documents (PDF, Word, Excel, CSV, PowerPoint, HTML, text).",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            if exc.name and exc.name.split(".")[0] in ("rag", "ui", "ingest") and exc.name == name:
                continue  # that layer is not present in this installation
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return 1
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except SettingsError as exc:
        print(f"docqa {args.command}: invalid setting: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - last line of defence: a message, never a traceback
        if args.verbose:
            raise
        print(f"docqa {args.command}: unexpected error: {type(exc).__name__}: {exc} (run with -v for details)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
