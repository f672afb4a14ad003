"""Ingest throughput: pages/s and chunks/s, split into parse / chunk / embed / index time.

Runs the real pipeline (isolated parsing, the real embedder, SQLite + FAISS) on a folder into a
fresh temporary index, once per embedding dtype, each in its own subprocess so peak RSS and
thread state are per run. The first dtype is the baseline; later ones print a ratio against it,
measured in the same session.

    python bench/bench_ingest.py [--docs DIR] [--chunk-tokens 256] [--dtypes fp32 bf16]

The embedder is the configured one (DOCQA_EMBED_MODEL / DOCQA_MODELS, see README).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def run_once(docs: Path, chunk_tokens: int) -> dict:
    from ingest.pipeline import ingest
    from ingest.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.load(index_dir=Path(tmp) / "index", chunk_tokens=chunk_tokens)
        report = ingest([docs], settings)
    totals = report.totals
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "files": totals["files"], "indexed": totals["indexed"], "failed": totals["failed"],
        "pages": totals["pages"], "chunks": totals["chunks"], "seconds": round(report.seconds, 2),
        "timings": {k: round(v, 2) for k, v in report.timings.items()},
        "semantic": report.semantic,
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
        # CPU seconds per wall second in this process (parsing runs in a child and is not counted):
        # about the core count when the embedder uses every core; 1.0 was the one-thread bug.
        "cores_used": round((usage.ru_utime + usage.ru_stime) / report.seconds, 2) if report.seconds else 0.0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=Path, default=ROOT.parent / "shared/eval/contoso_hr_en/docs")
    parser.add_argument("--chunk-tokens", type=int, default=256)
    parser.add_argument("--dtypes", nargs="+", default=["fp32", "bf16"], choices=["fp32", "bf16"])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_once(args.docs, args.chunk_tokens)))
        return 0

    print(f"docs: {args.docs}  chunk_tokens: {args.chunk_tokens}  cpus: {os.cpu_count()}")
    print(f"{'dtype':6} {'files':>5} {'pages':>6} {'chunks':>7} {'total s':>8} {'parse':>6} {'chunk':>6} "
          f"{'embed':>6} {'index':>6} {'pages/s':>8} {'chunks/s':>9} {'embed ch/s':>10} {'RSS MB':>7} {'cores':>5} ratio")
    base = None
    for dtype in args.dtypes:
        env = {**os.environ, "DOCQA_EMBED_DTYPE": dtype}
        out = subprocess.run([sys.executable, __file__, "--child", "--docs", str(args.docs),
                              "--chunk-tokens", str(args.chunk_tokens)], env=env, capture_output=True, text=True)
        if out.returncode != 0:
            print(f"{dtype}: failed\n{out.stderr[-2000:]}")
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        t = r["timings"]
        rate = r["chunks"] / r["seconds"] if r["seconds"] else 0.0
        embed_rate = r["chunks"] / t["embed"] if t.get("embed") else 0.0
        base = base or rate
        print(f"{dtype:6} {r['files']:>5} {r['pages']:>6} {r['chunks']:>7} {r['seconds']:>8.1f} {t.get('parse', 0):>6.1f} "
              f"{t.get('chunk', 0):>6.1f} {t.get('embed', 0):>6.1f} {t.get('index', 0):>6.1f} "
              f"{r['pages'] / r['seconds']:>8.2f} {rate:>9.2f} {embed_rate:>10.2f} {r['peak_rss_mb']:>7} "
              f"{r.get('cores_used', 0):>5.2f} {rate / base:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
