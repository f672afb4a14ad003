"""Run a parser in a child process with a time and memory bound.

Why: a pathological file can make pypdf/openpyxl spin for minutes or allocate gigabytes;
in-process we cannot stop it. A forkserver child is cheap to start, can be killed, and its
memory is capped with RLIMIT_AS. Results come back as JSON (never pickle of file-derived
objects) over a pipe.
"""
from __future__ import annotations

import json
import multiprocessing as mp
import resource
import traceback
from dataclasses import asdict
from pathlib import Path

from ingest.blocks import Block, BlockKind, ParseError, ParseResult, UnsupportedFormat

_CTX = None


def _context():
    global _CTX
    if _CTX is None:
        # forkserver, not fork: the parent may hold threads (Streamlit, torch) whose locks a
        # plain fork would copy in a locked state; the server forks from a clean process.
        _CTX = mp.get_context("forkserver")
        _CTX.set_forkserver_preload(["ingest.parsers", "pypdf", "docx", "openpyxl", "lxml.etree"])
    return _CTX


def _child(path: str, memory_mb: int, conn) -> None:
    try:
        if memory_mb > 0:
            limit = memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        from ingest.parsers import parse_file

        result = parse_file(Path(path))
        payload = {"ok": True, "result": _to_json(result)}
    except UnsupportedFormat as exc:
        payload = {"ok": False, "unsupported": True, "error": str(exc)}
    except ParseError as exc:
        payload = {"ok": False, "error": str(exc) or type(exc).__name__}
    except MemoryError:
        payload = {"ok": False, "error": f"needs more than {memory_mb} MB of memory to read"}
    except RecursionError:
        payload = {"ok": False, "error": "structure nested too deeply to read (corrupt?)"}
    except Exception as exc:  # noqa: BLE001 - a parser bug must not take the batch down
        tb = traceback.extract_tb(exc.__traceback__)
        where = f" at {Path(tb[-1].filename).name}:{tb[-1].lineno}" if tb else ""
        payload = {"ok": False, "error": f"unexpected parser error: {type(exc).__name__}: {str(exc)[:200]}{where}"}
    try:
        conn.send_bytes(json.dumps(payload, ensure_ascii=False).encode("utf-8"))
    finally:
        conn.close()


def _to_json(result: ParseResult) -> dict:
    data = asdict(result)
    for block in data["blocks"]:
        block["kind"] = block["kind"].value if hasattr(block["kind"], "value") else block["kind"]
    return data


def _from_json(data: dict) -> ParseResult:
    blocks = [
        Block(
            text=b["text"],
            kind=BlockKind(b["kind"]),
            page=b.get("page"),
            page_end=b.get("page_end"),
            section_path=tuple(b.get("section_path") or ()),
            sheet=b.get("sheet"),
            row_range=tuple(b["row_range"]) if b.get("row_range") else None,
            header=tuple(b.get("header") or ()),
            title=b.get("title"),
            group=b.get("group"),
        )
        for b in data["blocks"]
    ]
    return ParseResult(
        blocks=blocks, title=data["title"], pages=data.get("pages"), rows=data.get("rows"), warnings=list(data.get("warnings") or [])
    )


def parse_isolated(path: Path, timeout_s: float, memory_mb: int = 3072) -> ParseResult:
    """Parse ``path`` in a child process; raise ParseError on failure, timeout or crash."""
    ctx = _context()
    parent_conn, child_conn = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(str(path), memory_mb, child_conn), daemon=True)
    proc.start()
    child_conn.close()
    try:
        if not parent_conn.poll(timeout_s):
            raise ParseError(f"timed out after {timeout_s:.0f} s (file too complex or corrupt)")
        try:
            raw = parent_conn.recv_bytes()
        except EOFError:
            proc.join(5)
            code = proc.exitcode
            why = "out of memory" if code in (-9, 137) else f"exit code {code}"
            raise ParseError(f"parser crashed ({why})") from None
        payload = json.loads(raw.decode("utf-8"))
    finally:
        parent_conn.close()
        if proc.is_alive():
            proc.kill()
        proc.join(5)
    if payload["ok"]:
        return _from_json(payload["result"])
    if payload.get("unsupported"):
        raise UnsupportedFormat(payload["error"])
    raise ParseError(payload["error"])
