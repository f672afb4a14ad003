"""`docqa ui`: optionally index a folder, then start the Streamlit page.

The page itself is ``ui/app.py`` (so `streamlit run ui/app.py` works too); this command only
prepares the index and replaces itself with the Streamlit server, bound to 127.0.0.1 unless
told otherwise.
"""
from __future__ import annotations

import argparse
import importlib.util
import math
import os
import sys
from pathlib import Path

from ingest.settings import Settings

APP_PATH = Path(__file__).resolve().with_name("app.py")
DEFAULT_PORT = 8501


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ui", help="start the web page (add documents, ask questions)",
                       description="Start the docqa web page on this computer.")
    p.add_argument("--index", type=Path, default=None, help="index folder (default: $DOCQA_INDEX or data/index)")
    p.add_argument("--docs", type=Path, default=None,
                   help="index this folder first (incremental: unchanged files are skipped)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this computer only; 0.0.0.0 opens it to the network)")
    p.set_defaults(func=run_ui)


def streamlit_command(settings: Settings, host: str, port: int) -> list[str]:
    """The command that serves the page (exec'd by `docqa ui`; printed for reference)."""
    upload_mb = max(1, math.ceil(settings.max_file_mb))
    return [
        sys.executable, "-m", "streamlit", "run", str(APP_PATH),
        "--server.address", host,
        "--server.port", str(port),
        "--server.headless", "true",
        "--server.maxUploadSize", str(upload_mb),
        # Source files do not change under a user; watching them only costs CPU.
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
        # A last line of defence: the page shows plain messages, never a traceback.
        "--client.showErrorDetails", "none",
        "--client.toolbarMode", "viewer",
        "--",
        "--index", str(settings.index_dir),
    ]


def _ingest_folder(folder: Path, settings: Settings) -> int:
    from ingest.pipeline import IngestFatal, ingest
    from ingest.progress import ConsoleProgress

    if not folder.exists():
        print(f"docqa ui: --docs {folder}: no such folder", file=sys.stderr)
        return 1
    console = ConsoleProgress(enabled=sys.stderr.isatty())
    try:
        with console:
            report = ingest([folder], settings, progress=console)
    except IngestFatal as exc:
        # The page can still serve (and repair) the existing index, so it starts anyway.
        print(f"docqa ui: could not index {folder}: {exc}; starting the page with the index as it is",
              file=sys.stderr)
        return 0
    t = report.totals
    line = (f"indexed {t['indexed']}, unchanged {t['unchanged']}, failed {t['failed']}, skipped {t['skipped']} "
            f"of {t['files']} files in {folder} ({t['chunks']} new chunks, {report.seconds:.1f} s)")
    print(f"docqa ui: {line}", flush=True)
    for f in report.files:
        if f.status in ("failed", "skipped"):
            print(f"  {f.status}: {os.path.basename(f.path)}: {f.reason}", flush=True)
    # Notes (e.g. "semantic search is off ...") were printed by ConsoleProgress as they came.
    return 0


def run_ui(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("streamlit") is None:  # fail early with advice, not inside exec
        print("docqa ui: the web page needs Streamlit: pip install 'docqa[ui]'", file=sys.stderr)
        return 1
    settings = Settings.load(index_dir=args.index)
    settings = settings.replace(index_dir=Path(os.path.abspath(settings.index_dir)))
    if args.docs is not None and _ingest_folder(args.docs, settings) != 0:
        return 1
    command = streamlit_command(settings, args.host, args.port)
    shown = "localhost" if args.host in ("127.0.0.1", "0.0.0.0") else args.host
    print(f"docqa ui: open http://{shown}:{args.port} in your browser (Ctrl+C stops the server)", flush=True)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, command)
    return 0  # not reached
